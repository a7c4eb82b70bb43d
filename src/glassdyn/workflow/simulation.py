"""Simulation stages: equilibrated structures, isoconfigurational replicas, inherent structures.

Each stage reads its :func:`~glassdyn.workflow.planning.stage_config` (``job.config``) and
its input files, and writes one HDF5 file; long runs checkpoint and resume.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from glassdyn.config import time_grid
from glassdyn.io import load, save
from glassdyn.systems import PairPotential, get_mixture
from glassdyn.workflow.runtime import Job, checkpoint, derive_seed, job_provenance, log


def potential(config: dict) -> PairPotential:
    """The pair potential of a stage config (``mixture`` and ``potential``)."""
    return PairPotential(get_mixture(config["mixture"]), config["potential"])


def _protocol(config: dict, equilibration_time: float):
    from glassdyn.md.equilibrate import EquilibrationProtocol

    eq = config["equilibration"]
    return EquilibrationProtocol(
        temperature=config["state_point"]["temperature"], timestep=config["timestep"],
        equilibration_time=equilibration_time, melt_temperature=eq["melt_temperature"],
        melt_time=eq["melt_time"], quench_time=eq["quench_time"],
        thermostat_damping=config["thermostat_damping"],
    )


def equilibrate_structure(job: Job) -> None:
    """Stage ``equilibrate_structure``: write one equilibrated structure.

    Input ``previous`` (single_run and swap modes, structure >= n_chains): continue that
    structure instead of starting from a random configuration.
    """
    config, output = job.config, job.output["structure"]
    temperature, structure = job.wildcards["temperature"], job.wildcards["structure"]
    seed = derive_seed(job.seed, "equilibrate", job.system_name, temperature, int(structure))
    previous = job.input.get("previous")
    from glassdyn.md.simulation import md_threads

    with md_threads(config.get("md_threads", 1)):
        if config["equilibration"]["mode"] == "swap":
            result, checkpoints = _equilibrate_with_swap(job, seed, previous)
        else:
            result, checkpoints = _equilibrate_with_md(job, seed, previous)
    result.metadata.update(tau_alpha=config["state_point"]["tau_alpha"], structure_index=int(structure),
                           system_name=job.system_name)
    save(output, result, job_provenance(job, seeds={"equilibration": seed}))
    for c in checkpoints:
        c.remove()
    swap = f", tau_alpha^SWAP = {result.metadata['tau_alpha_swap']:.4g}" if "tau_alpha_swap" in result.metadata else ""
    log.info("wrote %s (E_pot/N = %.5f%s)", output, result.metadata["final_potential_energy"], swap)


def _equilibrate_with_md(job: Job, seed: int, previous):
    from glassdyn.md.checkpoint import fingerprint
    from glassdyn.md.equilibrate import continue_equilibration, equilibrate_from_scratch

    config, output = job.config, job.output["structure"]
    eq, tau = config["equilibration"], config["state_point"]["tau_alpha"]
    lammps_log = job.log.get("lammps")
    if previous is None:
        protocol = _protocol(config, eq["duration_tau_alpha"] * tau)
        ckpt = checkpoint(output, protocol=asdict(protocol), seed=seed, system=config)
        log.info("equilibrating %s T=%s structure %s from scratch (%s)", job.system_name, job.wildcards["temperature"],
                 job.wildcards["structure"], protocol)
        result = equilibrate_from_scratch(potential(config), config["n_particles"], config["density"], protocol,
                                          np.random.default_rng(seed), log_file=lammps_log, checkpoint=ckpt)
    else:
        protocol = _protocol(config, eq["sample_interval_tau_alpha"] * tau)
        start = load(previous, "structure")
        ckpt = checkpoint(output, protocol=asdict(protocol), start=fingerprint(start.positions, start.velocities))
        log.info("continuing %s for %g tau to structure %s", previous, protocol.equilibration_time, job.wildcards["structure"])
        result = continue_equilibration(potential(config), start, protocol, source=str(previous), log_file=lammps_log,
                                        checkpoint=ckpt)
    return result, [ckpt]


def swap_protocol(config: dict):
    """The :class:`~glassdyn.md.swap_equilibration.SwapProtocol` of a swap-mode stage config."""
    from glassdyn.md.swap_equilibration import SwapProtocol

    options = config["equilibration"]["swap"]
    return SwapProtocol(
        temperature=config["state_point"]["temperature"], timestep=config["timestep"],
        thermostat_damping=config["thermostat_damping"], n_md=options["n_md"], n_swap=options["attempts_per_phase"],
        wavenumber=options["wavenumber"], frames_per_window=options["frames_per_window"],
        initial_window=options["initial_window"], window_tau=options["window_tau"], tolerance=options["tolerance"],
        max_windows=options["max_windows"],
    )


def _equilibrate_with_swap(job: Job, seed: int, previous):
    from glassdyn.md.checkpoint import fingerprint
    from glassdyn.md.equilibrate import continue_with_swap, equilibrate_with_swap_from_scratch

    config, output = job.config, job.output["structure"]
    lammps_log = job.log.get("lammps")
    protocol, swap = _protocol(config, 0.0), swap_protocol(config)
    if previous is None:
        identity = dict(protocol=asdict(protocol), swap=asdict(swap), seed=seed, system=config)
        ckpt, swap_ckpt = checkpoint(output, **identity), checkpoint(output, "swap-checkpoint", **identity)
        log.info("equilibrating %s T=%s structure %s with swap Monte Carlo (%s)", job.system_name,
                 job.wildcards["temperature"], job.wildcards["structure"], swap)
        result = equilibrate_with_swap_from_scratch(
            potential(config), config["n_particles"], config["density"], protocol, swap, np.random.default_rng(seed),
            seed=seed, log_file=lammps_log, checkpoint=ckpt, swap_checkpoint=swap_ckpt,
        )
        return result, [ckpt, swap_ckpt]
    start = load(previous, "structure")
    if "tau_alpha_swap" not in start.metadata:
        raise ValueError(f"{previous} was not equilibrated with swap Monte Carlo (no tau_alpha_swap in its metadata)")
    interval = config["equilibration"]["sample_interval_tau_alpha"]
    duration = interval * float(start.metadata["tau_alpha_swap"])
    ckpt = checkpoint(output, swap=asdict(swap), seed=seed, duration=duration,
                      start=fingerprint(start.positions, start.velocities, start.types))
    log.info("continuing %s with swap + MD for %g tau (%g tau_alpha^SWAP) to structure %s", previous, duration, interval,
             job.wildcards["structure"])
    result = continue_with_swap(potential(config), start, protocol, swap, duration, seed=seed, source=str(previous),
                                log_file=lammps_log, checkpoint=ckpt)
    return result, [ckpt]


def _replica_seeds(job: Job, structure) -> list[int]:
    index = int(structure.metadata.get("structure_index", -1))
    return [derive_seed(job.seed, "isoconfigurational", job.system_name, job.wildcards["temperature"], index, k)
            for k in range(job.config["isoconfigurational"]["n_replicas"])]


def _run_replicas(job: Job, output: str, replicas: range):
    """Replicas ``replicas`` of the job's structure, resumed from their checkpoint."""
    from glassdyn.md.checkpoint import fingerprint
    from glassdyn.md.isoconfigurational import run_isoconfigurational as run
    from glassdyn.md.simulation import md_threads

    config = job.config
    sp, iso = config["state_point"], config["isoconfigurational"]
    structure_file = job.input["structure"]
    structure = load(structure_file, "structure")
    seeds = _replica_seeds(job, structure)[replicas.start:replicas.stop]
    steps, _ = time_grid(sp, config["timestep"])
    log.info("replicas %d-%d of %s, %d times up to t = %g", replicas.start, replicas.stop - 1, structure_file,
             len(steps), steps[-1] * config["timestep"])
    ckpt = checkpoint(output, seeds=seeds, steps=steps.tolist(), system=config, temperature=sp["temperature"],
                      structure=fingerprint(structure.positions))
    with md_threads(config.get("md_threads", 1)):
        ensemble = run(
            potential(config), structure, temperature=sp["temperature"], steps=steps, timestep=config["timestep"],
            replica_seeds=seeds, ensemble=iso["ensemble"], thermostat_damping=config["thermostat_damping"],
            exact_temperature=iso["exact_temperature"], log_file=job.log.get("lammps"), checkpoint=ckpt,
        )
    ensemble.metadata.update(tau_alpha=sp["tau_alpha"], structure_index=int(structure.metadata.get("structure_index", -1)),
                             system_name=job.system_name, structure_file=str(structure_file))
    return ensemble, ckpt


