"""Cost of the heterogeneity stage for the large KA2D systems of GlassMLP (N = 82560), per structure.

    python benchmarks/heterogeneity_speed.py [--n-particles 82560] [--times 10] [--structures 3]

One structure of the PRL's large systems: positions uniform in the square box at the KA2D
density (1290 / 32.896^2, L = 8 x 32.896), the N_1 = 600/1290 N type-1 particles analysed
(what the stage selects), a random label field at ``--times`` times. Timed, per structure:
``DynamicHeterogeneity.compute`` with the stage's defaults (S_4 over every wave vector with
|q| <= 2.0 in 50 bins, G_4 to r = 10 in 50 bins, the chord lengths on a unit lattice), split
into its parts; then ``result()`` (the fits and the jackknife over the structures). Peak
memory: the process's maximum resident set. Prints the figures; no targets are asserted.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.analysis import heterogeneity as het  # noqa: E402
from glassdyn.analysis.heterogeneity import DynamicHeterogeneity  # noqa: E402


def _timed(store, key, function):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        out = function(*args, **kwargs)
        store[key] = store.get(key, 0.0) + time.perf_counter() - t
        return out

    return wrapper


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-particles", type=int, default=82560)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--structures", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    density = 1290 / 32.896**2
    length = np.sqrt(args.n_particles / density)
    n1 = round(args.n_particles * 600 / 1290)
    parts = {}
    het._binned_power = _timed(parts, "S_4", het._binned_power)
    DynamicHeterogeneity._pair_sums = _timed(parts, "G_4", DynamicHeterogeneity._pair_sums)
    het.average_chord_length = _timed(parts, "chords", het.average_chord_length)
    analysis = DynamicHeterogeneity()
    print(f"N = {args.n_particles} (N_1 = {n1}), L = {length:.2f}, {args.times} times, {args.structures} structures")
    print("machine load (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores")
    per_structure = []
    for _ in range(args.structures):
        x = rng.uniform(0, length, (n1, 2))
        values = rng.uniform(0, 1, (args.times, n1))
        t = time.perf_counter()
        analysis.compute(x, values, [length, length])
        per_structure.append(time.perf_counter() - t)
    t = time.perf_counter()
    analysis.result()
    fits = time.perf_counter() - t
    each = {k: v / args.structures for k, v in parts.items()}
    print(f"compute per structure: {np.mean(per_structure):.2f} s ("
          + ", ".join(f"{k} {v:.2f} s" for k, v in each.items()) + ")")
    print(f"result() over {args.structures} structures (OZ + cubic fits, jackknife): {fits:.2f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
