"""Equilibration of a supercooled liquid: melt, quench, and NVT at the target temperature.

BOTAN (JCP 158, 084503, Sec. III): T = 5.0 for t_h = 10^4, cooled to T in t_cool = 20,
then Nose-Hoover NVT for 40 tau_alpha. Independent structures either come from
independent runs (:func:`equilibrate_from_scratch` with different seeds) or from one long
run sampled every few tau_alpha (:func:`continue_equilibration` on the previous sample).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from glassdyn.io.data import Structure
from glassdyn.md._progress import Progress
from glassdyn.md.checkpoint import Checkpoint
from glassdyn.md.simulation import Simulation
from glassdyn.md.velocities import kinetic_temperature, maxwell_boltzmann_velocities
from glassdyn.systems.potentials import PairPotential

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EquilibrationProtocol:
    """Times in tau (LJ units), temperatures in epsilon_11 / k_B.

    temperature: target T
    timestep: MD time step
    equilibration_time: NVT time at T after the quench (BOTAN: 40 tau_alpha)
    melt_temperature, melt_time: high-T liquid that erases the random initial state
    quench_time: linear ramp of the thermostat from melt_temperature to temperature
    thermostat_damping: Nose-Hoover relaxation time
    """

    temperature: float
    timestep: float
    equilibration_time: float
    melt_temperature: float = 5.0
    melt_time: float = 100.0
    quench_time: float = 20.0
    thermostat_damping: float = 0.1

    def steps(self, time: float) -> int:
        return int(round(time / self.timestep))


def random_configuration(potential: PairPotential, n_particles: int, density: float, rng: np.random.Generator):
    """Uniformly random positions in the periodic box; returns (positions, types, box)."""
    m = potential.mixture
    length = m.box_length(n_particles, density)
    box = np.full(m.dimension, length)
    positions = rng.uniform(0.0, length, size=(n_particles, m.dimension))
    return positions, m.types(n_particles), box


def _nvt(sim: Simulation, t_start: float, t_stop: float, damping: float) -> None:
    sim.set_integrator(f"nvt temp {t_start:.17g} {t_stop:.17g} {damping:.17g}")


def _run_phases(sim: Simulation, phases, damping: float, checkpoint: Checkpoint | None, start=(0, 0)) -> None:
    """Run thermostatted phases ``(label, T_start, T_stop, steps)`` in order.

    Constant-T phases run in chunks (progress is logged and a checkpoint may be written after
    each); a ramp runs as one LAMMPS ``run`` so that the thermostat's linear ramp spans it.
    ``start = (phase, steps done)`` resumes from a checkpoint.
    """
    first_phase, first_done = start
    for index, (label, t_start, t_stop, steps) in enumerate(phases):
        if index < first_phase:
            continue
        done = first_done if index == first_phase else 0
        _nvt(sim, t_start, t_stop, damping)
        if t_start != t_stop:
            sim.run(steps)
            log.info("%s: %d steps", label, steps)
        else:
            progress = Progress(label, steps)
            chunk = max(1, min(-(-steps // 20), 50_000))
            setup = True
            while done < steps:
                n = min(chunk, steps - done)
                sim.run(n, setup=setup)
                setup = False
                done += n
                progress.update(done, f"T = {sim.thermo('temp'):.4f}, E_pot/N = {sim.thermo('pe'):.5f}")
                if checkpoint is not None and done < steps:
                    _save(sim, checkpoint, index, done)
        if checkpoint is not None and index + 1 < len(phases):
            _save(sim, checkpoint, index + 1, 0)


def _save(sim: Simulation, checkpoint: Checkpoint, phase: int, done: int) -> None:
    checkpoint.save(
        {"positions": sim.positions(unwrapped=True), "velocities": sim.velocities()},
        {"phase": phase, "done": done},
    )


def _resume(sim: Simulation, checkpoint: Checkpoint | None):
    """Restore positions and velocities from a matching checkpoint; returns (phase, done) or None."""
    state = checkpoint.load() if checkpoint is not None else None
    if state is None:
        return None
    arrays, progress = state
    sim.set_positions(arrays["positions"])
    sim.set_velocities(arrays["velocities"])
    return progress["phase"], progress["done"]


def _finish(sim: Simulation, potential: PairPotential, protocol: EquilibrationProtocol, metadata: dict) -> Structure:
    velocities = sim.velocities()
    positions = sim.wrapped_positions()
    meta = {
        "temperature": protocol.temperature,
        "mixture": potential.mixture.name,
        "potential": potential.form,
        "timestep": protocol.timestep,
        "thermostat": "nose-hoover",
        "thermostat_damping": protocol.thermostat_damping,
        "final_kinetic_temperature": kinetic_temperature(velocities, potential.mixture.mass_array[sim.types]),
        "final_potential_energy": sim.potential_energy(),
        **{f"protocol_{k}": v for k, v in asdict(protocol).items()},
        **metadata,
    }
    return Structure(positions=positions, types=sim.types.astype(np.int8), box=sim.box, velocities=velocities, metadata=meta)


def equilibrate_from_scratch(
    potential: PairPotential,
    n_particles: int,
    density: float,
    protocol: EquilibrationProtocol,
    rng: np.random.Generator,
    *,
    log_file=None,
    checkpoint: Checkpoint | None = None,
) -> Structure:
    """Random start -> overlap removal -> melt -> quench -> NVT at T; returns the final state.

    With a ``checkpoint``, a killed run resumes from the last save (the Nose-Hoover chain
    restarts from zero there; the metadata records ``resumed``).
    """
    positions, types, box = random_configuration(potential, n_particles, density, rng)
    masses = potential.mixture.mass_array[types]
    phases = [
        (f"melt at T = {protocol.melt_temperature}", protocol.melt_temperature, protocol.melt_temperature, protocol.steps(protocol.melt_time)),
        (f"quench to T = {protocol.temperature}", protocol.melt_temperature, protocol.temperature, protocol.steps(protocol.quench_time)),
        (f"NVT at T = {protocol.temperature}", protocol.temperature, protocol.temperature, protocol.steps(protocol.equilibration_time)),
    ]
    with Simulation(potential, box, types, positions, timestep=protocol.timestep, log_file=log_file) as sim:
        start = _resume(sim, checkpoint)
        if start is None:
            # Random positions overlap: a short capped minimisation removes the worst contacts
            # so that the first MD steps do not blow up.
            sim.commands("min_style sd", "min_modify dmax 0.1", "minimize 0 1e-2 2000 20000")
            sim.set_velocities(maxwell_boltzmann_velocities(masses, protocol.melt_temperature, potential.mixture.dimension, rng))
        sim.command("reset_timestep 0")
        _run_phases(sim, phases, protocol.thermostat_damping, checkpoint, start or (0, 0))
        return _finish(
            sim, potential, protocol, {"equilibration_mode": "independent", "source": "random", "resumed": start is not None}
        )


def continue_equilibration(
    potential: PairPotential,
    previous: Structure,
    protocol: EquilibrationProtocol,
    *,
    source: str = "",
    log_file=None,
    checkpoint: Checkpoint | None = None,
) -> Structure:
    """Continue NVT at T from ``previous`` (positions and velocities) for ``protocol.equilibration_time``.

    Sampling one long trajectory this way every few tau_alpha gives structures that are
    independent for the purposes of the benchmark. The Nose-Hoover chain restarts from zero.
    """
    phases = [(f"NVT at T = {protocol.temperature}", protocol.temperature, protocol.temperature, protocol.steps(protocol.equilibration_time))]
    with Simulation(
        potential, previous.box, previous.types, previous.positions, previous.velocities,
        timestep=protocol.timestep, log_file=log_file,
    ) as sim:
        start = _resume(sim, checkpoint)
        _run_phases(sim, phases, protocol.thermostat_damping, checkpoint, start or (0, 0))
        return _finish(sim, potential, protocol, {"equilibration_mode": "single_run", "source": source, "resumed": start is not None})
