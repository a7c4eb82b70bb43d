"""Per-particle models of the benchmark: one interface (fit / predict / save / load).

- :class:`GlassMLP`, :class:`GlassMLPL1`: bottleneck MLP of Jung et al. PRL 2023;
- :class:`TGlassMLP`: the transferable GlassMLP of Jung et al. PRB 2024;
- :class:`RidgeRegression`: CAGE (roadmap SI I.E);
- :class:`SingleDescriptor`: baselines, one descriptor as the prediction.

The networks (``torch.nn.Module``s) are in :mod:`glassdyn.models.networks`, imported on
first use so that importing this package does not import torch.

Recipes (which model class, descriptor set and hyperparameters a workflow model name
means) are in :mod:`glassdyn.models.recipes`.
"""

from glassdyn.models.base import MODEL_CLASSES, PropensityModel, Standardizer, load_model, register_model, save_model
from glassdyn.models.data import LABEL_KINDS, Sample, load_samples, make_sample, split_validation
from glassdyn.models.glassmlp import L1_PHASES, PRL_PHASES, GlassMLP, GlassMLPL1, TrainingPhase
from glassdyn.models.linear import RidgeRegression, SingleDescriptor
from glassdyn.models.tglassmlp import TGlassMLP, self_consistency_filter, train_two_step

__all__ = [
    "MODEL_CLASSES", "PropensityModel", "Standardizer", "load_model", "register_model", "save_model",
    "LABEL_KINDS", "Sample", "load_samples", "make_sample", "split_validation",
    "L1_PHASES", "PRL_PHASES", "GlassMLP", "GlassMLPL1", "TrainingPhase",
    "RidgeRegression", "SingleDescriptor", "TGlassMLP", "self_consistency_filter", "train_two_step",
]
