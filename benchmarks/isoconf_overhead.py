"""Cost of the isoconfigurational stage against a bare LAMMPS run of the same MD steps.

    python benchmarks/isoconf_overhead.py [--n-particles 4096] [--replicas 3]

Both sides run the same system (KA, force-shifted LJ, rho = 1.2, T = 0.64, dt = 1e-3, NVE)
from the same structure on one core. The bare side is one LAMMPS `run` of
n_replicas x last_step steps; the stage side is glassdyn's run_isoconfigurational (fresh
velocities per replica, positions gathered on BOTAN's T = 0.64 time grid). Each side is
timed `--repeats` times and the fastest is kept. Target: ratio <= 1.10 (goal 1.03).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassdyn.md import EquilibrationProtocol, Simulation, equilibrate_from_scratch, run_isoconfigurational
from glassdyn.md.velocities import maxwell_boltzmann_velocities
from glassdyn.systems import PairPotential, get_mixture


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-particles", type=int, default=4096)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--times", type=float, nargs="+", default=[0.1, 0.165, 0.52, 1.65, 5.2], help="time grid (tau)")
    args = ap.parse_args()

    temperature, dt = 0.64, 1e-3
    pot = PairPotential(get_mixture("kob_andersen_3d"), "force_shifted")
    protocol = EquilibrationProtocol(temperature=temperature, timestep=0.002, equilibration_time=5.0, melt_time=2.0, quench_time=2.0)
    structure = equilibrate_from_scratch(pot, args.n_particles, 1.2, protocol, np.random.default_rng(0))
    steps = np.rint(np.asarray(args.times) / dt).astype(int)
    total = args.replicas * int(steps[-1])
    seeds = list(range(1, args.replicas + 1))

    def bare():
        with Simulation(pot, structure.box, structure.types, structure.positions, timestep=dt) as sim:
            v = maxwell_boltzmann_velocities(np.ones(args.n_particles), temperature, 3, np.random.default_rng(1))
            sim.set_velocities(v)
            sim.set_integrator("nve")
            start = time.perf_counter()
            sim.run(total)
            return time.perf_counter() - start

    def stage():
        start = time.perf_counter()
        run_isoconfigurational(pot, structure, temperature=temperature, steps=steps, timestep=dt, replica_seeds=seeds)
        return time.perf_counter() - start

    t_bare = min(bare() for _ in range(args.repeats))
    t_stage = min(stage() for _ in range(args.repeats))
    print(f"system: KA 3D, N = {args.n_particles}, T = {temperature}, dt = {dt}, NVE, 1 core")
    print(f"replicas: {args.replicas}, time grid {list(args.times)} -> {total} MD steps in all")
    print(f"bare LAMMPS run:                 {t_bare:8.2f} s  ({total / t_bare:8.1f} steps/s)")
    print(f"isoconfigurational stage:        {t_stage:8.2f} s  (includes LAMMPS set-up and output gathering)")
    print(f"overhead ratio stage / bare:     {t_stage / t_bare:8.3f}   (target <= 1.10, goal <= 1.03)")


if __name__ == "__main__":
    main()
