"""GlassMLP descriptors of one KA2D structure with N = 82560 (tGlassMLP PRB's largest system).

    python benchmarks/glassmlp_speed.py [--n 82560] [--set glassmlp-prl|tglassmlp-prb]

One core (NUMBA_NUM_THREADS and BLAS pinned to 1 before imports). Input: a KA2D-like
configuration at the papers' density (N / 32.896^2 * 1290 / 1290 = 1.192): a jittered
triangular lattice with the 600:330:360 composition shuffled, energies from the KA2D
polynomial potential. Timed separately: per-particle energies, the double-precision periodic
Voronoi tessellation (perimeters) and the coarse-graining over 16 (or 11) lengths x 4 groups
with the 20 sigma cutoff; all after one warm-up call on a small system so that numba's
compilation (cached on disk after the first run) is not counted. Prints seconds and the
peak resident memory. Targets (issue 5): 60 s (goal 10 s) and under 4 GiB.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.descriptors.energy import particle_energies  # noqa: E402
from glassdyn.descriptors.glassmlp import GLASSMLP_PRL_LENGTHS, TGLASSMLP_PRB_LENGTHS, GlassMLPDescriptors  # noqa: E402
from glassdyn.descriptors.voronoi import VoronoiCells  # noqa: E402
from glassdyn.systems import PairPotential, get_mixture  # noqa: E402

DENSITY = 1290 / 32.896**2


def configuration(n, rng):
    mixture = get_mixture("kob_andersen_2d_ternary")
    rows = int(round(np.sqrt(n * 2 / np.sqrt(3))))
    cols = int(np.ceil(n / rows))
    area = n / DENSITY
    lx = np.sqrt(area * cols / (rows * np.sqrt(3) / 2))
    box = np.array([lx, area / lx])
    i, j = np.meshgrid(np.arange(cols), np.arange(rows), indexing="ij")
    x = np.column_stack([(i + 0.5 * (j % 2)).ravel() * box[0] / cols, j.ravel() * box[1] / rows])[:n]
    x = (x + rng.normal(0, 0.08, x.shape)) % box
    types = rng.permutation(mixture.types(n))
    return mixture, x, types, box


def run(n, lengths, rng):
    mixture, x, types, box = configuration(n, rng)
    times = {}
    t = time.perf_counter()
    energies = particle_energies(PairPotential(mixture, "polynomial"), x, types, box)
    times["energies"] = time.perf_counter() - t
    t = time.perf_counter()
    sizes = VoronoiCells().compute(x, box).size
    times["voronoi"] = time.perf_counter() - t
    t = time.perf_counter()
    desc = GlassMLPDescriptors(lengths).compute(x, types, box, energies, sizes, n_types=3)
    times["coarse_graining"] = time.perf_counter() - t
    return desc, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=82560)
    parser.add_argument("--set", choices=["glassmlp-prl", "tglassmlp-prb"], default="glassmlp-prl")
    args = parser.parse_args()
    lengths = GLASSMLP_PRL_LENGTHS if args.set == "glassmlp-prl" else TGLASSMLP_PRB_LENGTHS
    rng = np.random.default_rng(0)
    run(1290, lengths, rng)  # warm-up: numba compilation / cache load
    desc, times = run(args.n, lengths, rng)
    total = sum(times.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"GlassMLP descriptors ({args.set}), KA2D N = {args.n}, one core: {desc.values.shape[1]} columns")
    for k, v in times.items():
        print(f"  {k:16s} {v:7.2f} s")
    print(f"  {'total':16s} {total:7.2f} s   (target 60 s, goal 10 s)")
    print(f"  peak memory      {peak:7.2f} GiB (target < 4 GiB)")


if __name__ == "__main__":
    main()
