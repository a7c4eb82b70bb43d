"""Time to compute all labels of one structure: 32 replicas x 4096 particles x 10 times.

    python benchmarks/labels_speed.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train] [--repeats 3]

Runs on one core (BLAS threads pinned to 1 before numpy loads). Input: a BOTAN file when
--data is given (real T = 0.44 displacements, its single time repeated 10 times), otherwise
a synthetic KA-like structure (N = 4096, rho = 1.2, jittered lattice, Gaussian
displacements). Timed: glassdyn.labels.labels_from_ensemble, i.e. R_i, C_B^i, E_ij on the
BOTAN edges (r < 2.0), F_s at two wavenumbers per type and the 16-split noise ceiling; the
fastest of --repeats runs is printed. Target: under 5 s.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import glob  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.io import IsoconfigurationalEnsemble  # noqa: E402
from glassdyn.io.importers import read_botan  # noqa: E402
from glassdyn.labels import IsoconfigurationalLabels, labels_from_ensemble  # noqa: E402
from glassdyn.systems import get_mixture  # noqa: E402


def synthetic(rng, n=4096, n_replicas=32, n_times=10):
    side = 16
    box = np.full(3, (n / 1.2) ** (1 / 3))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3) * (box / side)
    x0 = (grid + rng.normal(0, 0.1, grid.shape)) % box
    types = np.zeros(n, dtype=np.int8)
    types[rng.permutation(n)[: n // 5]] = 1
    scale = np.geomspace(0.05, 1.0, n_times)[None, :, None, None]
    pos = x0[None, None] + scale * rng.normal(0, 0.6, (n_replicas, n_times, n, 3))
    return IsoconfigurationalEnsemble(initial_positions=x0, positions=pos, times=np.geomspace(0.1, 100, n_times),
                                      steps=np.arange(n_times), types=types, box=box, replica_seeds=np.arange(n_replicas))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder of BOTAN .npz files (uses the first)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.data:
        one = read_botan(sorted(glob.glob(f"{args.data}/*.npz"))[0], box=15.05658, times=[4120.0])
        ens = IsoconfigurationalEnsemble(
            initial_positions=one.initial_positions, positions=np.repeat(one.positions, 10, axis=1),
            times=np.geomspace(412, 4120, 10), steps=np.arange(10), types=one.types, box=one.box,
            replica_seeds=one.replica_seeds,
        )
        source = f"BOTAN file, T = 0.44 (one time repeated 10 x)"
    else:
        ens = synthetic(np.random.default_rng(0))
        source = "synthetic KA-like structure"
    sigma = get_mixture("kob_andersen_3d").sigma_matrix
    print(f"input: {source}; positions {ens.positions.shape} (N_R, n_t, N, d)")
    for name, fn in (
        ("R, C_B, E_ij only", lambda: IsoconfigurationalLabels(sigma).compute(ens.initial_positions, ens.positions, ens.types, ens.box)),
        ("full labels record (+ F_s, noise ceiling)", lambda: labels_from_ensemble(ens, sigma)),
    ):
        best = min(_timed(fn) for _ in range(args.repeats))
        print(f"{name:45s} {best:6.2f} s (best of {args.repeats}); target < 5 s")
    calc = IsoconfigurationalLabels(sigma).compute(ens.initial_positions, ens.positions, ens.types, ens.box)
    print(f"bonds per particle {calc.neighbour_count.mean():.2f}, edges {len(calc.edges)}")


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
