"""Isoconfigurational ensemble: N_R trajectories from one structure with fresh Maxwell velocities.

Widmer-Cooper & Harrowell; BOTAN Sec. III; roadmap SI Sec. I.C. All replicas of one
structure run in one job. Each replica gets a fresh LAMMPS instance (milliseconds against
minutes of MD), so replica k depends only on the structure and its seed: it can be re-run
alone, and a job resumed from a checkpoint gives the same numbers as one that never stopped.
Positions are read between run segments that end on the time grid, without LAMMPS' set-up
between segments, so the cost is that of the bare MD steps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from glassdyn.io.data import IsoconfigurationalEnsemble, Structure
from glassdyn.md._progress import Progress
from glassdyn.md.checkpoint import Checkpoint
from glassdyn.md.simulation import Simulation
from glassdyn.md.velocities import maxwell_boltzmann_velocities
from glassdyn.systems.potentials import PairPotential

log = logging.getLogger(__name__)

ENSEMBLES = ("nve", "nvt")


def run_isoconfigurational(
    potential: PairPotential,
    structure: Structure,
    *,
    temperature: float,
    steps: Sequence[int],
    timestep: float,
    replica_seeds: Sequence[int],
    ensemble: str = "nve",
    thermostat_damping: float | None = None,
    exact_temperature: bool = True,
    log_file=None,
    checkpoint: Checkpoint | None = None,
) -> IsoconfigurationalEnsemble:
    """Run ``len(replica_seeds)`` replicas of ``structure`` and record positions on a time grid.

    Parameters
    ----------
    steps:
        Strictly increasing MD step counts (> 0) at which positions are stored; time t = step * timestep.
    replica_seeds:
        One seed per replica; replica k draws its velocities from ``np.random.default_rng(seed_k)``.
    ensemble:
        ``"nve"`` (BOTAN, roadmap) or ``"nvt"`` (Nose-Hoover at ``temperature``).
    exact_temperature:
        Rescale each replica's velocities to exactly ``temperature`` (as LAMMPS ``velocity create``).
    checkpoint:
        Finished replicas are saved there and skipped when the job is restarted.

    Returns
    -------
    IsoconfigurationalEnsemble with unwrapped positions of shape (N_R, n_times, N, d), continuous
    from the structure's (wrapped) positions.
    """
    steps = np.asarray(steps, dtype=np.int64)
    if steps.ndim != 1 or len(steps) == 0 or steps[0] <= 0 or np.any(np.diff(steps) <= 0):
        raise ValueError(f"steps must be a non-empty, strictly increasing list of positive integers, got {steps}")
    if ensemble not in ENSEMBLES:
        raise ValueError(f"ensemble must be one of {ENSEMBLES}, got {ensemble!r}")
    if ensemble == "nvt" and not thermostat_damping:
        raise ValueError("ensemble 'nvt' needs thermostat_damping")
    n_rep, n_t = len(replica_seeds), len(steps)
    n, d = structure.positions.shape
    masses = potential.mixture.mass_array[structure.types]
    positions = np.empty((n_rep, n_t, n, d))
    # Per replica and time: potential and kinetic energy per particle (t = 0 in column 0).
    potential_energy = np.empty((n_rep, n_t + 1))
    kinetic_temperature = np.empty((n_rep, n_t + 1))
    integrator = "nve" if ensemble == "nve" else f"nvt temp {temperature:.17g} {temperature:.17g} {thermostat_damping:.17g}"
    progress = Progress(f"isoconfigurational replicas at T = {temperature}", n_rep * int(steps[-1]))

    first = 0
    state = checkpoint.load() if checkpoint is not None else None
    if state is not None:
        arrays, saved = state
        first = int(saved["replicas_done"])
        positions[:first] = arrays["positions"][:first]
        potential_energy[:first] = arrays["potential_energy"][:first]
        kinetic_temperature[:first] = arrays["kinetic_temperature"][:first]

    for k in range(first, n_rep):
        rng = np.random.default_rng(int(replica_seeds[k]))
        velocities = maxwell_boltzmann_velocities(masses, temperature, d, rng, exact_temperature=exact_temperature)
        with Simulation(
            potential, structure.box, structure.types, structure.positions, velocities,
            timestep=timestep, log_file=log_file, log_append=k > 0,
        ) as sim:
            sim.set_integrator(integrator)
            sim.run(0)  # LAMMPS set-up once; the segments below skip it
            potential_energy[k, 0], kinetic_temperature[k, 0] = sim.thermo("pe"), sim.thermo("temp")
            done = 0
            for j, target in enumerate(steps):
                sim.run(int(target) - done, setup=False)
                done = int(target)
                positions[k, j] = sim.positions(unwrapped=True)
                potential_energy[k, j + 1], kinetic_temperature[k, j + 1] = sim.thermo("pe"), sim.thermo("temp")
        progress.update((k + 1) * int(steps[-1]), f"replica {k + 1}/{n_rep}")
        if checkpoint is not None and k + 1 < n_rep:
            checkpoint.save(
                {"positions": positions[: k + 1], "potential_energy": potential_energy[: k + 1],
                 "kinetic_temperature": kinetic_temperature[: k + 1]},
                {"replicas_done": k + 1},
            )

    return IsoconfigurationalEnsemble(
        initial_positions=np.asarray(structure.positions, dtype=float),
        positions=positions,
        times=steps * timestep,
        steps=steps,
        types=structure.types,
        box=structure.box,
        replica_seeds=np.asarray(replica_seeds, dtype=np.int64),
        potential_energy=potential_energy,
        kinetic_temperature=kinetic_temperature,
        metadata={
            "temperature": float(temperature),
            "timestep": float(timestep),
            "ensemble": ensemble,
            "thermostat": "nose-hoover" if ensemble == "nvt" else "none",
            "thermostat_damping": float(thermostat_damping or 0.0),
            "exact_temperature": bool(exact_temperature),
            "mixture": potential.mixture.name,
            "potential": potential.form,
            "n_replicas": n_rep,
            "replicas_from_checkpoint": first,
        },
    )
