"""The interface every per-particle model shares, and its file format.

A model is fitted on training samples (:class:`~glassdyn.models.data.Sample`, one structure's
particles of one type each; validation samples where the model selects anything), predicts
one label per particle of a new sample, and saves to one HDF5 file holding everything needed
to predict: parameters (weights, standardisation), hyperparameters, the descriptor set and
column names it expects, the label kind, particle type and state point it was trained for,
and provenance. Loading needs no pickle and no code but glassdyn::

    model = GlassMLP(n_networks=4).fit(train, validation)
    save_model("glassmlp.h5", model)
    model = load_model("glassmlp.h5")
    prediction = model.predict(sample)          # (n,) one value per particle of the sample

A new model subclasses :class:`PropensityModel`, implements ``fit``, ``predict``,
``get_parameters`` / ``set_parameters`` and registers itself with :func:`register_model`.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import h5py
import numpy as np

from glassdyn.io.data import DataFileError, atomic_h5, versions

MODEL_FORMAT = "glassdyn-model-1"
MODEL_CLASSES: dict[str, type[PropensityModel]] = {}


def register_model(cls):
    """Class decorator: make a model loadable by its ``KIND``."""
    MODEL_CLASSES[cls.KIND] = cls
    return cls


class Standardizer:
    """Shift and scale every column to zero mean and unit variance over the training rows
    (GlassMLP PRL: "each descriptor is shifted and rescaled ... over the training set").
    Constant columns (e.g. the density of a type at L = 0) keep scale 1 so they map to 0.
    """

    def __init__(self, mean=None, scale=None):
        self.mean = None if mean is None else np.asarray(mean, dtype=float)
        self.scale = None if scale is None else np.asarray(scale, dtype=float)

    def fit(self, samples) -> Standardizer:
        n = sum(s.n_particles for s in samples)
        if n == 0:
            raise ValueError("no training particles")
        # Two passes in float64: descriptors are float32 and sums over 10^6 rows lose digits.
        total = sum(s.features.sum(axis=0, dtype=float) for s in samples)
        self.mean = total / n
        sq = sum(((s.features - self.mean) ** 2).sum(axis=0) for s in samples)
        std = np.sqrt(sq / n)
        self.scale = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean)), std, 1.0)
        return self

    def transform(self, features) -> np.ndarray:
        return ((np.asarray(features, dtype=float) - self.mean) / self.scale).astype(np.float32)


class PropensityModel(ABC):
    """Predicts a per-particle label of one particle type from its descriptors.

    Attributes set by the workflow before saving (all optional for library use):
    ``descriptor_set`` (name of the set the columns come from), ``columns`` (names of the
    columns it reads, in order: predicting selects them by name), ``label`` (propensity / bond_breaking), ``particle_type``,
    ``state`` (temperature, time, ...), ``info`` (anything else worth keeping, JSON).
    """

    KIND: ClassVar[str] = ""
    #: True when one fitted model covers one time (GlassMLP, ridge); False when the state
    #: point is an input (tGlassMLP).
    PER_TIME: ClassVar[bool] = True

    descriptor_set: str = ""
    columns: np.ndarray | None = None
    label: str = "propensity"
    particle_type: int = 0
    state: dict = {}  # replaced per instance, never mutated
    info: dict = {}

    def hyperparameters(self) -> dict:
        """Constructor arguments (JSON) that rebuild an unfitted model."""
        return {}

    @abstractmethod
    def fit(self, train, validation=None) -> PropensityModel:
        """Fit on a list of samples (and select on validation samples); returns self."""

    @abstractmethod
    def predict(self, sample) -> np.ndarray:
        """(n,) predicted labels for the particles of ``sample``."""

    @abstractmethod
    def get_parameters(self) -> dict[str, np.ndarray]:
        """Everything fitted, as named arrays."""

    @abstractmethod
    def set_parameters(self, parameters: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`get_parameters`."""

    def describe(self) -> dict:
        """Fitted quantities worth reporting (chosen alpha, epochs, ...), JSON."""
        return {}


def save_model(path, model: PropensityModel, provenance: dict | None = None) -> Path:
    """Write a fitted model to one HDF5 file (atomically)."""
    path = Path(path)
    with atomic_h5(path) as f:
        f.attrs["format"] = MODEL_FORMAT
        f.attrs["kind"] = model.KIND
        f.attrs["hyperparameters"] = json.dumps(model.hyperparameters())
        f.attrs["descriptor_set"] = model.descriptor_set or ""
        f.attrs["label"] = model.label
        f.attrs["particle_type"] = int(model.particle_type)
        f.attrs["state"] = json.dumps(getattr(model, "state", {}) or {})
        f.attrs["info"] = json.dumps({**(getattr(model, "info", {}) or {}), **model.describe()})
        if model.columns is not None:
            f.create_dataset("columns", data=np.asarray(model.columns).astype("S"))
        group = f.create_group("parameters")
        for name, value in model.get_parameters().items():
            group.create_dataset(name, data=np.asarray(value))
        prov = f.create_group("provenance")
        for key, value in {"versions": versions(), **(provenance or {})}.items():
            prov.attrs[key] = value if isinstance(value, str) else json.dumps(value, default=str)
    return path


def load_model(path) -> PropensityModel:
    """Read a model written by :func:`save_model`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file {path}")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != MODEL_FORMAT:
            raise DataFileError(f"{path}: not a glassdyn model file (format {f.attrs.get('format')!r})")
        if not f.attrs.get("complete", False):
            raise DataFileError(f"{path}: incomplete model file (the job that wrote it died)")
        kind = f.attrs["kind"]
        if kind not in MODEL_CLASSES:
            raise DataFileError(f"{path}: unknown model kind {kind!r}; known: {sorted(MODEL_CLASSES)}")
        model = MODEL_CLASSES[kind](**json.loads(f.attrs["hyperparameters"]))
        model.set_parameters({k: v[()] for k, v in f["parameters"].items()})
        model.descriptor_set = str(f.attrs["descriptor_set"])
        model.label = str(f.attrs["label"])
        model.particle_type = int(f.attrs["particle_type"])
        model.state = json.loads(f.attrs["state"])
        model.info = json.loads(f.attrs["info"])
        model.columns = f["columns"][()].astype(str) if "columns" in f else None
    return model
