"""Read published data sets into the glassdyn data model, and export ours to GlassBench.

Formats:

- ``botan``: one ``.npz`` per structure from the BOTAN authors (Shiba et al. 2023):
  ``types`` (N,), ``initial_positions`` (N, 3), ``positions`` (N_R, N, 3) at one time or
  (N_R, n_t, N, 3), unwrapped. No box and no time inside: both must be given.
- ``glassbench``: the roadmap data set (Jung et al., zenodo 10118191), one ``.npz`` per
  structure: ``types`` (N,) 1-based, ``initial_positions`` (N, d), optional
  ``initial_positions_inherent`` and ``initial_positions_cage`` (N, d), ``md_prop`` and
  ``bb_prop`` (n_t, N) (propensity of displacement and bond breaking). Box and times given.
- ``deepmind``: the glassy_dynamics pickles (Bapst et al. 2020): a dict with ``positions``,
  ``types``, ``box``, ``time``, ``time_indices``, ``trajectory_target_positions``
  ([time index][replica] -> (N, 3)), ``metadata``.

Types are normalised to 0-based; positions are re-based so that displacements, inherent
structures and cage states are continuous from the wrapped t = 0 positions. Anything
missing, misshapen or not finite raises :class:`~glassdyn.io.data.DataFileError` naming the
file and the key.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from glassdyn.geometry import minimum_image, wrap
from glassdyn.io.data import (
    CageState,
    DataFileError,
    InherentStructure,
    IsoconfigurationalEnsemble,
    Labels,
    Structure,
)

FORMATS = ("botan", "glassbench", "deepmind")


def _array(data, key, path, ndim=None, dtype=float, required=True):
    if key not in data:
        if required:
            raise DataFileError(f"{path}: key '{key}': missing (keys present: {', '.join(sorted(data))})")
        return None
    try:
        a = np.asarray(data[key], dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DataFileError(f"{path}: key '{key}': not a numeric array ({exc})") from exc
    if ndim is not None and a.ndim not in np.atleast_1d(ndim):
        raise DataFileError(f"{path}: key '{key}': expected {ndim} dimensions, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise DataFileError(f"{path}: key '{key}': contains NaN or inf")
    return a


def _expect(cond, path, key, what):
    if not cond:
        raise DataFileError(f"{path}: key '{key}': {what}")


def normalise_types(types, path, key="types") -> np.ndarray:
    """0-based int8 types from 0- or 1-based integer labels (1/2 or 1/2/3 in GlassBench)."""
    t = np.asarray(types)
    _expect(t.ndim == 1 and len(t) > 0, path, key, f"expected a non-empty (N,) array, got shape {t.shape}")
    _expect(np.all(t == np.round(t)), path, key, "types must be integers")
    t = t.astype(np.int64)
    lo = t.min()
    _expect(lo in (0, 1), path, key, f"types must start at 0 or 1, got minimum {lo}")
    return (t - lo).astype(np.int8)


def _box(box, dimension, path):
    if box is None:
        raise DataFileError(f"{path}: key 'box': this format stores no box; give it (e.g. in the config's source.box)")
    b = np.broadcast_to(np.asarray(box, dtype=float), (dimension,)).copy()
    _expect(np.all(b > 0), path, "box", f"edge lengths must be positive, got {b}")
    return b


def _times(times, n_t, path):
    if times is None:
        raise DataFileError(f"{path}: key 'times': this format stores no time grid; give it (source times)")
    t = np.atleast_1d(np.asarray(times, dtype=float))
    _expect(len(t) == n_t, path, "times", f"{len(t)} times given for {n_t} time points in the file")
    _expect(bool(np.all(np.diff(t) > 0)) and t[0] > 0, path, "times", f"must be positive and increasing, got {t}")
    return t


def _ensemble(path, types, initial, targets, box, times, metadata):
    """Replica targets (N_R, n_t, N, d) in any origin -> ensemble continuous from wrapped initial."""
    n = len(types)
    _expect(initial.shape == (n, initial.shape[1]) and initial.shape[1] in (2, 3), path, "initial_positions",
            f"expected ({n}, d), got {initial.shape}")
    _expect(targets.shape[2:] == initial.shape, path, "positions",
            f"expected (N_R, n_t, {n}, {initial.shape[1]}), got {targets.shape}")
    start = wrap(initial, box)
    positions = start[None, None] + (targets - initial[None, None])
    return IsoconfigurationalEnsemble(
        initial_positions=start,
        positions=positions,
        times=times,
        steps=np.zeros(len(times), dtype=np.int64),  # unknown for imported data
        types=types,
        box=box,
        replica_seeds=np.zeros(targets.shape[0], dtype=np.int64),
        metadata={**metadata, "n_replicas": int(targets.shape[0]), "source_file": str(path)},
    )


def read_botan(path, *, box, times, metadata: dict | None = None) -> IsoconfigurationalEnsemble:
    """One BOTAN ``.npz`` as an isoconfigurational ensemble (box and times given)."""
    path = Path(path)
    data = _load_npz(path)
    types = normalise_types(_array(data, "types", path, 1, dtype=float), path)
    initial = _array(data, "initial_positions", path, 2)
    targets = _array(data, "positions", path, (3, 4))
    if targets.ndim == 3:
        targets = targets[:, None]
    box = _box(box, initial.shape[1], path)
    times = _times(times, targets.shape[1], path)
    return _ensemble(path, types, initial, targets, box, times, {"source_format": "botan", **(metadata or {})})


def read_deepmind(path, *, metadata: dict | None = None) -> IsoconfigurationalEnsemble:
    """One glassy_dynamics pickle as an isoconfigurational ensemble (box and times inside)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)  # noqa: S301 - the user points at a data set they trust
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise DataFileError(f"{path}: not a readable pickle ({exc})") from exc
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a dict, got {type(data).__name__}")
    types = normalise_types(_array(data, "types", path, 1), path)
    initial = _array(data, "positions", path, 2)
    box = _box(_array(data, "box", path, (0, 1)), initial.shape[1], path)
    all_times = _array(data, "time", path, 1)
    indices = _array(data, "time_indices", path, 1, dtype=np.int64)
    _expect(np.all((indices >= 0) & (indices < len(all_times))), path, "time_indices", "index outside 'time'")
    targets = _array(data, "trajectory_target_positions", path, 4)  # (n_t, N_R, N, d)
    _expect(targets.shape[0] == len(indices), path, "trajectory_target_positions",
            f"{targets.shape[0]} time points but {len(indices)} time_indices")
    times = _times(all_times[indices], len(indices), path)
    extra = {k: v for k, v in (data.get("metadata") or {}).items() if isinstance(v, (int, float, str))}
    return _ensemble(path, types, initial, np.swapaxes(targets, 0, 1), box, times,
                     {"source_format": "deepmind", **extra, **(metadata or {})})


