"""Time of the CAGE features of one KA 3D structure (N = 4096, rho = 1.2) on one core.

    python benchmarks/cage_speed.py [--data ../shared/data/botan-ka3d-T0.44-tc07/train]
                                    [--equilibration-sweeps 1000] [--sampling-sweeps 10000]

Runs on one core (numba and BLAS threads pinned to 1 before anything loads). Input: the first
BOTAN file of --data (a real T = 0.44 liquid, box 15.05658) when it exists, otherwise a
jittered simple-cubic lattice at the same density. Timed separately:

1. the cage-state Monte Carlo (glassdyn.descriptors.cage.CageStateMonteCarlo at T = 0.44,
   default protocol unless the sweep counts are given): neighbour list, equilibration, sampling;
2. the CAGE feature vector (glassdyn.descriptors.boattini.CageFeatures with the KA 3D preset:
   three generations of 366 descriptors for the initial and for the cage state, plus
   Delta r_cage = 2197 columns). Target: under 60 s.

Numba compilation happens in a warm-up on a small system first and is reported on its own.
Peak memory is the process's maximum resident set size (resource.getrusage).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import glob  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.config import natural_key  # noqa: E402
from glassdyn.descriptors.boattini import BoattiniDescriptors, CageFeatures  # noqa: E402
from glassdyn.descriptors.cage import CageStateMonteCarlo  # noqa: E402
from glassdyn.io.importers import read_botan  # noqa: E402
from glassdyn.systems import PairPotential, get_mixture  # noqa: E402

BOTAN_BOX = 15.05658
TEMPERATURE = 0.44


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def structure(data, mixture):
    files = sorted(glob.glob(f"{data}/*.npz"), key=natural_key) if data else []
    if files:
        ens = read_botan(files[0], box=BOTAN_BOX, times=[4120.0])
        return ens.initial_positions, ens.types.astype(np.int64), ens.box, f"BOTAN {os.path.basename(files[0])} (T = 0.44)"
    rng = np.random.default_rng(0)
    n, side = 4096, 16
    box = np.full(3, mixture.box_length(n, 1.2))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3) * (box / side)
    return (grid + rng.normal(0, 0.05, grid.shape)) % box, rng.permutation(mixture.types(n)).astype(np.int64), box, \
        "jittered simple-cubic lattice (no BOTAN data found)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/botan-ka3d-T0.44-tc07/train")
    ap.add_argument("--equilibration-sweeps", type=int, default=None, help="default: the class default")
    ap.add_argument("--sampling-sweeps", type=int, default=None, help="default: the class default")
    args = ap.parse_args()

    mixture = get_mixture("kob_andersen_3d")
    potential = PairPotential(mixture, "force_shifted")
    x, types, box, source = structure(args.data, mixture)
    sweeps = {k: v for k, v in (("n_equilibration_sweeps", args.equilibration_sweeps),
                                ("n_sampling_sweeps", args.sampling_sweeps)) if v is not None}
    descriptors = BoattiniDescriptors.from_preset(mixture.name)

    t0 = time.perf_counter()
    small = x[:200] % box, types[:200], box
    CageStateMonteCarlo(potential, TEMPERATURE, n_equilibration_sweeps=2, n_sampling_sweeps=2).compute(*small)
    CageFeatures(descriptors).compute(small[0], small[0], small[1], box)
    compile_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    mc = CageStateMonteCarlo(potential, TEMPERATURE, seed=1, **sweeps).compute(x, types, box)
    mc_time = time.perf_counter() - t0
    mc_memory = peak_memory_mib()

    t0 = time.perf_counter()
    features = CageFeatures(descriptors).compute(x, mc.positions, types, box)
    feature_time = time.perf_counter() - t0

    n_sweeps = mc.n_equilibration_sweeps + mc.n_sampling_sweeps
    print(f"input: {source}; N = {len(x)}, box {box[0]:.5f}, one core")
    print(f"numba warm-up (compilation or cache load): {compile_time:.1f} s")
    print(f"cage-state MC, T = {TEMPERATURE}: {mc.n_equilibration_sweeps} + {mc.n_sampling_sweeps} sweeps in {mc_time:.1f} s "
          f"({1e3 * (mc.timings['equilibration'] + mc.timings['sampling']) / n_sweeps:.1f} ms/sweep; "
          f"neighbour list {mc.timings['neighbours']:.2f} s, {mc.n_neighbours:.0f} per particle, "
          f"{mc.n_refreshes} Verlet refreshes)")
    print(f"  acceptance {mc.acceptance:.3f}, max step {mc.max_step_:.4f}, mean Delta r_cage {mc.displacement.mean():.4f}, "
          f"median standard error {np.median(mc.standard_error):.4f}, max excursion {mc.max_excursion.max():.3f}")
    print(f"  peak memory after MC: {mc_memory:.0f} MiB")
    print(f"CAGE features {features.values.shape}: {feature_time:.1f} s (target < 60 s), "
          f"peak memory {peak_memory_mib():.0f} MiB")


if __name__ == "__main__":
    main()
