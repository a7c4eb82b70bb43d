"""Time of S_4(q, t) for the large KA2D systems of GlassMLP (N = 82560, 2D), 50 q bins, one core.

    python benchmarks/s4_speed.py [--n-particles 82560] [--q-max 2.0] [--repeats 3]

Positions: uniform in a square box at the KA2D density (1290 / 32.896^2, L = 8 x 32.896 for
N = 82560), values: random labels. Every wave vector allowed by the box with |q| <= q_max
enters (half space; W(-q) = W(q)*), radially averaged into 50 bins. Timed: one
FourPointStructureFactor.compute (one structure, one time). Target: under 10 s.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.analysis import FourPointStructureFactor  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-particles", type=int, default=82560)
    ap.add_argument("--q-max", type=float, nargs="+", default=[1.0, 2.0, 3.0])
    ap.add_argument("--bins", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    density = 1290 / 32.896**2
    length = np.sqrt(args.n_particles / density)
    x = rng.uniform(0, length, (args.n_particles, 2))
    values = rng.uniform(0, 1, args.n_particles)
    print(f"N = {args.n_particles}, L = {length:.3f}, {args.bins} bins")
    for q_max in args.q_max:
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            s4 = FourPointStructureFactor(q_max=q_max, n_bins=args.bins).compute(x, values, [length, length])
            times.append(time.perf_counter() - t)
        print(f"q_max = {q_max:4.1f}: {s4.counts.sum():6d} wave vectors, {min(times):6.2f} s (best of {args.repeats}); target < 10 s")


if __name__ == "__main__":
    main()
