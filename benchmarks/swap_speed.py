"""Swap Monte Carlo speed: our kernel against LAMMPS' fix atom/swap, and the cost of a paper cycle.

    python benchmarks/swap_speed.py [--n-particles 1290] [--temperature 0.3] [--cycles 200]
                                    [--repeats 3] [--lammps-phases 1]

System: KA2D (GlassMLP PRL SM I: ternary, polynomial smoothing, N = 1290, L = 32.896), dt =
0.01, Nose-Hoover NVT at T (damping 1.0), one core. The state is a jittered lattice melted at
T = 1 and then run for a few hundred swap + MD cycles at T: a liquid at T, not an equilibrated
one (the speeds hardly depend on that).

Timed in one process, on the same state:

1. swap attempts per second: our kernel (glassdyn.md.swap.SwapMonteCarlo, 2100 attempts per
   phase; alone, and with the transfers to and from LAMMPS) and LAMMPS' ``fix atom/swap``
   with the same protocol (three fixes for the type pairs 1-2, 1-3, 2-3, 700 attempts each
   every 10 steps). Its cost per attempt is the time of a 10-step run with the fixes minus
   that without them, over the attempts it made. Target: ratio >= 300 (goal >= 1000).
2. the paper cycle, 10 MD steps + 2100 swap attempts (SwapMonteCarlo.run), against 10 MD
   steps alone inside one long run of the production set-up. Target: ratio <= 2 (goal <= 1.3).
   Timed with both couplings to LAMMPS: in place (Simulation(uniform_neighbour_cutoff=True):
   new types and the kernel's exact force change written into LAMMPS, no set-up; what the
   workflow uses) and with a full LAMMPS set-up after each swap phase (set_types).

Every timing is repeated ``--repeats`` times, interleaved, and the fastest kept (the machine
may be shared).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.md import Simulation  # noqa: E402
from glassdyn.md.swap import SwapMonteCarlo  # noqa: E402
from glassdyn.md.velocities import maxwell_boltzmann_velocities  # noqa: E402
from glassdyn.systems import PairPotential, get_mixture  # noqa: E402

DENSITY = 1290 / 32.896**2  # GlassMLP PRL: N = 1290, L = 32.896
TIMESTEP = 0.01
DAMPING = 1.0
N_MD, N_SWAP = 10, 2100


def lattice(n, length, rng):
    side = int(np.ceil(np.sqrt(n)))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1).reshape(-1, 2)[:n]
    return grid * (length / side) + rng.normal(0.0, 0.05, (n, 2))


def prepare(pot, n, temperature, rng):
    """A KA2D liquid at ``temperature``: (positions, types, box, velocities)."""
    box = np.full(2, pot.mixture.box_length(n, DENSITY))
    types = rng.permutation(pot.mixture.types(n)).astype(np.int64)
    with Simulation(pot, box, types, lattice(n, box[0], rng), timestep=0.005) as sim:
        sim.set_velocities(maxwell_boltzmann_velocities(np.ones(n), 1.0, 2, rng))
        sim.set_integrator(f"nvt temp 1.0 1.0 {DAMPING}")
        sim.run(500)
        sim.command(f"timestep {TIMESTEP}")
        sim.set_integrator(f"nvt temp {temperature} {temperature} {DAMPING}")
        SwapMonteCarlo(pot, temperature, N_SWAP, seed=1).run(sim, 100, N_MD)
        return sim.positions(), sim.types.copy(), box, sim.velocities()


def fix_atom_swap_rate(pot, state, temperature, phases, seed=7):
    """(seconds per attempt, attempts, accepts per pair) of fix atom/swap, paper protocol."""
    x, types, box, v = state
    pairs = [(0, 1), (0, 2), (1, 2)]
    per_fix = N_SWAP // len(pairs)
    with Simulation(pot, box, types, x, v, timestep=TIMESTEP) as sim:
        sim.set_integrator(f"nvt temp {temperature} {temperature} {DAMPING}")
        sim.run(N_MD)
        start = time.perf_counter()
        for _ in range(phases):
            sim.run(N_MD)
        bare = (time.perf_counter() - start) / phases
        for k, (a, b) in enumerate(pairs):
            # the fix first acts on the step after the run starts, then every N_MD steps
            sim.command(f"fix swap{k} all atom/swap {N_MD} {per_fix} {seed + k} {temperature} ke no types {a + 1} {b + 1}")
        start = time.perf_counter()
        for _ in range(phases):
            sim.run(N_MD)
        with_fix = (time.perf_counter() - start) / phases
        counts = {}
        for k, (a, b) in enumerate(pairs):
            attempts = sim._lmp.extract_fix(f"swap{k}", 0, 1, 0)
            accepts = sim._lmp.extract_fix(f"swap{k}", 0, 1, 1)
            counts[f"{a + 1}{b + 1}"] = (int(attempts), int(accepts))
        total = sum(c[0] for c in counts.values())
        return (with_fix - bare) * phases / total, total, counts, bare


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-particles", type=int, default=1290)
    ap.add_argument("--temperature", type=float, default=0.3)
    ap.add_argument("--cycles", type=int, default=200, help="paper cycles per timing")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lammps-phases", type=int, default=1, help="swap phases (2100 attempts each) of fix atom/swap")
    args = ap.parse_args()

    pot = PairPotential(get_mixture("kob_andersen_2d_ternary"), "polynomial")
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    state = prepare(pot, args.n_particles, args.temperature, rng)
    prep_time = time.perf_counter() - t0
    x, types, box, v = state
    T = args.temperature

    # -- our kernel alone, on the state's positions (types evolve from phase to phase) ------
    mc = SwapMonteCarlo(pot, T, N_SWAP, seed=2)
    work = types.copy()
    mc.swap_types(x, work, box)  # numba compilation or cache load
    kernel = []
    for _ in range(args.repeats):
        mc.reset_statistics()
        for _ in range(args.cycles):
            mc.swap_types(x, work, box)
        kernel.append(mc.kernel_time / args.cycles)

    def time_coupling(in_place: bool):
        """(swap phase, 10 MD steps in a long run, cycle) in s, fastest of the repeats, and the cycles' MC.

        in_place: Simulation(uniform_neighbour_cutoff=True), types and force change written into
        LAMMPS, no set-up (what the workflow uses); otherwise set_types and a full set-up per cycle.
        """
        phase, md_long, md_cycle = [], [], []
        with Simulation(pot, box, types, x, v, timestep=TIMESTEP, uniform_neighbour_cutoff=in_place) as sim:
            sim.set_integrator(f"nvt temp {T} {T} {DAMPING}")
            cycles = SwapMonteCarlo(pot, T, N_SWAP, seed=3)
            cycles.run(sim, 5, N_MD)
            for _ in range(args.repeats):
                # swap phase on the LAMMPS state, transfers included (types go back to LAMMPS)
                start = time.perf_counter()
                for _ in range(args.cycles):
                    cycles.swap_phase(sim)
                phase.append((time.perf_counter() - start) / args.cycles)

                # plain MD, one long run (after a set-up for the last swaps)
                sim.run(N_MD, setup=True)
                start = time.perf_counter()
                sim.run(N_MD * args.cycles, setup=False)
                md_long.append((time.perf_counter() - start) / args.cycles)

                # the paper cycle: 10 MD steps + 2100 attempts
                start = time.perf_counter()
                cycles.run(sim, args.cycles, N_MD)
                md_cycle.append((time.perf_counter() - start) / args.cycles)
        return min(phase), min(md_long), min(md_cycle), cycles

    t_phase, _, t_cycle, cycles = time_coupling(in_place=True)
    t_phase_setup, t_md, t_cycle_setup, _ = time_coupling(in_place=False)  # plain MD: the production set-up
    stats = cycles.statistics()
    acceptance = cycles.acceptance

    lammps_per_attempt, lammps_attempts, lammps_counts, lammps_bare = fix_atom_swap_rate(pot, state, T, args.lammps_phases)

    t_kernel = min(kernel)
    ours = N_SWAP / t_kernel
    ours_with_transfers = N_SWAP / t_phase
    theirs = 1.0 / lammps_per_attempt
    print(f"system: KA2D polynomial, N = {args.n_particles}, L = {box[0]:.3f}, T = {T}, dt = {TIMESTEP}, "
          f"Nose-Hoover (damping {DAMPING}), one core; state prepared in {prep_time:.1f} s")
    print(f"protocol: {N_MD} MD steps + {N_SWAP} swap attempts per cycle; {args.cycles} cycles x {args.repeats} "
          "repeats per timing (fastest kept)")
    print("swap attempts per second:")
    print(f"  glassdyn kernel alone:               {ours:12.0f}  ({1e3 * t_kernel:.3f} ms per 2100)")
    print(f"  glassdyn phase incl. LAMMPS transfer:{ours_with_transfers:12.0f}  ({1e3 * t_phase:.3f} ms per 2100)")
    print(f"  LAMMPS fix atom/swap:                {theirs:12.1f}  ({lammps_attempts} attempts, "
          f"{1e3 * lammps_per_attempt:.2f} ms each)")
    print(f"  speed-up kernel / fix atom/swap:     {ours / theirs:12.0f}x  (target >= 300, goal >= 1000)")
    print(f"  speed-up phase  / fix atom/swap:     {ours_with_transfers / theirs:12.0f}x")
    print("paper cycle against plain MD:")
    print(f"  10 MD steps inside one long run:     {1e3 * t_md:8.2f} ms  ({N_MD / t_md:.0f} steps/s)")
    print(f"  10 MD steps as its own run (pre no): {1e3 * lammps_bare:8.2f} ms  (the fix atom/swap baseline, one sample)")
    print(f"  cycle (10 MD steps + 2100 attempts): {1e3 * t_cycle:8.2f} ms  (types and force change written into LAMMPS)")
    print(f"  cycle / 10 MD steps:                 {t_cycle / t_md:8.3f}   (target <= 2, goal <= 1.3)")
    print(f"    of which swap phase incl. transfers {1e3 * t_phase:.2f} ms, run restart "
          f"{1e3 * (t_cycle - t_md - t_phase):.2f} ms")
    print(f"  the same with a LAMMPS set-up per cycle (set_types): {1e3 * t_cycle_setup:.2f} ms, "
          f"{t_cycle_setup / t_md:.3f} x 10 MD steps (swap phase {1e3 * t_phase_setup:.2f} ms)")
    print(f"  with fix atom/swap the cycle costs    {(lammps_bare + N_SWAP * lammps_per_attempt) / t_md:8.0f}x")
    rates = {k: f"{acceptance[int(k[0]) - 1, int(k[1]) - 1]:.4f}" for k in ("12", "13", "23")}
    print(f"acceptance per type pair, ours over all timed cycles ({stats['swap_attempts']} attempts): {rates}")
    # fix atom/swap made one phase on the prepared state: compare with our first phase there
    first = []
    for seed in range(20):
        one = SwapMonteCarlo(pot, T, N_SWAP, seed=100 + seed)
        one.swap_types(x, types.copy(), box)
        first.append(one.acceptance)
    first = np.asarray(first)
    print("acceptance per type pair, ours on the prepared state (one phase, 20 seeds, mean +- sd): "
          + str({f"{a + 1}{b + 1}": f"{first[:, a, b].mean():.4f} +- {first[:, a, b].std():.4f}"
                 for a, b in ((0, 1), (0, 2), (1, 2))}))
    print("acceptance per type pair, fix atom/swap: "
          + str({k: f"{acc / att:.4f} ({acc}/{att})" if att else "n/a" for k, (att, acc) in lammps_counts.items()}))


if __name__ == "__main__":
    main()
