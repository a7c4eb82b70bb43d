"""Mean potential energy per particle of equilibrated KA (3D), rho = 1.2, truncated-shifted LJ.

    python benchmarks/ka_potential_energy.py [--n-particles 1000] [--runs 2] [--production 200]

For each T: `--runs` independent melt -> quench -> NVT equilibrations (10 tau at T = 5, quench
in 10 tau, 50 tau at T), then NVT production sampling E_pot/N every 0.5 tau. The error is the
standard error over blocks of 20 tau pooled over runs (blocks much longer than tau_alpha ~ 1-3).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from glassdyn.md import EquilibrationProtocol, Simulation, equilibrate_from_scratch
from glassdyn.systems import PairPotential, get_mixture


def measure(pot, n, temperature, seed, production, dt=0.005, sample=0.5, block=20.0):
    protocol = EquilibrationProtocol(
        temperature=temperature, timestep=dt, equilibration_time=50.0, melt_time=10.0, quench_time=10.0, thermostat_damping=0.5
    )
    s = equilibrate_from_scratch(pot, n, 1.2, protocol, np.random.default_rng(seed))
    with Simulation(pot, s.box, s.types, s.positions, s.velocities, timestep=dt) as sim:
        sim.set_integrator(f"nvt temp {temperature} {temperature} 0.5")
        sim.run(0)
        energies = []
        for _ in range(int(production / sample)):
            sim.run(int(round(sample / dt)), setup=False)
            energies.append(sim.thermo("pe"))
    per_block = int(block / sample)
    e = np.asarray(energies)
    return e[: len(e) // per_block * per_block].reshape(-1, per_block).mean(axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-particles", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--production", type=float, default=200.0, help="production time per run (tau)")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.8])
    args = ap.parse_args()
    pot = PairPotential(get_mixture("kob_andersen_3d"), "truncated_shifted")
    print(f"KA 3D, truncated-shifted LJ (r_c = 2.5 sigma_ab), rho = 1.2, N = {args.n_particles}, dt = 0.005, NVT")
    for temperature in args.temperatures:
        start = time.perf_counter()
        blocks = np.concatenate([measure(pot, args.n_particles, temperature, seed, args.production) for seed in range(args.runs)])
        err = blocks.std(ddof=1) / np.sqrt(len(blocks))
        print(
            f"T = {temperature:4.2f}: <E_pot>/N = {blocks.mean():.4f} +- {err:.4f}"
            f"  ({len(blocks)} blocks of 20 tau from {args.runs} runs, {time.perf_counter() - start:.0f} s)"
        )


if __name__ == "__main__":
    main()
