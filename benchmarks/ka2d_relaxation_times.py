"""KA2D relaxation times: swap + MD against plain MD (GlassMLP PRL SM I, Fig. 1 of the SM).

    python benchmarks/ka2d_relaxation_times.py [--temperature 0.4] [--n-particles 1290]
                                               [--md-time 6000] [--seed 1]

1. Equilibrate with the PRL protocol (glassdyn.md.equilibrate.equilibrate_with_swap_from_scratch:
   melt at T = 2, quench, swap + MD with 2100 attempts per 10 steps scaled to N, dt = 0.01,
   until phi_s at q = (64 pi / L, 0) is stationary). Prints tau_alpha^SWAP and the windows.
2. From the equilibrated state, plain Nose-Hoover MD (no swaps) for ``--md-time``:
   - phi_s(t) at the same q, time-averaged over origins (the MD counterpart of tau_alpha^SWAP,
     the PRL's tau_alpha^ISF);
   - the bond-breaking function <C_B(t)> of type 1 (cutoffs 1.4 / 1.8 sigma_ab), averaged over
     particles and over time origins spaced by t_max / 10: tau_alpha^BB, <C_B> = 0.5 (PRL main
     text: 1.7e3 at T = 0.4 from the isoconfigurational average, which has the same mean).
Prints the times, their ratios, and the wall time of each part. Nothing is cached.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from glassdyn.analysis import crossing_time, time_averaged_self_scattering  # noqa: E402
from glassdyn.labels.isoconfigurational import IsoconfigurationalLabels  # noqa: E402
from glassdyn.md import Simulation  # noqa: E402
from glassdyn.md.equilibrate import EquilibrationProtocol, equilibrate_with_swap_from_scratch  # noqa: E402
from glassdyn.md.swap_equilibration import SwapProtocol  # noqa: E402
from glassdyn.systems import PairPotential, get_mixture  # noqa: E402

DENSITY = 1290 / 32.896**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--temperature", type=float, default=0.4)
    parser.add_argument("--n-particles", type=int, default=1290)
    parser.add_argument("--md-time", type=float, default=6000.0, help="plain MD after equilibration (tau)")
    parser.add_argument("--frames", type=int, default=600, help="MD snapshots (linear in time)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    T, n = args.temperature, args.n_particles

    pot = PairPotential(get_mixture("kob_andersen_2d_ternary"), "polynomial")
    eq = EquilibrationProtocol(temperature=T, timestep=0.01, equilibration_time=0.0, melt_temperature=2.0,
                               melt_time=100.0, quench_time=20.0, thermostat_damping=1.0)
    swap = SwapProtocol(temperature=T, n_swap=round(2100 * n / 1290))
    start = time.perf_counter()
    structure = equilibrate_with_swap_from_scratch(pot, n, DENSITY, eq, swap, np.random.default_rng(args.seed),
                                                   seed=args.seed)
    swap_wall = time.perf_counter() - start
    meta = structure.metadata
    q = meta["swap_phi_s_wavevector"]

    # plain MD from the equilibrated state
    dt_frame = args.md_time / args.frames
    steps = max(1, int(round(dt_frame / 0.01)))
    frames = np.zeros((args.frames + 1, n, 2))
    start = time.perf_counter()
    with Simulation(pot, structure.box, structure.types, structure.positions, structure.velocities, timestep=0.01) as sim:
        sim.set_integrator(f"nvt temp {T} {T} 1.0")
        frames[0] = sim.positions(unwrapped=True)
        for k in range(1, args.frames + 1):
            sim.run(steps, setup=k == 1)
            frames[k] = sim.positions(unwrapped=True)
            if k % max(1, args.frames // 10) == 0:
                logging.info("MD %d/%d frames, E_pot/N = %.5f", k, args.frames, sim.thermo("pe"))
    md_wall = time.perf_counter() - start
    frame_time = steps * 0.01
    lag_times = frame_time * np.arange(args.frames // 2 + 1)

    phi = time_averaged_self_scattering(frames, structure.types, q, pot.mixture.n_types)
    tau_isf = [crossing_time(lag_times[1:], phi[1:, a], np.exp(-1)) for a in range(pot.mixture.n_types)]

    # <C_B(t)> of type 1 over 10 time origins in the first half of the run
    calc = IsoconfigurationalLabels(pot.mixture.sigma_matrix, 1.4, 1.8, 2.0)
    lags = np.unique(np.round(np.geomspace(1, args.frames // 2, 40)).astype(int))
    origins = np.linspace(0, args.frames // 2, 10).astype(int)
    cb = np.zeros(len(lags))
    for o in origins:
        result = calc.compute(frames[o], frames[o + lags][None], structure.types, structure.box, edges=False)
        cb += result.bond_breaking[:, structure.types == 0].mean(axis=1)
    cb /= len(origins)
    tau_bb = crossing_time(frame_time * lags, cb, 0.5)

    tau_swap = meta["tau_alpha_swap"]

    def shown(tau, longest):
        # a curve that never crosses within the run gives a lower bound
        return f"{tau:.4g}" if np.isfinite(tau) else f"> {longest:.4g}"

    print(f"\nKA2D N = {n}, T = {T}, q = {q[0]:.4f} (x), dt = 0.01, {swap.n_swap} attempts per 10 steps")
    print(f"swap + MD: stationary after {meta['swap_equilibration_time']:.4g} tau in {len(meta['swap_window_tau'])} windows "
          f"({swap_wall:.0f} s wall); window tau_swap: {np.array2string(meta['swap_window_tau'], precision=4)}")
    print(f"           swap acceptance {meta['swap_acceptance']:.4f} "
          f"(1-2 {meta['swap_accepts_12'] / max(meta['swap_attempts_12'], 1):.4f}, "
          f"1-3 {meta['swap_accepts_13'] / max(meta['swap_attempts_13'], 1):.4f}, "
          f"2-3 {meta['swap_accepts_23'] / max(meta['swap_attempts_23'], 1):.4f})")
    print(f"plain MD:  {args.md_time:g} tau ({md_wall:.0f} s wall)")
    print()
    print("| time scale | type 1 | per type | ")
    print("|---|---|---|")
    print(f"| tau_alpha^SWAP (phi_s = 1/e, swap + MD) | {tau_swap:.4g} | {np.array2string(meta['tau_alpha_swap_per_type'], precision=4)} |")
    print(f"| tau_alpha^ISF (phi_s = 1/e, MD) | {shown(tau_isf[0], lag_times[-1])} | "
          f"{np.array2string(np.array(tau_isf), precision=4)}; phi_s(t = {lag_times[-1]:g}) = {phi[-1, 0]:.3f} |")
    print(f"| tau_alpha^BB (<C_B> = 0.5, MD) | {shown(tau_bb, frame_time * lags[-1])} | |")
    isf = tau_isf[0] if np.isfinite(tau_isf[0]) else lag_times[-1]
    bb = tau_bb if np.isfinite(tau_bb) else frame_time * lags[-1]
    print(f"\nspeed-up of relaxation by swap: tau^ISF / tau^SWAP {'=' if np.isfinite(tau_isf[0]) else '>'} "
          f"{isf / tau_swap:.3g}, tau^BB / tau^SWAP {'=' if np.isfinite(tau_bb) else '>'} {bb / tau_swap:.3g}")
    print("<C_B(t)> of type 1:")
    for t, c in zip(frame_time * lags[::4], cb[::4]):
        print(f"  t = {t:9.4g}  C_B = {c:.4f}")


if __name__ == "__main__":
    main()
