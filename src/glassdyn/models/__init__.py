"""Per-particle models of the benchmark: one interface (fit / predict / save / load).

- :class:`GlassMLP`, :class:`GlassMLPL1`: bottleneck MLP of Jung et al. PRL 2023;
- :class:`TGlassMLP`: the transferable GlassMLP of Jung et al. PRB 2024;
- :class:`RidgeRegression`: CAGE (roadmap SI I.E);
- :class:`SingleDescriptor`: baselines, one descriptor as the prediction;
- :class:`BOTAN`, :class:`NTGNN`, :class:`GNNDM`: graph networks on whole structures
  (:mod:`glassdyn.models.graphs` builds the graphs);
- :class:`SE3GNN`: the roadmap's SE(3)-equivariant graph network (e3nn), every time at once.

The networks (``torch.nn.Module``s) are in :mod:`glassdyn.models.networks` (GlassMLP,
tGlassMLP), :mod:`glassdyn.models.graph_networks` (PyTorch Geometric) and
:mod:`glassdyn.models.equivariant_networks` (e3nn). Names are
imported on first use, so that planning (which reads :mod:`glassdyn.models.recipes`) imports
neither torch nor SciPy.

Recipes (which model class, descriptor set and hyperparameters a workflow model name
means) are in :mod:`glassdyn.models.recipes`.
"""

from glassdyn._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "base": ["MODEL_CLASSES", "PropensityModel", "Standardizer", "load_model", "model_class", "register_model",
             "save_model"],
    "data": ["LABEL_KINDS", "Sample", "load_samples", "make_sample", "split_validation"],
    "gnn": ["BOTAN", "GNNDM", "NTGNN", "GraphNetworkModel"],
    "graphs": ["GraphSample", "graph_from_labels", "graph_from_structure", "load_graph_samples"],
    "glassmlp": ["L1_PHASES", "PRL_PHASES", "GlassMLP", "GlassMLPL1", "TrainingPhase"],
    "linear": ["RidgeRegression", "SingleDescriptor"],
    "se3": ["SE3GNN"],
    "tglassmlp": ["TGlassMLP", "self_consistency_filter", "train_two_step"],
})
