"""Glue between the Snakemake workflow and the library: naming, seeds, logging, stage entry points.

Rule files and scripts stay thin: they call these functions with plain values, which the
tests call the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import zlib

from dataclasses import asdict
from pathlib import Path

import numpy as np

from glassdyn.config import time_grid
from glassdyn.io import load, provenance, save
from glassdyn.md.checkpoint import Checkpoint, fingerprint
from glassdyn.systems import PairPotential, get_mixture

log = logging.getLogger("glassdyn")

STRUCTURE_DIGITS = 5


# -- naming ----------------------------------------------------------------------------------
def format_temperature(temperature: float) -> str:
    """Temperature as it appears in paths: 0.44 -> '0.44', 0.5 -> '0.5'."""
    return f"{float(temperature):g}"


def format_structure(index: int) -> str:
    return f"{int(index):0{STRUCTURE_DIGITS}d}"


def state_point(system: dict, temperature: str | float) -> dict:
    """The state point of ``system`` whose formatted temperature is ``temperature``."""
    wanted = format_temperature(float(temperature))
    for sp in system["state_points"]:
        if format_temperature(sp["temperature"]) == wanted:
            return sp
    known = [format_temperature(sp["temperature"]) for sp in system["state_points"]]
    raise KeyError(f"no state point at T = {wanted}; configured: {known}")


def structures(config: dict):
    """Yield (system name, formatted temperature, formatted structure index) for every structure."""
    for name, system in config["systems"].items():
        for sp in system["state_points"]:
            for i in range(system["n_structures"]):
                yield name, format_temperature(sp["temperature"]), format_structure(i)


def potential(system: dict) -> PairPotential:
    return PairPotential(get_mixture(system["mixture"]), system.get("potential", "force_shifted"))


# -- seeds -----------------------------------------------------------------------------------
def derive_seed(base_seed: int, *keys) -> int:
    """A seed in [1, 2^31 - 1) that depends only on ``base_seed`` and ``keys``.

    Keys are strings or integers naming the job (stage, system, T, structure, replica), so
    every random stream is reproducible and independent of the order jobs run in.
    """
    spawn_key = tuple(k if isinstance(k, int) else zlib.crc32(str(k).encode()) for k in keys)
    state = np.random.SeedSequence(entropy=int(base_seed), spawn_key=spawn_key).generate_state(1)[0]
    return int(state % (2**31 - 2)) + 1


# -- logging ---------------------------------------------------------------------------------
@contextlib.contextmanager
def logged(log_file: str | Path | None):
    """Send glassdyn's log to ``log_file`` and record any exception (with LAMMPS' message) there."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    root.setLevel(logging.INFO)
    try:
        yield
    except BaseException:
        log.exception("stage failed")
        raise
    finally:
        for h in handlers:
            root.removeHandler(h)
            h.close()


# -- stages ---------------------------------------------------------------------------------
#: Seconds between checkpoints of long jobs (operational, not science: overridable per run).
CHECKPOINT_INTERVAL = float(os.environ.get("GLASSDYN_CHECKPOINT_INTERVAL", 600))


def _checkpoint(output, **identity) -> Checkpoint:
    return Checkpoint(f"{output}.checkpoint", identity, interval=CHECKPOINT_INTERVAL)


def _system_record(name: str, system: dict, base_seed: int) -> dict:
    return {"system_name": name, "seed": base_seed, "system": system}


