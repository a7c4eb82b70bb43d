"""Training data of the per-particle models: one :class:`Sample` per structure and particle type.

A sample is what GlassMLP calls a batch (PRL SM II B: "the batch size is set equal to the
number of type 1 particles per configuration"): the descriptors of one structure's particles
of one type, their labels at one time, and their positions, which the spatial-correlation
term of the loss needs. Every model (ridge, baselines, the networks) fits on a list of
samples, so splits are by structure by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassdyn.io.data import Descriptors, Labels, load

LABEL_KINDS = ("propensity", "bond_breaking")


@dataclass
class Sample:
    """One structure's particles of one type.

    features: (n, M) float32 descriptors; target: (n,) labels at one time (None when
    predicting); positions: (n, d) sigma_11, positions at t = 0 (only the spatial terms of
    GlassMLP's loss use them: None when predicting); box: (d,) sigma_11;
    state: state point of the labels (time, time_index, temperature, tau_alpha, mean label
    <X> over the sample's particles, ...);
    indices: (n,) particle indices in the structure, to put predictions back;
    name: where it came from (for messages).

    What a model fitted on the sample records (None: unknown, e.g. a sample made by hand):
    columns: (M,) names of the feature columns; label: label kind of the target
    (propensity / bond_breaking); particle_type: type of the particles;
    descriptor_set: name of the descriptor set the columns come from.
    """

    features: np.ndarray
    target: np.ndarray | None
    positions: np.ndarray | None
    box: np.ndarray
    indices: np.ndarray
    state: dict = field(default_factory=dict)
    name: str = ""
    columns: np.ndarray | None = None
    label: str | None = None
    particle_type: int | None = None
    descriptor_set: str | None = None

    def __post_init__(self):
        self.features = np.asarray(self.features, dtype=np.float32)
        n = len(self.features)
        if self.target is not None:
            self.target = np.asarray(self.target, dtype=float)
            if self.target.shape != (n,):
                raise ValueError(f"{self.name}: target shape {self.target.shape}, expected ({n},)")
            if not np.all(np.isfinite(self.target)):
                raise ValueError(f"{self.name}: labels contain NaN or inf")
        if not np.all(np.isfinite(self.features)):
            bad = np.nonzero(~np.all(np.isfinite(self.features), axis=0))[0]
            raise ValueError(f"{self.name}: descriptor columns {bad[:5].tolist()} contain NaN or inf")
        if self.columns is not None:
            self.columns = np.asarray(self.columns)
            if self.columns.shape != self.features.shape[1:]:
                raise ValueError(f"{self.name}: {len(self.columns)} column names for {self.features.shape[1]} columns")
        if self.particle_type is not None:
            self.particle_type = int(self.particle_type)
        self.box = np.asarray(self.box, dtype=float)
        if self.positions is None:
            return
        self.positions = np.asarray(self.positions, dtype=float)
        if self.positions.shape != (n, len(self.box)):
            raise ValueError(f"{self.name}: positions shape {self.positions.shape}, expected ({n}, {len(self.box)})")

    @property
    def n_particles(self) -> int:
        return len(self.features)


def label_values(labels: Labels, label: str) -> np.ndarray:
    """(n_t, N) labels of one kind, with a clear error if the file lacks them."""
    if label not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {label!r}; choose from {LABEL_KINDS}")
    values = getattr(labels, label)
    if values is None:
        raise ValueError(f"the label file has no {label} labels")
    return values


def select_columns(descriptors: Descriptors, columns=None) -> tuple[np.ndarray, np.ndarray]:
    """(values (N, M'), names (M',)): all columns, or the named ones in the given order."""
    if columns is None:
        return descriptors.values, descriptors.names
    columns = [str(c) for c in columns]
    index = {n: k for k, n in enumerate(descriptors.names)}
    missing = [c for c in columns if c not in index]
    if missing:
        raise KeyError(f"descriptor columns missing: {missing[:5]} (file has {len(index)} columns, e.g. {[str(n) for n in list(index)[:3]]})")
    take = [index[c] for c in columns]
    return descriptors.values[:, take], np.asarray(columns)


def make_sample(descriptors: Descriptors, labels: Labels | None, particle_type: int, *, label: str = "propensity",
                time_index: int | None = None, columns=None, positions=None, name: str = "") -> Sample:
    """The sample of one structure: particles of ``particle_type``.

    With ``labels`` and ``time_index``, the target is that label at that time, positions
    are the labels' t = 0 positions and the state carries the time, the temperature and
    tau_alpha of the labels' metadata (when there) and the mean label over the particles
    of this type. Without labels (a structure to predict) ``positions`` (N, d) are optional.
    The sample carries its column names, the particle type, the label kind (when it has a
    target) and the descriptor set (``descriptors.metadata["descriptor_set"]``, when there).
    """
    values, names = select_columns(descriptors, columns)
    types = descriptors.types
    where = f"{name}: " if name else ""
    if labels is not None:
        if len(labels.types) != len(types) or not np.array_equal(labels.types, types):
            raise ValueError(f"{where}descriptors and labels describe different particles (types differ)")
        positions = labels.positions
    mine = np.nonzero(types == particle_type)[0]
    if not len(mine):
        raise ValueError(f"{where}no particles of type {particle_type}")
    state = {}
    target = None
    if labels is not None and time_index is not None:
        all_values = label_values(labels, label)
        if not 0 <= time_index < len(labels.times):
            raise IndexError(f"{where}time index {time_index} outside the {len(labels.times)} label times")
        target = all_values[time_index, mine]
        temperature = labels.metadata.get("temperature")
        state = {"time": float(labels.times[time_index]), "time_index": int(time_index),
                 "temperature": None if temperature is None else float(temperature)}
        if labels.metadata.get("tau_alpha") is not None:
            state["tau_alpha"] = float(labels.metadata["tau_alpha"])
        state["mean_label"] = float(np.mean(target))
    descriptor_set = descriptors.metadata.get("descriptor_set")
    return Sample(features=values[mine], target=target, positions=None if positions is None else np.asarray(positions)[mine],
                  box=descriptors.box, indices=mine, state=state, name=name, columns=names,
                  label=None if target is None else label, particle_type=int(particle_type),
                  descriptor_set=None if descriptor_set is None else str(descriptor_set))


def load_samples(descriptor_files, label_files, particle_type: int, *, label: str = "propensity",
                 time_index: int = 0, columns=None) -> list[Sample]:
    """Samples of many structures, one descriptor file and one label file each (same order)."""
    descriptor_files, label_files = list(descriptor_files), list(label_files)
    if len(descriptor_files) != len(label_files):
        raise ValueError(f"{len(descriptor_files)} descriptor files but {len(label_files)} label files")
    samples = []
    for d_file, l_file in zip(descriptor_files, label_files):
        samples.append(make_sample(load(d_file, "descriptors"), load(l_file, "labels"), particle_type, label=label,
                                   time_index=time_index, columns=columns, name=Path(d_file).name))
    return samples


def stack(samples) -> tuple[np.ndarray, np.ndarray]:
    """All particles of all samples: features (n_total, M), targets (n_total,)."""
    return (np.concatenate([s.features for s in samples]),
            np.concatenate([s.target for s in samples]) if samples and samples[0].target is not None else None)


def split_validation(samples, fraction: float) -> tuple[list[Sample], list[Sample]]:
    """Split training samples by structure into (train, validation).

    The last ``round(fraction * n)`` samples (at least one when fraction > 0 and n > 1)
    validate; structures are independent, so the order carries no information and keeping
    it makes runs reproducible without a seed.
    """
    samples = list(samples)
    if fraction <= 0 or len(samples) < 2:
        return samples, []
    n_val = min(len(samples) - 1, max(1, int(round(fraction * len(samples)))))
    return samples[:-n_val], samples[-n_val:]
