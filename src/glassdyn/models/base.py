"""The interface every per-particle model shares, and its file format.

A model is fitted on training samples (:class:`~glassdyn.models.data.Sample`, one structure's
particles of one type each; validation samples where the model selects anything), predicts
one label per particle of a new sample, and saves to one HDF5 file holding everything needed
to predict: parameters (weights, standardisation), hyperparameters, the descriptor set and
column names it expects, the label kind, particle type and state point it was trained for,
and provenance. Loading needs no pickle and no code but glassdyn::

    model = GlassMLP(n_networks=4).fit(train, validation)
    model.columns_, model.label_, model.particle_type_, model.state_   # what it was trained on
    save_model("glassmlp.h5", model, info={"model": "glassmlp", "seed": 4})
    model = load_model("glassmlp.h5")
    prediction = model.predict(sample)          # (n,) one value per particle of the sample

What a model was trained on is read off the training samples by :meth:`PropensityModel.fit`
(scikit-learn's ``feature_names_in_`` convention; fitted state ends in ``_``): a model never
needs the caller to set it.

A new model subclasses :class:`PropensityModel`, lists every hyperparameter in its
``__init__`` signature and stores it under the same attribute name (no ``*args`` /
``**kwargs``: :func:`param_names` refuses them), implements ``_fit``, ``predict``,
``get_parameters`` / ``set_parameters`` and registers itself with :func:`register_model`.
"""

from __future__ import annotations

import dataclasses
import inspect
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
    """Class decorator: make a model loadable by its ``KIND`` (its ``__init__`` must name
    every argument, see :func:`param_names`)."""
    param_names(cls)
    MODEL_CLASSES[cls.KIND] = cls
    return cls


#: modules whose import registers the built-in model classes
BUILTIN_MODEL_MODULES = ("glassdyn.models.glassmlp", "glassdyn.models.linear", "glassdyn.models.tglassmlp",
                         "glassdyn.models.gnn", "glassdyn.models.se3")


def model_class(kind: str) -> type[PropensityModel]:
    """The registered model class of ``kind`` (built-in classes are imported on first use)."""
    if kind not in MODEL_CLASSES:
        import importlib

        for module in BUILTIN_MODEL_MODULES:
            importlib.import_module(module)
    if kind not in MODEL_CLASSES:
        raise KeyError(f"unknown model kind {kind!r}; known: {sorted(MODEL_CLASSES)}")
    return MODEL_CLASSES[kind]


def param_names(cls) -> list[str]:
    """Constructor arguments of a model class, in signature order (as scikit-learn's
    ``BaseEstimator._get_param_names``); ``*args`` / ``**kwargs`` are refused, since they
    would hide arguments (a seed) from :mod:`glassdyn.models.recipes` and the model file."""
    init = cls.__init__
    if init is object.__init__:
        return []
    names = []
    for p in inspect.signature(init).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"model class {cls.__name__}: __init__ takes {'*' if p.kind == p.VAR_POSITIONAL else '**'}"
                            f"{p.name}; list every constructor argument explicitly")
        if p.name != "self":
            names.append(p.name)
    return names


