"""Measure the constants of the job cost model (glassdyn.workflow.resources.COSTS) on this machine.

    python benchmarks/cost_model.py [--threads 1 2] [--n 4096]

A KA 3D configuration of --n particles (a lattice melted at T = 1 for 2000 steps, then timed)
runs each kernel that a rule's run time is made of, and the measured cost per unit is printed
beside the value in COSTS (what the rules request is SAFETY x the prediction):

- LAMMPS velocity Verlet per atom-step, at each --threads (OpenMP), and the OpenMP exponent
  (speed-up = threads ** exponent);
- one FIRE iteration of the quench, per atom;
- one cage-state Monte Carlo move;
- labels (R, C_B, edges, F_s, noise ceiling) per particle, replica and time;
- the glassmlp-prl descriptors per particle;
- training per particle and epoch: GlassMLP (one network) and BOTAN (7 cycles, hidden 64).

SE(3) is taken from benchmarks/se3_speed.py (75 s per N = 4096 structure per epoch on one core).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np


def lattice_melt(n, threads):
    from glassdyn.io.data import Structure
    from glassdyn.md.simulation import Simulation
    from glassdyn.md.velocities import maxwell_boltzmann_velocities
    from glassdyn.systems import PairPotential, get_mixture

    mixture = get_mixture("kob_andersen_3d")
    potential = PairPotential(mixture, "truncated_shifted")
    box = np.full(3, (n / 1.2) ** (1 / 3))
    side = math.ceil(n ** (1 / 3))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3)[:n] * (box / side)
    types = mixture.types(n)
    rng = np.random.default_rng(0)
    velocities = maxwell_boltzmann_velocities(mixture.mass_array[types], 1.0, 3, rng)
    with Simulation(potential, box, types, grid, velocities, timestep=0.002, threads=threads) as sim:
        sim.set_integrator(f"nvt temp 1.0 1.0 0.2")
        sim.run(2000)
        x = sim.positions(unwrapped=False)
        v = sim.velocities() if hasattr(sim, "velocities") else velocities
    return potential, Structure(positions=x, velocities=v, types=types, box=box, metadata={})


def md_seconds_per_atom_step(potential, structure, threads, steps=1000):
    from glassdyn.md.simulation import Simulation

    with Simulation(potential, structure.box, structure.types, structure.positions, structure.velocities,
                    timestep=0.002, threads=threads) as sim:
        sim.set_integrator("nve")
        sim.run(100)
        t0 = time.perf_counter()
        sim.run(steps, setup=False)
        return (time.perf_counter() - t0) / (steps * len(structure.types))


def main():
    from glassdyn.workflow.resources import COSTS, OMP_EXPONENT

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--n", type=int, default=4096)
    args = ap.parse_args()
    n = args.n
    import os

    print(f"N = {n}, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows = []
    potential, structure = lattice_melt(n, 1)
    md = {t: md_seconds_per_atom_step(potential, structure, t) for t in args.threads}
    rows.append(("md_atom_step", md[args.threads[0]], COSTS["md_atom_step"]))
    for t, s in md.items():
        print(f"  LAMMPS {t} thread(s): {1 / s:.3g} atom-steps/s")
    if len(md) > 1:
        t1, tn = args.threads[0], args.threads[-1]
        exponent = math.log(md[t1] / md[tn]) / math.log(tn / t1)
        print(f"  OpenMP exponent {exponent:.2f} (model: {OMP_EXPONENT})")

    from glassdyn.md.inherent import QuenchError, quench_to_inherent_structure

    iterations = 1000
    t0 = time.perf_counter()
    try:  # an unreachable tolerance: exactly `iterations` FIRE steps
        quench_to_inherent_structure(potential, structure, min_style="fire", force_tolerance=1e-14, max_iterations=iterations)
    except QuenchError:
        pass
    rows.append(("minimisation_atom_iteration", (time.perf_counter() - t0) / (iterations * n), COSTS["minimisation_atom_iteration"]))

    from glassdyn.descriptors.cage import CageStateMonteCarlo

    small = structure.positions[:200] % structure.box, structure.types[:200], structure.box
    CageStateMonteCarlo(potential, 0.44, n_equilibration_sweeps=2, n_sampling_sweeps=2).compute(*small)  # compile
    sweeps = 20
    t0 = time.perf_counter()
    CageStateMonteCarlo(potential, 0.44, n_equilibration_sweeps=sweeps, n_sampling_sweeps=sweeps).compute(
        structure.positions, structure.types, structure.box)
    rows.append(("cage_move", (time.perf_counter() - t0) / (2 * sweeps * n), COSTS["cage_move"]))

    from glassdyn.io.data import IsoconfigurationalEnsemble
    from glassdyn.labels import labels_from_ensemble

    rng = np.random.default_rng(1)
    n_rep, n_t = 8, 4
    pos = structure.positions[None, None] + np.geomspace(0.05, 1, n_t)[None, :, None, None] * rng.normal(0, 0.5, (n_rep, n_t, n, 3))
    ens = IsoconfigurationalEnsemble(initial_positions=structure.positions, positions=pos, times=np.geomspace(0.1, 100, n_t),
                                     steps=np.arange(1, n_t + 1), types=structure.types, box=structure.box,
                                     replica_seeds=np.arange(n_rep))
    sigma = potential.mixture.sigma_matrix
    labels_from_ensemble(ens, sigma)
    t0 = time.perf_counter()
    labels = labels_from_ensemble(ens, sigma)
    rows.append(("label_particle_replica_time", (time.perf_counter() - t0) / (n * n_rep * n_t), COSTS["label_particle_replica_time"]))

    from glassdyn.descriptors.sets import compute_descriptor_set

    inherent = quench_to_inherent_structure(potential, structure, min_style="fire", force_tolerance=1e-6)
    compute_descriptor_set("glassmlp-prl", {"inherent_structure": inherent, "structure": structure}, potential.mixture)
    t0 = time.perf_counter()
    desc = compute_descriptor_set("glassmlp-prl", {"inherent_structure": inherent, "structure": structure}, potential.mixture)
    rows.append(("descriptor_particle", (time.perf_counter() - t0) / n, COSTS["descriptor_particle"]))

    import torch

    from glassdyn.models import Sample
    from glassdyn.models.data import make_sample
    from glassdyn.models.graphs import graph_from_labels
    from glassdyn.models.recipes import build_model

    torch.set_num_threads(1)
    samples = [make_sample(desc, labels, 0, time_index=n_t - 1)] * 4
    epochs = 20
    model = build_model("glassmlp", {"n_networks": 1, "phases": [{"epochs": epochs, "learning_rate": 1e-3}]})
    t0 = time.perf_counter()
    model.fit(samples)
    n_a = sum(s.features.shape[0] for s in samples)
    rows.append(("train_particle_epoch[glassmlp]", (time.perf_counter() - t0) / (epochs * n_a),
                 COSTS["train_particle_epoch"]["glassmlp"]))

    graph = graph_from_labels(labels, n_t - 1)
    model = build_model("botan", {"epochs": 2, "pretraining": False, "device": "cpu"})
    t0 = time.perf_counter()
    model.fit([graph, graph])
    rows.append(("train_particle_epoch[botan]", (time.perf_counter() - t0) / (2 * 2 * n), COSTS["train_particle_epoch"]["botan"]))

    print(f"{'cost':34s} {'measured (s)':>13s} {'COSTS (s)':>11s}  ratio")
    for name, measured, model_value in rows:
        print(f"{name:34s} {measured:13.3g} {model_value:11.3g}  {measured / model_value:5.2f}")


if __name__ == "__main__":
    main()
