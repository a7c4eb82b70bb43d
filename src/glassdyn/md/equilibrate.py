"""Equilibration of a supercooled liquid: melt, quench, and NVT (or swap + MD) at the target T.

BOTAN (JCP 158, 084503, Sec. III): T = 5.0 for t_h = 10^4, cooled to T in t_cool = 20,
then Nose-Hoover NVT for 40 tau_alpha. Independent structures either come from
independent runs (:func:`equilibrate_from_scratch` with different seeds) or from one long
run sampled every few tau_alpha (:func:`continue_equilibration` on the previous sample).

GlassMLP PRL (SM I A), KA2D: after the quench, swap + MD until stationary, then structures
every 5 tau_alpha^SWAP (:func:`equilibrate_with_swap_from_scratch`,
:func:`continue_with_swap`; the protocol is in :mod:`glassdyn.md.swap_equilibration`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from glassdyn.io.data import Structure
from glassdyn.md._progress import Progress
from glassdyn.md.checkpoint import Checkpoint
from glassdyn.md.simulation import Simulation
from glassdyn.md.swap import SwapMonteCarlo
from glassdyn.md.swap_equilibration import SwapProtocol, equilibrate_with_swap, run_swap
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


def _melt_and_quench(sim: Simulation, potential: PairPotential, protocol: EquilibrationProtocol, rng, phases,
                     checkpoint: Checkpoint | None) -> bool:
    """Overlap removal, then ``phases``; returns whether it resumed from ``checkpoint``."""
    start = _resume(sim, checkpoint)
    if start is None:
        # Random positions overlap: a short capped minimisation removes the worst contacts
        # so that the first MD steps do not blow up.
        sim.commands("min_style sd", "min_modify dmax 0.1", "minimize 0 1e-2 2000 20000")
        masses = potential.mixture.mass_array[sim.types]
        sim.set_velocities(maxwell_boltzmann_velocities(masses, protocol.melt_temperature, potential.mixture.dimension, rng))
    sim.command("reset_timestep 0")
    _run_phases(sim, phases, protocol.thermostat_damping, checkpoint, start or (0, 0))
    return start is not None


def _melt_quench_phases(protocol: EquilibrationProtocol) -> list:
    return [
        (f"melt at T = {protocol.melt_temperature}", protocol.melt_temperature, protocol.melt_temperature, protocol.steps(protocol.melt_time)),
        (f"quench to T = {protocol.temperature}", protocol.melt_temperature, protocol.temperature, protocol.steps(protocol.quench_time)),
    ]


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
    phases = _melt_quench_phases(protocol) + [
        (f"NVT at T = {protocol.temperature}", protocol.temperature, protocol.temperature, protocol.steps(protocol.equilibration_time)),
    ]
    with Simulation(potential, box, types, positions, timestep=protocol.timestep, log_file=log_file) as sim:
        resumed = _melt_and_quench(sim, potential, protocol, rng, phases, checkpoint)
        return _finish(sim, potential, protocol, {"equilibration_mode": "independent", "source": "random", "resumed": resumed})


def equilibrate_with_swap_from_scratch(
    potential: PairPotential,
    n_particles: int,
    density: float,
    protocol: EquilibrationProtocol,
    swap_protocol: SwapProtocol,
    rng: np.random.Generator,
    *,
    seed: int,
    log_file=None,
    checkpoint: Checkpoint | None = None,
    swap_checkpoint: Checkpoint | None = None,
) -> Structure:
    """Random start -> overlap removal -> melt -> quench (MD) -> swap + MD until stationary.

    ``protocol.equilibration_time`` is not used: the stationarity of phi_s decides how long
    swap + MD runs (:func:`~glassdyn.md.swap_equilibration.equilibrate_with_swap`). The
    structure's metadata holds tau_alpha^SWAP, the stationarity windows, the last phi_s and
    the swap statistics. ``checkpoint`` covers melt and quench, ``swap_checkpoint`` the swap
    part; a run killed in the swap part resumes there.
    """
    positions, types, box = random_configuration(potential, n_particles, density, rng)
    with Simulation(potential, box, types, positions, timestep=swap_protocol.timestep, log_file=log_file,
                    uniform_neighbour_cutoff=True) as sim:
        in_swap = swap_checkpoint is not None and swap_checkpoint.matches()
        resumed = in_swap or _melt_and_quench(sim, potential, protocol, rng, _melt_quench_phases(protocol), checkpoint)
        swap = SwapMonteCarlo(potential, swap_protocol.temperature, swap_protocol.n_swap, seed)
        result = equilibrate_with_swap(sim, swap, swap_protocol, seed=seed, checkpoint=swap_checkpoint)
        meta = {"equilibration_mode": "swap", "source": "random", "resumed": resumed,
                **_swap_metadata(swap_protocol), **result.metadata(), **swap.statistics()}
        return _finish(sim, potential, protocol, meta)


def _swap_metadata(swap_protocol: SwapProtocol) -> dict:
    return {f"swap_protocol_{k}": v for k, v in asdict(swap_protocol).items()}


def continue_with_swap(
    potential: PairPotential,
    previous: Structure,
    protocol: EquilibrationProtocol,
    swap_protocol: SwapProtocol,
    duration: float,
    *,
    seed: int,
    source: str = "",
    log_file=None,
    checkpoint: Checkpoint | None = None,
) -> Structure:
    """Swap + MD from ``previous`` (positions, velocities, types) for ``duration`` (tau).

    With duration = 5 tau_alpha^SWAP this is the PRL's sampling of independent structures.
    tau_alpha^SWAP and its per-type values are carried over from ``previous``; the swap
    statistics are this segment's.
    """
    with Simulation(
        potential, previous.box, previous.types, previous.positions, previous.velocities,
        timestep=swap_protocol.timestep, log_file=log_file, uniform_neighbour_cutoff=True,
    ) as sim:
        resumed = checkpoint is not None and checkpoint.matches()
        swap = SwapMonteCarlo(potential, swap_protocol.temperature, swap_protocol.n_swap, seed)
        run_swap(sim, swap, swap_protocol, duration, seed=seed, checkpoint=checkpoint,
                 label=f"swap + MD for {duration:g} tau")
        inherited = {k: previous.metadata[k] for k in ("tau_alpha_swap", "tau_alpha_swap_per_type") if k in previous.metadata}
        meta = {"equilibration_mode": "swap", "source": source, "resumed": resumed, "swap_sampling_time": float(duration),
                **_swap_metadata(swap_protocol), **inherited, **swap.statistics()}
        return _finish(sim, potential, protocol, meta)


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