def equilibrate_structure(
    *,
    name: str,
    system: dict,
    temperature: str,
    structure: str,
    base_seed: int,
    output,
    previous=None,
    lammps_log=None,
):
    """Stage ``equilibrate_structure``: write one equilibrated structure to ``output``.

    ``previous`` (single_run mode, structure > 0): continue that structure instead of starting
    from a random configuration.
    """
    from glassdyn.md.equilibrate import EquilibrationProtocol, continue_equilibration, equilibrate_from_scratch

    sp = state_point(system, temperature)
    eq = system["equilibration"]
    pot = potential(system)
    seed = derive_seed(base_seed, "equilibrate", name, temperature, int(structure))
    tau = sp["tau_alpha"]
    common = dict(
        temperature=sp["temperature"],
        timestep=system["timestep"],
        melt_temperature=eq["melt_temperature"],
        melt_time=eq["melt_time"],
        quench_time=eq["quench_time"],
        thermostat_damping=system["thermostat_damping"],
    )
    if previous is None:
        protocol = EquilibrationProtocol(equilibration_time=eq["duration_tau_alpha"] * tau, **common)
        checkpoint = _checkpoint(output, protocol=asdict(protocol), seed=seed, system=system)
        log.info("equilibrating %s T=%s structure %s from scratch (%s)", name, temperature, structure, protocol)
        result = equilibrate_from_scratch(
            pot, system["n_particles"], system["density"], protocol, np.random.default_rng(seed),
            log_file=lammps_log, checkpoint=checkpoint,
        )
    else:
        protocol = EquilibrationProtocol(equilibration_time=eq["sample_interval_tau_alpha"] * tau, **common)
        start = load(previous, "structure")
        checkpoint = _checkpoint(output, protocol=asdict(protocol), start=fingerprint(start.positions, start.velocities))
        log.info("continuing %s for %g tau to structure %s", previous, protocol.equilibration_time, structure)
        result = continue_equilibration(
            pot, start, protocol, source=str(previous), log_file=lammps_log, checkpoint=checkpoint
        )
    result.metadata.update(tau_alpha=tau, structure_index=int(structure), system_name=name)
    save(output, result, provenance(config=_system_record(name, system, base_seed), seeds={"equilibration": seed}, stage="equilibrate_structure"))
    checkpoint.remove()
    log.info("wrote %s (E_pot/N = %.5f)", output, result.metadata["final_potential_energy"])


def run_isoconfigurational(*, name: str, system: dict, temperature: str, structure_file, base_seed: int, output, lammps_log=None):
    """Stage ``run_isoconfigurational``: all replicas of one structure, written to ``output``."""
    from glassdyn.md.isoconfigurational import run_isoconfigurational as run

    sp = state_point(system, temperature)
    iso = system["isoconfigurational"]
    structure = load(structure_file, "structure")
    index = int(structure.metadata.get("structure_index", -1))
    seeds = [derive_seed(base_seed, "isoconfigurational", name, temperature, index, k) for k in range(iso["n_replicas"])]
    steps, _ = time_grid(sp, system["timestep"])
    log.info("%d replicas of %s, %d times up to t = %g", len(seeds), structure_file, len(steps), steps[-1] * system["timestep"])
    checkpoint = _checkpoint(
        output, seeds=seeds, steps=steps.tolist(), system=system, temperature=sp["temperature"],
        structure=fingerprint(structure.positions),
    )
    ensemble = run(
        potential(system),
        structure,
        temperature=sp["temperature"],
        steps=steps,
        timestep=system["timestep"],
        replica_seeds=seeds,
        ensemble=iso["ensemble"],
        thermostat_damping=system["thermostat_damping"],
        exact_temperature=iso["exact_temperature"],
        log_file=lammps_log,
        checkpoint=checkpoint,
    )
    ensemble.metadata.update(tau_alpha=sp["tau_alpha"], structure_index=index, system_name=name, structure_file=str(structure_file))
    save(output, ensemble, provenance(config=_system_record(name, system, base_seed), seeds={"replicas": seeds}, stage="run_isoconfigurational"))
    checkpoint.remove()
    log.info("wrote %s", output)


def quench_inherent_structure(*, name: str, system: dict, structure_file, base_seed: int, output, lammps_log=None):
    """Stage ``quench_inherent_structure``: minimise one structure, written to ``output``."""
    from glassdyn.md.inherent import quench_to_inherent_structure

    opts = system["inherent_structure"]
    structure = load(structure_file, "structure")
    result = quench_to_inherent_structure(
        potential(system),
        structure,
        min_style=opts["min_style"],
        force_tolerance=opts["force_tolerance"],
        max_iterations=opts["max_iterations"],
        step_size=opts["step_size"],
        log_file=lammps_log,
    )
    result.metadata.update(
        temperature=structure.metadata.get("temperature"),
        structure_index=structure.metadata.get("structure_index"),
        system_name=name,
        structure_file=str(structure_file),
    )
    save(output, result, provenance(config=_system_record(name, system, base_seed), stage="quench_inherent_structure"))
    log.info("wrote %s", output)