def run_isoconfigurational(job: Job) -> None:
    """Stage ``run_isoconfigurational``: all replicas of one structure."""
    output = job.output["ensemble"]
    ensemble, ckpt = _run_replicas(job, output, range(job.config["isoconfigurational"]["n_replicas"]))
    save(output, ensemble, job_provenance(job, seeds={"replicas": ensemble.replica_seeds.tolist()}))
    ckpt.remove()
    log.info("wrote %s", output)


def run_replica_group(job: Job) -> None:
    """Stage ``run_replica_group``: replicas [first, last) of one structure (params ``replicas``)."""
    output = job.output["group"]
    first, last = job.params["replicas"]
    ensemble, ckpt = _run_replicas(job, output, range(first, last))
    ensemble.metadata["first_replica"] = int(first)
    save(output, ensemble, job_provenance(job, seeds={"replicas": ensemble.replica_seeds.tolist()}))
    ckpt.remove()
    log.info("wrote %s", output)


def merge_replicas(job: Job) -> None:
    """Stage ``merge_replicas``: the groups of one structure, joined into the file one job writes.

    Same arrays, metadata and provenance as ``run_isoconfigurational`` with the same seeds, so
    the file is byte-identical to the single job's.
    """
    from dataclasses import replace

    groups = [load(path, "isoconfigurational") for path in job.input["groups"]]
    seeds = _replica_seeds(job, load(job.input["structure"], "structure"))
    joined = np.concatenate([g.replica_seeds for g in groups])
    if not np.array_equal(joined, seeds) or [g.metadata["first_replica"] for g in groups] != \
            list(np.cumsum([0] + [len(g.replica_seeds) for g in groups[:-1]])):
        raise ValueError(f"replica groups {job.input['groups']} do not hold replicas 0..{len(seeds) - 1} in order")
    metadata = {k: v for k, v in groups[0].metadata.items() if k != "first_replica"}
    metadata.update(n_replicas=len(seeds), replicas_from_checkpoint=sum(g.metadata["replicas_from_checkpoint"] for g in groups))
    ensemble = replace(
        groups[0],
        positions=np.concatenate([g.positions for g in groups]),
        potential_energy=np.concatenate([g.potential_energy for g in groups]),
        kinetic_temperature=np.concatenate([g.kinetic_temperature for g in groups]),
        replica_seeds=joined, metadata=metadata,
    )
    save(job.output["ensemble"], ensemble, job_provenance(job, stage="run_isoconfigurational", seeds={"replicas": seeds}))
    log.info("wrote %s from %d groups", job.output["ensemble"], len(groups))


def quench_inherent_structure(job: Job) -> None:
    """Stage ``quench_inherent_structure``: minimise one structure."""
    from glassdyn.md.inherent import quench_to_inherent_structure

    config, output, structure_file = job.config, job.output["inherent_structure"], job.input["structure"]
    opts = config["inherent_structure"]
    structure = load(structure_file, "structure")
    result = quench_to_inherent_structure(
        potential(config), structure, min_style=opts["min_style"], force_tolerance=opts["force_tolerance"],
        max_iterations=opts["max_iterations"], step_size=opts["step_size"], log_file=job.log.get("lammps"),
    )
    result.metadata.update(temperature=structure.metadata.get("temperature"),
                           structure_index=structure.metadata.get("structure_index"), system_name=job.system_name,
                           structure_file=str(structure_file))
    save(output, result, job_provenance(job))
    log.info("wrote %s", output)