def read_glassbench(path, *, box, times, potential=None, metadata: dict | None = None) -> dict:
    """One GlassBench ``.npz``: {'structure', 'labels', and when present 'inherent_structure', 'cage_state'}.

    Per-particle energies of the inherent structure are computed with ``potential`` (a
    :class:`~glassdyn.systems.PairPotential`); without one the inherent structure is skipped.
    """
    path = Path(path)
    data = _load_npz(path)
    types = normalise_types(_array(data, "types", path, 1), path)
    n = len(types)
    initial = _array(data, "initial_positions", path, 2)
    _expect(initial.shape[0] == n and initial.shape[1] in (2, 3), path, "initial_positions", f"expected ({n}, d), got {initial.shape}")
    d = initial.shape[1]
    box = _box(box, d, path)
    md = _array(data, "md_prop", path, (1, 2))
    md = md[None] if md.ndim == 1 else md
    _expect(md.shape[1] == n, path, "md_prop", f"expected (n_times, {n}), got {md.shape}")
    bb = _array(data, "bb_prop", path, (1, 2))
    bb = bb[None] if bb.ndim == 1 else bb
    _expect(bb.shape == md.shape, path, "bb_prop", f"expected {md.shape} like md_prop, got {bb.shape}")
    times = _times(times, md.shape[0], path)
    start = wrap(initial, box)
    meta = {"source_format": "glassbench", "source_file": str(path), **(metadata or {})}
    out = {
        "structure": Structure(positions=start, types=types, box=box, metadata=dict(meta)),
        "labels": Labels(positions=start, types=types, box=box, times=times, propensity=md, bond_breaking=bb, metadata=dict(meta)),
    }
    for key, kind in (("initial_positions_inherent", "inherent_structure"), ("initial_positions_cage", "cage_state")):
        p = _array(data, key, path, 2, required=False)
        if p is None:
            continue
        _expect(p.shape == initial.shape, path, key, f"expected {initial.shape}, got {p.shape}")
        continuous = start + minimum_image(p - initial, box)
        if kind == "cage_state":
            out[kind] = CageState(positions=continuous, types=types, box=box, metadata=dict(meta))
        elif potential is not None:
            energies = potential.particle_energies(continuous, types, box)
            out[kind] = InherentStructure(positions=continuous, particle_energies=energies, types=types, box=box,
                                          metadata={**meta, "potential_energy": float(energies.mean())})
    return out


def write_glassbench(path, labels: Labels, inherent: InherentStructure | None = None, cage: CageState | None = None) -> Path:
    """Export one structure's labels (and IS, cage state) in the GlassBench ``.npz`` layout."""
    if labels.bond_breaking is None:
        raise ValueError("GlassBench needs bb_prop: these labels have no bond-breaking propensity")
    out = {
        "types": (np.asarray(labels.types) + 1).astype(np.int64),
        "initial_positions": np.asarray(labels.positions, dtype=np.float64),
        "md_prop": np.asarray(labels.propensity, dtype=np.float64),
        "bb_prop": np.asarray(labels.bond_breaking, dtype=np.float64),
    }
    if inherent is not None:
        out["initial_positions_inherent"] = np.asarray(inherent.positions, dtype=np.float64)
    if cage is not None:
        out["initial_positions_cage"] = np.asarray(cage.positions, dtype=np.float64)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(path)
    return path


def _load_npz(path):
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except FileNotFoundError as exc:
        raise DataFileError(f"{path}: no such file") from exc
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable .npz file ({exc})") from exc
