"""Time of the smooth bond-order descriptor (SBO) on one KA 3D structure (N = 4096), one core,
against partycls' SmoothedBondOrientationalDescriptor when partycls can be imported.

    python benchmarks/sbo_speed.py [--data DIR] [--repeats 3] [--partycls-path DIR]

Structure: the t = 0 positions of the first BOTAN file in
/work/shared/data/botan-ka3d-T0.44-tc07/train (KA 3D, T = 0.44, rho = 1.2, L = 15.05658) when
that folder exists, otherwise a jittered simple-cubic lattice of the same size and
composition. Timed, for both codes: the per-pair cutoffs from the first minimum of g_ab(r)
(dr = 0.1) plus X^SBO for l = 1..8 (partycls defaults: gamma = 8, xi = 1.3). partycls reads
the structure from an xyz file written here; the reading is timed separately and left out of
the ratio. Prints both times, the speed ratio and the largest deviation between the two
feature matrices (they agree to round-off when the definitions match).

partycls 2.0 compiles two Fortran extensions with numpy.distutils; ``pip install partycls``
may leave them out (import error for ``neighbors_wrap``). Build them by hand, outside the
repository, e.g. (gfortran from apt):

    git clone https://github.com/jorisparet/partycls /tmp/partycls_src   # or any copy
    cd /tmp/partycls_src/partycls && python -m numpy.f2py -c neighbors.f90 -m neighbors_wrap
    cd descriptors && python -m numpy.f2py -c realspace.f90 -m realspace_wrap

and pass ``--partycls-path /tmp/partycls_src`` (or put it on PYTHONPATH). partycls 2.0 calls
``numpy.product``, gone in numpy 2; this script aliases it to ``numpy.prod``.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.descriptors.bond_order import SmoothBondOrder, first_minimum_cutoffs  # noqa: E402

DATA = Path("/work/shared/data/botan-ka3d-T0.44-tc07/train")
BOX = 15.05658


def load_structure(folder: Path):
    files = sorted(folder.glob("*.npz"), key=lambda f: (len(f.name), f.name)) if folder.is_dir() else []
    if files:
        from glassdyn.io.importers import read_botan

        ens = read_botan(files[0], box=BOX, times=[4120.0])
        return ens.initial_positions, np.asarray(ens.types, dtype=np.int64), np.asarray(ens.box, float), files[0].name
    rng = np.random.default_rng(0)
    side = 16
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3)
    x = grid * (BOX / side) + rng.normal(0.0, 0.1, grid.shape)
    types = np.zeros(len(x), dtype=np.int64)
    types[rng.permutation(len(x))[:819]] = 1
    return x - BOX * np.floor(x / BOX), types, np.full(3, BOX), "jittered lattice (data folder absent)"


def best_of(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def import_partycls(extra_path):
    if extra_path:
        sys.path.insert(0, str(extra_path))
    if not hasattr(np, "product"):
        np.product = np.prod  # partycls 2.0 uses numpy.product (removed in numpy 2)
    try:
        from partycls import Trajectory
        from partycls.descriptors import SmoothedBondOrientationalDescriptor
    except Exception as exc:  # ImportError, or a missing compiled extension
        return None, f"{type(exc).__name__}: {exc}"
    return (Trajectory, SmoothedBondOrientationalDescriptor), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--partycls-path", type=Path, default=None)
    args = ap.parse_args()

    x, types, box, source = load_structure(args.data)
    print(f"structure: {source}; N = {len(x)} ({np.bincount(types).tolist()} per type), box {box[0]:.5f}")

    SmoothBondOrder().compute(x[:200], types[:200], box)  # numba compilation / cache load, untimed
    t_ours, ours = best_of(lambda: SmoothBondOrder().compute(x, types, box), args.repeats)
    print(f"glassdyn SmoothBondOrder (cutoffs from g_ab + SBO l=1..8): {t_ours:7.3f} s (best of {args.repeats})")
    t_cut, _ = best_of(lambda: first_minimum_cutoffs(x, types, box), args.repeats)
    t_sbo, _ = best_of(lambda: SmoothBondOrder(cutoffs=ours.cutoffs_).compute(x, types, box), args.repeats)
    print(f"  of which g_ab(r) cutoffs {t_cut:.3f} s, SBO with given cutoffs {t_sbo:.3f} s")
    print("  cutoffs r_ab^c:", np.array2string(ours.cutoffs_, precision=3).replace("\n", ""))

    mods, why = import_partycls(args.partycls_path)
    if mods is None:
        print(f"partycls unavailable ({why}); no comparison")
        return
    Trajectory, Descriptor = mods
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "structure.xyz"
        xw = x - box * np.floor(x / box)
        with open(path, "w") as fh:
            fh.write(f"{len(x)}\nstep:0 columns:name,pos cell:{box[0]:.17g},{box[1]:.17g},{box[2]:.17g}\n")
            for t, p in zip(types, xw):
                fh.write(f"{'ABCDEFGH'[t]} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}\n")
        t_read, _ = best_of(lambda: Trajectory(str(path)), 1)

        def run_partycls():
            traj = Trajectory(str(path))
            t0 = time.perf_counter()
            traj.compute_nearest_neighbors_cutoffs(dr=0.1)
            t1 = time.perf_counter()
            features = Descriptor(traj).compute()
            t2 = time.perf_counter()
            return t2 - t0, t1 - t0, t2 - t1, features, traj

        runs = [run_partycls() for _ in range(max(1, min(args.repeats, 2)))]
        t_theirs = min(r[0] for r in runs)
        _, t_cut_theirs, t_sbo_theirs, theirs, traj = min(runs, key=lambda r: r[0])
    cut_theirs = np.reshape(np.array(traj.nearest_neighbors_cutoffs, dtype=float), ours.cutoffs_.shape)
    print(f"partycls SmoothedBondOrientationalDescriptor (same work): {t_theirs:7.3f} s (best of {len(runs)}); "
          f"reading the xyz file: {t_read:.3f} s (not counted)")
    print(f"  of which g_ab(r) cutoffs {t_cut_theirs:.3f} s, SBO {t_sbo_theirs:.3f} s")
    print(f"speed ratio partycls / glassdyn: {t_theirs / t_ours:.1f}x")
    print(f"max |cutoff difference|: {np.max(np.abs(cut_theirs - ours.cutoffs_)):.2e}")
    dev = np.abs(theirs - ours.features)
    print(f"max |X_SBO difference|: {np.nanmax(dev):.2e} (max |X_SBO| = {np.nanmax(np.abs(ours.features)):.3f}); "
          f"NaN rows: ours {int(np.isnan(ours.features).any(1).sum())}, partycls {int(np.isnan(theirs).any(1).sum())}")


if __name__ == "__main__":
    main()
