"""One data model for every stage, stored as HDF5.

Layout of a glassdyn file (format ``glassdyn-1``)::

    /                       attrs: format, kind, units="lj", complete=True (written last)
    /<array>                datasets named after the dataclass fields, attrs: description
    /metadata               attrs: physics of this object (T, potential, dt, thermostat, ...)
    /provenance             attrs: config (JSON), seeds (JSON), versions (JSON), stage

Every file carries its own box (edge lengths, box spans [0, L)) and 0-based particle types,
so any stage can read it alone. The kinds are:

- ``structure``: an equilibrated configuration (wrapped positions, velocities);
- ``isoconfigurational``: replica trajectories on a time grid (unwrapped positions);
- ``inherent_structure``: the energy minimum of a structure and per-particle energies;
- ``cage_state``: cage centres of a structure;
- ``labels``: isoconfigurational labels of one structure (R, C_B, E_ij, F_s, split halves);
- ``dynamics``: averages over all structures of one system and temperature;
- ``descriptors``: per-particle structural descriptors of one structure, one named column each;
- ``predictions``: a model's predicted labels for structures of one system and temperature.

Files are written atomically: to a temporary file in the same directory, then renamed, and
the ``complete`` attribute is set last, so a killed job never leaves a file that looks
complete. Wall-clock times and host names are deliberately not stored: the same inputs and
seeds give byte-identical files.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import ClassVar

import h5py
import numpy as np

from glassdyn.atomic import atomic_path, write_text_atomic  # noqa: F401 - write_text_atomic re-exported

FORMAT = "glassdyn-1"


class DataFileError(ValueError):
    """A data file is missing, incomplete or malformed; the message names the file and key."""


def _check(cond: bool, path, key: str, what: str) -> None:
    if not cond:
        raise DataFileError(f"{path}: key '{key}': {what}")


@dataclass
class _Record:
    KIND: ClassVar[str] = ""
    DESCRIPTIONS: ClassVar[dict[str, str]] = {}
    #: float arrays that may hold NaN (e.g. a relaxation time the time grid never reached)
    NAN_ALLOWED: ClassVar[frozenset] = frozenset()

    def _arrays(self):
        for f in fields(self):
            if f.name != "metadata":
                yield f.name, getattr(self, f.name)

    @property
    def n_particles(self) -> int:
        return np.shape(self.types)[-1]

    @property
    def dimension(self) -> int:
        return len(self.box)

    def validate(self, path="<memory>") -> None:
        n, d = np.shape(self.types)[-1], len(self.box)
        _check(d in (2, 3), path, "box", f"dimension must be 2 or 3, got {d}")
        _check(bool(np.all(np.asarray(self.box) > 0)), path, "box", "edge lengths must be positive")
        for name, value in self._arrays():
            if value is None:
                continue
            a = np.asarray(value)
            if a.dtype.kind == "f" and name not in self.NAN_ALLOWED:
                _check(bool(np.all(np.isfinite(a))), path, name, "contains NaN or inf")
            expected = self._shape(name, n, d)
            if expected is not None:
                _check(
                    a.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, a.shape)),
                    path, name, f"shape {a.shape}, expected {tuple('*' if e is None else e for e in expected)}",
                )

    def _shape(self, name, n, d):
        return {"positions": (n, d), "types": (n,), "box": (d,), "velocities": (n, d)}.get(name)


@dataclass
class Structure(_Record):
    """An equilibrated configuration.

    positions: (N, d) wrapped into [0, L); types: (N,) int8, 0-based; box: (d,);
    velocities: (N, d) or None.
    """

    KIND: ClassVar[str] = "structure"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "positions": "positions wrapped into [0, L), shape (N, d), sigma_11",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, box spans [0, L), shape (d,), sigma_11",
        "velocities": "velocities, shape (N, d), sigma_11/tau",
    }
    positions: np.ndarray
    types: np.ndarray
    box: np.ndarray
    velocities: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class IsoconfigurationalEnsemble(_Record):
    """Replica trajectories from one structure.

    initial_positions: (N, d) the structure's positions at t = 0 (wrapped);
    positions: (N_R, n_times, N, d) unwrapped, continuous from initial_positions;
    times: (n_times,) in tau; steps: (n_times,) MD steps; replica_seeds: (N_R,);
    potential_energy, kinetic_temperature: (N_R, n_times + 1) per particle, column 0 is t = 0.
    """

    KIND: ClassVar[str] = "isoconfigurational"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "initial_positions": "positions at t = 0, wrapped into [0, L), shape (N, d), sigma_11",
        "positions": "unwrapped positions of each replica on the time grid, shape (N_R, n_times, N, d), sigma_11",
        "times": "time grid, shape (n_times,), tau",
        "steps": "time grid in MD steps, shape (n_times,)",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
        "replica_seeds": "seed of each replica's Maxwell-Boltzmann velocities, shape (N_R,)",
        "potential_energy": "potential energy per particle, shape (N_R, n_times + 1), column 0 at t = 0",
        "kinetic_temperature": "kinetic temperature, shape (N_R, n_times + 1), column 0 at t = 0",
    }
    initial_positions: np.ndarray
    positions: np.ndarray
    times: np.ndarray
    steps: np.ndarray
    types: np.ndarray
    box: np.ndarray
    replica_seeds: np.ndarray
    potential_energy: np.ndarray | None = None
    kinetic_temperature: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def n_replicas(self) -> int:
        return self.positions.shape[0]

    def _shape(self, name, n, d):
        nr, nt = self.positions.shape[0], len(self.times)
        return {
            "initial_positions": (n, d),
            "positions": (nr, nt, n, d),
            "times": (nt,),
            "steps": (nt,),
            "replica_seeds": (nr,),
            "potential_energy": (nr, nt + 1),
            "kinetic_temperature": (nr, nt + 1),
        }.get(name) or super()._shape(name, n, d)


@dataclass
class InherentStructure(_Record):
    """The energy minimum reached from a structure.

    positions: (N, d) unwrapped, continuous from the thermal positions;
    particle_energies: (N,) E_i = 1/2 sum_j U(r_ij) at the minimum.
    """

    KIND: ClassVar[str] = "inherent_structure"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "positions": "inherent-structure positions, continuous from the thermal ones, shape (N, d), sigma_11",
        "particle_energies": "per-particle potential energy (half the pair energies), shape (N,), epsilon_11",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
    }
    positions: np.ndarray
    particle_energies: np.ndarray
    types: np.ndarray
    box: np.ndarray
    metadata: dict = field(default_factory=dict)

    def _shape(self, name, n, d):
        return {"particle_energies": (n,)}.get(name) or super()._shape(name, n, d)


@dataclass
class CageState(_Record):
    """Cage centres of a structure (e.g. imported from the roadmap data set): positions (N, d)."""

    KIND: ClassVar[str] = "cage_state"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "positions": "cage-state positions, continuous from the thermal ones, shape (N, d), sigma_11",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
    }
    positions: np.ndarray
    types: np.ndarray
    box: np.ndarray
    metadata: dict = field(default_factory=dict)


@dataclass
class Labels(_Record):
    """Isoconfigurational labels of one structure on a time grid.

    positions: (N, d) the structure at t = 0 (wrapped); times: (n_t,);
    propensity: (n_t, N) R_i(t); bond_breaking: (n_t, N) C_B^i(t);
    edges: (E, 2) pairs i < j with r_ij(0) < edge cutoff; edge_propensity: (n_t, E) E_ij(t);
    wavenumbers: (n_q,); self_intermediate_scattering: (n_t, n_types, n_q) replica and particle
    average per type; split_half_correlation: (2, n_t, n_types) for [propensity, bond_breaking].
    Everything but positions, types, box, times and propensity is optional (imported data
    sets may lack it).
    """

    KIND: ClassVar[str] = "labels"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "positions": "positions at t = 0, wrapped into [0, L), shape (N, d), sigma_11",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
        "times": "time grid, shape (n_t,), tau",
        "propensity": "propensity of displacement R_i(t) = <|r_i(t) - r_i(0)|>_iso, shape (n_t, N), sigma_11",
        "bond_breaking": "bond-breaking propensity C_B^i(t) = <n_t/n_0>_iso, shape (n_t, N)",
        "edges": "particle pairs (i < j) within the edge cutoff at t = 0, shape (E, 2)",
        "edge_propensity": "pair-distance change E_ij(t) = <r_ij(t) - r_ij(0)>_iso, shape (n_t, E), sigma_11",
        "wavenumbers": "wavenumbers of F_s, shape (n_q,), 1/sigma_11",
        "self_intermediate_scattering": "F_s(q, t) averaged over replicas and particles of each type, shape (n_t, n_types, n_q)",
        "split_half_correlation": "Pearson correlation of labels from two halves of the replicas, [R, C_B], shape (2, n_t, n_types)",
    }
    positions: np.ndarray
    types: np.ndarray
    box: np.ndarray
    times: np.ndarray
    propensity: np.ndarray
    bond_breaking: np.ndarray | None = None
    edges: np.ndarray | None = None
    edge_propensity: np.ndarray | None = None
    wavenumbers: np.ndarray | None = None
    self_intermediate_scattering: np.ndarray | None = None
    split_half_correlation: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    NAN_ALLOWED: ClassVar[frozenset] = frozenset({"self_intermediate_scattering", "split_half_correlation"})

    def _shape(self, name, n, d):
        nt = len(self.times)
        ne = None if self.edges is None else len(self.edges)
        nq = None if self.wavenumbers is None else len(self.wavenumbers)
        return {
            "times": (nt,),
            "propensity": (nt, n),
            "bond_breaking": (nt, n),
            "edges": (None, 2),
            "edge_propensity": (nt, ne),
            "wavenumbers": (None,),
            "self_intermediate_scattering": (nt, None, nq),
            "split_half_correlation": (2, nt, None),
        }.get(name) or super()._shape(name, n, d)


@dataclass
class DynamicsSummary(_Record):
    """Averages over all structures of one system and temperature (``summarize_dynamics``).

    Per time and type: F_s(q, t), mean R and C_B, chi_4 (of R, C_B and the R overlap), the
    split-half correlation and the noise ceiling; tau_alpha per type and q (NaN where F_s never
    reaches 1/e on the grid) and tau_alpha^BB per type (NaN where <C_B> never reaches 0.5).
    No positions: ``types`` and ``box`` describe the system.
    """

    KIND: ClassVar[str] = "dynamics"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "types": "0-based particle type of one structure, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
        "times": "time grid, shape (n_t,), tau",
        "wavenumbers": "wavenumbers of F_s, shape (n_q,), 1/sigma_11",
        "self_intermediate_scattering": "F_s(q, t) per type, shape (n_t, n_types, n_q)",
        "tau_alpha": "F_s(q, tau_alpha) = 1/e per type and wavenumber (NaN: not reached), shape (n_types, n_q), tau",
        "tau_alpha_fit": "tau_alpha of a double stretched exponential fit of F_s (BOTAN's definition; NaN: no fit), shape (n_types, n_q), tau",
        "mean_propensity": "<R(t)> per type, shape (n_t, n_types), sigma_11",
        "mean_bond_breaking": "<C_B(t)> per type, shape (n_t, n_types)",
        "tau_alpha_bond_breaking": "<C_B(tau)> = 0.5 per type (NaN: not reached), shape (n_types,), tau",
        "chi4_propensity": "chi_4 of R per type, shape (n_t, n_types), sigma_11^2",
        "chi4_bond_breaking": "chi_4 of C_B per type, shape (n_t, n_types)",
        "chi4_overlap": "chi_4 of the overlap [1 - tanh(20 (R - 0.44))]/2 per type, shape (n_t, n_types)",
        "split_half_correlation": "mean split-half correlation [R, C_B], shape (2, n_t, n_types)",
        "noise_ceiling": "largest reachable Pearson correlation [R, C_B], shape (2, n_t, n_types)",
    }
    types: np.ndarray
    box: np.ndarray
    times: np.ndarray
    mean_propensity: np.ndarray
    chi4_propensity: np.ndarray
    chi4_overlap: np.ndarray
    wavenumbers: np.ndarray | None = None
    self_intermediate_scattering: np.ndarray | None = None
    tau_alpha: np.ndarray | None = None
    tau_alpha_fit: np.ndarray | None = None
    mean_bond_breaking: np.ndarray | None = None
    tau_alpha_bond_breaking: np.ndarray | None = None
    chi4_bond_breaking: np.ndarray | None = None
    split_half_correlation: np.ndarray | None = None
    noise_ceiling: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    NAN_ALLOWED: ClassVar[frozenset] = frozenset(
        {"self_intermediate_scattering", "tau_alpha", "tau_alpha_fit", "tau_alpha_bond_breaking", "split_half_correlation",
         "noise_ceiling", "mean_propensity", "mean_bond_breaking", "chi4_propensity", "chi4_bond_breaking", "chi4_overlap"}
    )

    def _shape(self, name, n, d):
        per_time_and_type = ("mean_propensity", "mean_bond_breaking", "chi4_propensity", "chi4_bond_breaking", "chi4_overlap")
        if name in per_time_and_type:
            return (len(self.times), None)
        return {"times": (len(self.times),), "wavenumbers": (None,)}.get(name) or super()._shape(name, n, d)


@dataclass
class Descriptors(_Record):
    """Structural descriptors of one structure: one row per particle, one named column each.

    values: (N, M) float32 (single precision: what the models train on, and half the disk);
    names: (M,) column names (a trained model checks them); types: (N,); box: (d,);
    metadata: the descriptor set, its parameters and which states it was computed from.
    """

    KIND: ClassVar[str] = "descriptors"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "values": "descriptor values, shape (N, M), float32; units per column in metadata",
        "names": "column names, shape (M,)",
        "types": "0-based particle type, shape (N,)",
        "box": "box edge lengths, shape (d,), sigma_11",
    }
    values: np.ndarray
    names: np.ndarray
    types: np.ndarray
    box: np.ndarray
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=np.float32)
        self.names = np.asarray([str(x) for x in np.asarray(self.names).ravel()], dtype=str)

    def validate(self, path="<memory>") -> None:
        super().validate(path)
        _check(len(set(self.names)) == len(self.names), path, "names", "column names must be unique")

    def _shape(self, name, n, d):
        return {"values": (n, len(self.names)), "names": (None,)}.get(name) or super()._shape(name, n, d)

    def column(self, name: str) -> np.ndarray:
        """One descriptor by name, shape (N,)."""
        hits = np.nonzero(self.names == name)[0]
        if not len(hits):
            raise KeyError(f"no descriptor column {name!r}; columns: {list(self.names[:5])}...")
        return self.values[:, hits[0]]


@dataclass
class Predictions(_Record):
    """A model's predicted labels for structures of one system and temperature.

    values: (S, n_t, N) predicted label per structure, time and particle, NaN for particles
    of types the model does not predict; structures: (S,) structure indices; times: (n_t,);
    types: (S, N), per structure (swap Monte Carlo gives every structure its own assignment);
    box: (d,); metadata: model name, label kind, model files.
    Models with edge outputs (BOTAN) add edge_values: (n_t, P_total) predicted E_ij(t) of every
    structure's pairs (in the order of its label file's edges), structure s owning columns
    edge_offsets[s]:edge_offsets[s + 1]; edge_offsets: (S + 1,).
    Models with a state input (tGlassMLP) add mean_labels: (n_t,) the <C_B> each time was
    predicted at; network_values: (E, S, n_t, N) every active network's predictions;
    bottleneck: (S, n_t, N, b) one network's bottleneck layer; attention_lengths (n_L,),
    attention_probability (n_t, n_L) and intrinsic_length (n_t,): P_int(L) and xi_int.
    """

    KIND: ClassVar[str] = "predictions"
    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "values": "predicted labels, shape (S, n_t, N), NaN where not predicted; units of the label",
        "structures": "structure indices, shape (S,)",
        "times": "time grid, shape (n_t,), tau",
        "types": "0-based particle type per structure, shape (S, N)",
        "box": "box edge lengths, shape (d,), sigma_11",
        "edge_values": "predicted pair-distance change E_ij(t) of every structure's pairs (i < j), shape (n_t, P_total), sigma_11, NaN where not predicted",
        "edge_offsets": "structure s owns edge_values[:, edge_offsets[s]:edge_offsets[s + 1]], shape (S + 1,)",
        "mean_labels": "state input <C_B> (mean label of the state point) of every time, shape (n_t,)",
        "network_values": "predictions of every active network, shape (E, S, n_t, N), NaN where not predicted",
        "bottleneck": "bottleneck layer of the first active network, shape (S, n_t, N, b), NaN where not predicted",
        "attention_lengths": "coarse-graining lengths L of P_int, shape (n_L,), sigma_11",
        "attention_probability": "P_int(L) from the attention weights (PRB Sec. VI.A), shape (n_t, n_L)",
        "intrinsic_length": "xi_int = sum_L P_int(L) L, shape (n_t,), sigma_11",
    }
    values: np.ndarray
    structures: np.ndarray
    times: np.ndarray
    types: np.ndarray
    box: np.ndarray
    edge_values: np.ndarray | None = None
    edge_offsets: np.ndarray | None = None
    mean_labels: np.ndarray | None = None
    network_values: np.ndarray | None = None
    bottleneck: np.ndarray | None = None
    attention_lengths: np.ndarray | None = None
    attention_probability: np.ndarray | None = None
    intrinsic_length: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)

    NAN_ALLOWED: ClassVar[frozenset] = frozenset({"values", "edge_values", "network_values", "bottleneck", "mean_labels",
                                                    "attention_probability", "intrinsic_length"})

    def _shape(self, name, n, d):
        total = None if self.edge_offsets is None else int(self.edge_offsets[-1])
        s, t = len(self.structures), len(self.times)
        n_l = None if self.attention_lengths is None else len(self.attention_lengths)
        return {"values": (s, t, n), "structures": (None,), "times": (t,), "types": (s, n),
                "edge_values": (t, total), "edge_offsets": (s + 1,), "mean_labels": (t,),
                "network_values": (None, s, t, n), "bottleneck": (s, t, n, None), "attention_lengths": (None,),
                "attention_probability": (t, n_l), "intrinsic_length": (t,)}.get(name) or super()._shape(name, n, d)


KINDS: dict[str, type[_Record]] = {
    c.KIND: c
    for c in (Structure, IsoconfigurationalEnsemble, InherentStructure, CageState, Labels, DynamicsSummary, Descriptors,
              Predictions)
}


# -- provenance -----------------------------------------------------------------------------
@functools.cache
def versions() -> dict[str, str]:
    """Versions of the Python stack that can change a result (read once per process).

    glassdyn, python, numpy, h5py and hdf5: what this layer knows. Software of the stages
    above (LAMMPS, from :func:`glassdyn.md.runtime.software_versions`) is passed to
    :func:`provenance` by the stage that used it, so that io never imports md.
    """
    import glassdyn

    return {
        "glassdyn": glassdyn.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "h5py": h5py.__version__,
        "hdf5": h5py.version.hdf5_version,
    }


def provenance(*, config: dict | None = None, seeds: dict | None = None, stage: str = "",
               software: dict[str, str] | None = None, **extra) -> dict:
    """Provenance record stored in every file: the config, seeds, versions and producing stage.

    ``software`` (name -> version, e.g. ``{"lammps": "20240829"}``) is merged into the
    versions after :func:`versions`' entries, so the order is glassdyn, python, numpy, h5py,
    hdf5, then the caller's.
    """
    return {"config": config or {}, "seeds": seeds or {}, "versions": {**versions(), **(software or {})},
            "stage": stage, **extra}


# -- HDF5 ----------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_h5(path):
    """Open a temporary HDF5 file next to ``path``; on success mark it complete, flush it to
    disk and rename it (:func:`glassdyn.atomic.atomic_path`).

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    with atomic_path(path, ".h5") as tmp:
        with h5py.File(tmp, "w", track_order=True) as f:
            yield f
            f.attrs["complete"] = True