def jsonable(value):
    """A hyperparameter as JSON: tuples -> lists, dataclasses (TrainingPhase) -> dicts,
    numpy scalars and arrays -> Python numbers and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _common(samples, field: str, what: str):
    """The value of ``field`` every sample shares (None when some sample does not know it)."""
    values = [getattr(s, field) for s in samples]
    if any(v is None for v in values):
        return None
    first = values[0]
    same = (lambda v: np.array_equal(v, first)) if isinstance(first, np.ndarray) else (lambda v: v == first)
    bad = [s.name for s, v in zip(samples, values) if not same(v)]
    if bad:
        raise ValueError(f"training samples of different {what}: {samples[0].name} and {bad[0]}")
    return first


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

    Hyperparameters: the ``__init__`` arguments, each stored under its own name
    (:meth:`hyperparameters`). After :meth:`fit` (or :func:`load_model`), read off the
    training samples:

    columns_ : (M,) str array or None
        Names of the descriptor columns it reads, in order (predicting selects them by name).
    label_ : str or None
        Label kind (propensity / bond_breaking).
    particle_type_ : int or None
        Particle type it predicts.
    descriptor_set_ : str or None
        Name of the descriptor set the columns come from.
    state_ : dict
        State point: per-time models {temperature, tau_alpha, time, time_index, mean_label
        (mean over the training samples of their mean label)}; tGlassMLP {state_points:
        sorted [T, time] pairs}.

    :func:`load_model` adds ``info_``, the workflow's bookkeeping saved with the model.

    Models whose training runs long checkpoint it (GlassMLP, tGlassMLP, the graph networks):
    set ``checkpoint_path`` (a file beside the output; not a hyperparameter) and
    ``checkpoint_interval`` (seconds between saves) before :meth:`fit`, and a killed fit
    resumes from the file, ending where an uninterrupted one does.
    """

    KIND: ClassVar[str] = ""
    checkpoint_path: str | None = None
    checkpoint_interval: float = 600.0
    #: True when one fitted model covers one time (GlassMLP, ridge); False when the state
    #: point is an input (tGlassMLP).
    PER_TIME: ClassVar[bool] = True

    def hyperparameters(self) -> dict:
        """Constructor arguments (JSON) that rebuild an unfitted model (scikit-learn's
        ``get_params``): every ``__init__`` argument, read from the attribute of that name."""
        return {name: jsonable(getattr(self, name)) for name in param_names(type(self))}

    def fit(self, train, validation=None) -> PropensityModel:
        """Fit on a list of samples (and select on validation samples); returns self.

        Records what the samples say (columns, label kind, particle type, descriptor set,
        state point, see the class docstring), then fits (:meth:`_fit`).
        """
        train, validation = list(train), list(validation or [])
        if not train:
            raise ValueError(f"{type(self).__name__} needs at least one training sample")
        self._record_training(train)
        self._fit(train, validation)
        return self

    def _record_training(self, train) -> None:
        self.columns_ = _common(train, "columns", "descriptor columns")
        self.label_ = _common(train, "label", "label kinds")
        self.particle_type_ = _common(train, "particle_type", "particle types")
        self.descriptor_set_ = _common(train, "descriptor_set", "descriptor sets")
        self.state_ = self._training_state(train)

    def _training_state(self, train) -> dict:
        """state_ of a per-time model: the first sample's state point (temperature,
        tau_alpha, time, time_index, where known) and the mean over the samples of their
        mean label."""
        first = train[0].state or {}
        state = {key: kind(first[key]) for key, kind in
                 (("temperature", float), ("tau_alpha", float), ("time", float), ("time_index", int))
                 if first.get(key) is not None}
        means = [s.state.get("mean_label") for s in train]
        if means and all(m is not None for m in means):
            state["mean_label"] = float(np.mean(means))
        return state

    @abstractmethod
    def _fit(self, train: list, validation: list) -> None:
        """Fit the parameters on ``train`` (non-empty list of samples), selecting on
        ``validation`` (possibly empty)."""

    @abstractmethod
    def predict(self, sample) -> np.ndarray:
        """(n,) predicted labels for the particles of ``sample`` (does not change the model)."""

    @abstractmethod
    def get_parameters(self) -> dict[str, np.ndarray]:
        """Everything fitted, as named arrays."""

    @abstractmethod
    def set_parameters(self, parameters: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`get_parameters`."""

    def describe(self) -> dict:
        """Fitted quantities worth reporting (chosen alpha, epochs, ...), JSON."""
        return {}


def save_model(path, model: PropensityModel, provenance: dict | None = None, info: dict | None = None) -> Path:
    """Write a fitted model to one HDF5 file (atomically).

    info: bookkeeping of the caller (JSON: model name, system, training set, seed, files),
    saved in the ``info`` attribute followed by ``model.describe()``. An unknown label kind
    or particle type (samples made by hand) is written as "" or -1.
    """
    path = Path(path)
    columns = getattr(model, "columns_", None)
    particle_type = getattr(model, "particle_type_", None)
    with atomic_h5(path) as f:
        f.attrs["format"] = MODEL_FORMAT
        f.attrs["kind"] = model.KIND
        f.attrs["hyperparameters"] = json.dumps(model.hyperparameters())
        f.attrs["descriptor_set"] = getattr(model, "descriptor_set_", None) or ""
        f.attrs["label"] = getattr(model, "label_", None) or ""
        f.attrs["particle_type"] = -1 if particle_type is None else int(particle_type)
        f.attrs["state"] = json.dumps(getattr(model, "state_", None) or {})
        f.attrs["info"] = json.dumps({**(info or {}), **model.describe()})
        if columns is not None:
            f.create_dataset("columns", data=np.asarray(columns).astype("S"))
        group = f.create_group("parameters")
        for name, value in model.get_parameters().items():
            group.create_dataset(name, data=np.asarray(value))
        prov = f.create_group("provenance")
        for key, value in {"versions": versions(), **(provenance or {})}.items():
            prov.attrs[key] = value if isinstance(value, str) else json.dumps(value, default=str)
    return path


def _read_model(f, path) -> PropensityModel:
    if f.attrs.get("format") != MODEL_FORMAT:
        raise DataFileError(f"{path}: not a glassdyn model file (format {f.attrs.get('format')!r})")
    if not f.attrs.get("complete", False):
        raise DataFileError(f"{path}: incomplete model file (the job that wrote it died)")
    kind = f.attrs["kind"]
    try:
        cls = model_class(kind)
    except KeyError as exc:
        raise DataFileError(f"{path}: {exc.args[0]}") from None
    model = cls(**json.loads(f.attrs["hyperparameters"]))
    model.set_parameters({k: v[()] for k, v in f["parameters"].items()})
    model.descriptor_set_ = str(f.attrs["descriptor_set"]) or None
    model.label_ = str(f.attrs["label"]) or None
    particle_type = int(f.attrs["particle_type"])
    model.particle_type_ = None if particle_type < 0 else particle_type
    model.state_ = json.loads(f.attrs["state"])
    model.info_ = json.loads(f.attrs["info"])
    model.columns_ = f["columns"][()].astype(str) if "columns" in f else None
    return model


def load_model(path) -> PropensityModel:
    """Read a model written by :func:`save_model`: hyperparameters, parameters, the fitted
    attributes ``columns_``, ``label_``, ``particle_type_``, ``descriptor_set_``, ``state_``
    and ``info_`` (the caller's bookkeeping and ``describe()`` at saving)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such model file" if not path.exists() else f"{path}: not a file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DataFileError(f"{path}: not a readable model file ({exc})") from None
    try:
        with f:
            model = _read_model(f, path)
    except DataFileError:
        raise
    except (KeyError, OSError, RuntimeError, TypeError, ValueError) as exc:  # damaged, or from another version
        raise DataFileError(f"{path}: damaged model file ({type(exc).__name__}: {exc})") from None
    return model
