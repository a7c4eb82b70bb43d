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

from glassdyn.atomic import atomic_path
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
    raw = np.asarray(data[key]) if not isinstance(data[key], (list, tuple)) else data[key]
    kind = getattr(raw, "dtype", np.dtype(float)).kind
    if kind not in "biuf":  # complex would lose its imaginary part silently; text and objects are no numbers
        what = {"c": "complex", "U": "text", "S": "bytes", "O": "objects", "M": "dates", "m": "durations"}.get(kind, kind)
        raise DataFileError(f"{path}: key '{key}': expected real numbers, got {what} (dtype {raw.dtype})")
    try:
        a = np.asarray(raw, dtype=dtype)
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


def normalise_types(types, path, key="types", n_types: int | None = None) -> np.ndarray:
    """0-based int8 types from 0- or 1-based integer labels (1/2 or 1/2/3 in GlassBench);
    ``n_types``: the species the mixture has (more in the file are refused)."""
    t = np.asarray(types)
    _expect(t.ndim == 1 and len(t) > 0, path, key, f"expected a non-empty (N,) array, got shape {t.shape}")
    _expect(np.all(t == np.round(t)), path, key, "types must be integers")
    t = t.astype(np.int64)
    lo = t.min()
    _expect(lo in (0, 1), path, key, f"types must start at 0 or 1, got minimum {lo}")
    t = t - lo
    if n_types is not None:
        found = np.unique(t)
        _expect(found[-1] < n_types, path, key, f"{len(found)} species ({', '.join(str(k + lo) for k in found)} in the file), "
                                                f"but the mixture has {n_types}")
    return t.astype(np.int8)


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


def read_botan(path, *, box, times, n_types: int | None = None, metadata: dict | None = None) -> IsoconfigurationalEnsemble:
    """One BOTAN ``.npz`` as an isoconfigurational ensemble (box and times given; ``n_types``:
    the mixture's species, when known)."""
    path = Path(path)
    data = _load_npz(path)
    types = normalise_types(_array(data, "types", path, 1, dtype=float), path, n_types=n_types)
    initial = _array(data, "initial_positions", path, 2)
    targets = _array(data, "positions", path, (3, 4))
    if targets.ndim == 3:
        targets = targets[:, None]
    box = _box(box, initial.shape[1], path)
    times = _times(times, targets.shape[1], path)
    return _ensemble(path, types, initial, targets, box, times, {"source_format": "botan", **(metadata or {})})


def read_deepmind(path, *, n_types: int | None = None, metadata: dict | None = None) -> IsoconfigurationalEnsemble:
    """One glassy_dynamics pickle as an isoconfigurational ensemble (box and times inside;
    ``n_types``: the mixture's species, when known)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        with open(path, "rb") as fh:
            data = _DataUnpickler(fh, path).load()
    except DataFileError:
        raise
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError,
            ValueError, KeyError) as exc:
        raise DataFileError(f"{path}: not a readable pickle ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a dict, got {type(data).__name__}")
    types = normalise_types(_array(data, "types", path, 1), path, n_types=n_types)
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


class _DataUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and plain containers only: a pickle names functions that run while
    it loads, so anything else in a data file (a crafted ``os.system``) is refused, not run."""

    _ALLOWED = frozenset({
        *((m, n) for m in ("numpy.core.multiarray", "numpy._core.multiarray") for n in ("_reconstruct", "scalar")),
        *((m, "_frombuffer") for m in ("numpy.core.numeric", "numpy._core.numeric")),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("collections", "OrderedDict"), ("_codecs", "encode"),
        *((m, n) for m in ("builtins", "__builtin__")
          for n in ("list", "dict", "tuple", "set", "frozenset", "complex", "slice", "bytearray", "object")),
    })

    def __init__(self, file, path):
        super().__init__(file, encoding="latin1")  # latin1: Python 2 pickles of numpy arrays
        self.path = path

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise DataFileError(f"{self.path}: the pickle asks for {module}.{name}, which a data file does not "
                                "need; refused (only numpy arrays and plain containers are loaded)")
        return super().find_class(module, name)


def read_glassbench(path, *, box, times, potential=None, n_types: int | None = None, metadata: dict | None = None) -> dict:
    """One GlassBench ``.npz``: {'structure', 'labels', and when present 'inherent_structure', 'cage_state'}.

    Per-particle energies of the inherent structure are computed with ``potential`` (a
    :class:`~glassdyn.systems.PairPotential`); without one the inherent structure is skipped.
    """
    path = Path(path)
    data = _load_npz(path)
    types = normalise_types(_array(data, "types", path, 1), path, n_types=n_types)
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
    with atomic_path(path, ".npz") as tmp:
        np.savez(tmp, **out)
    return Path(path)


def _load_npz(path):
    """The arrays of an ``.npz`` file; anything else (missing, empty, truncated, a renamed
    ``.npy``, a pickle inside) is refused naming the file."""
    import zipfile
    import zlib

    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if path.stat().st_size == 0:
        raise DataFileError(f"{path}: empty file (not an .npz archive)")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataFileError(f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DataFileError(f"{path}: a single {type(loaded).__name__} (an .npy file?), not an .npz archive of named arrays")
    try:
        with loaded as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        # a truncated archive opens (its index is read lazily) and fails on the first array
        raise DataFileError(f"{path}: truncated or damaged .npz archive ({type(exc).__name__}: {exc})") from None