def _attr_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=_json_default)
    if value is None:
        return "null"
    if isinstance(value, np.generic):
        return value.item()
    return value


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot store {type(o).__name__} in provenance")


def _read_attr(value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str) and (value[:1] in ("{", "[") or value == "null"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def save(path, record: _Record, provenance: dict | None = None) -> Path:
    """Write ``record`` atomically to ``path`` (HDF5); returns the path."""
    record.validate(path)
    with atomic_h5(path) as f:
        f.attrs["format"] = FORMAT
        f.attrs["kind"] = record.KIND
        f.attrs["units"] = "lj"
        for name, value in record._arrays():
            if value is None:
                continue
            a = np.asarray(value)
            if a.dtype.kind == "U":  # HDF5 has no fixed-width unicode: store UTF-8 bytes
                a = np.char.encode(a, "utf-8")
            chunks = (1, 1) + a.shape[2:] if name == "positions" and a.ndim == 4 else None
            ds = f.create_dataset(name, data=a, chunks=chunks)
            ds.attrs["description"] = record.DESCRIPTIONS.get(name, "")
        meta = f.create_group("metadata")
        for k, v in sorted(record.metadata.items()):
            meta.attrs[k] = _attr_value(v)
        prov = f.create_group("provenance")
        for k, v in sorted((provenance or {}).items()):
            prov.attrs[k] = _attr_value(v)
    return Path(path)


def read_provenance(path) -> dict:
    with h5py.File(path, "r") as f:
        return {k: _read_attr(v) for k, v in f["provenance"].attrs.items()} if "provenance" in f else {}


def _read_record(f, path, kind):
    _check(f.attrs.get("format") == FORMAT, path, "format", f"expected {FORMAT!r}, got {f.attrs.get('format')!r}")
    _check(bool(f.attrs.get("complete", False)), path, "complete", "file is incomplete (the job that wrote it did not finish)")
    file_kind = _read_attr(f.attrs.get("kind"))
    _check(file_kind in KINDS, path, "kind", f"unknown kind {file_kind!r}")
    if kind is not None:
        _check(file_kind == kind, path, "kind", f"expected a {kind!r} file, got {file_kind!r}")
    cls = KINDS[file_kind]
    values = {}
    for fl in fields(cls):
        if fl.name == "metadata":
            continue
        if fl.name in f:
            values[fl.name] = f[fl.name][()]
            if isinstance(values[fl.name], np.ndarray) and values[fl.name].dtype.kind == "S":
                values[fl.name] = np.char.decode(values[fl.name], "utf-8")
        else:
            _check(fl.default is not MISSING, path, fl.name, "missing")
    values["metadata"] = {k: _read_attr(v) for k, v in f["metadata"].attrs.items()} if "metadata" in f else {}
    return cls, values


def load(path, kind: str | None = None) -> _Record:
    """Read a glassdyn file; ``kind`` (optional) asserts what it must be.

    Raises :class:`DataFileError` naming the file and key for anything missing or malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise DataFileError(f"{path}: not a readable HDF5 file ({exc})") from None
    try:
        with f:
            cls, values = _read_record(f, path, kind)
    except DataFileError:
        raise
    except (KeyError, OSError, RuntimeError, TypeError, ValueError) as exc:
        # a file another process is still writing (a temporary), or damaged on disk
        raise DataFileError(f"{path}: damaged or still being written ({type(exc).__name__}: {exc})") from None
    record = cls(**values)
    record.validate(path)
    return record
