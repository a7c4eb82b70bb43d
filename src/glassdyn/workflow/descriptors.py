"""Descriptor stages: cage states, then one named descriptor set of one structure."""

from __future__ import annotations

from glassdyn.io import load, save
from glassdyn.systems import get_mixture
from glassdyn.workflow.runtime import Job, checkpoint, derive_seed, job_provenance, log
from glassdyn.workflow.simulation import potential


def compute_cage_state(job: Job) -> None:
    """Stage ``compute_cage_state``: Monte Carlo with every particle held in its cage (roadmap SI I.E)."""
    from glassdyn.descriptors.cage import CageStateMonteCarlo
    from glassdyn.io import CageState

    config, structure_file, output = job.config, job.input["structure"], job.output["cage_state"]
    opts, sp = config["cage_state"], config["state_point"]
    structure = load(structure_file, "structure")
    index = int(structure.metadata.get("structure_index", -1))
    seed = derive_seed(job.seed, "cage_state", job.system_name, job.wildcards["temperature"], index)

    def progress(phase, done, total, acceptance):
        log.info("%s: %d/%d sweeps, acceptance %.3f", phase, done, total, acceptance)

    from glassdyn.md.checkpoint import fingerprint

    # minutes per structure at the default sweeps: checkpointed, and resumed after a kill
    ckpt = checkpoint(output, system=config, seed=seed, structure=fingerprint(structure.positions, structure.types))
    mc = CageStateMonteCarlo(
        potential(config), sp["temperature"], cage_radius_factor=opts["radius_factor"],
        n_equilibration_sweeps=opts["equilibration_sweeps"], n_sampling_sweeps=opts["sampling_sweeps"],
        seed=seed, progress=progress,
    ).compute(structure.positions, structure.types, structure.box, checkpoint=ckpt)
    record = CageState(positions=mc.positions, types=structure.types, box=structure.box, metadata={
        "temperature": sp["temperature"], "structure_index": index, "system_name": job.system_name,
        "structure_file": str(structure_file), "acceptance": mc.acceptance, "max_step": mc.max_step_,
        "mean_displacement": float(mc.displacement.mean()), "max_standard_error": float(mc.standard_error.max()),
        **{f"cage_{k}": v for k, v in opts.items()},
    })
    save(output, record, job_provenance(job, seeds={"monte_carlo": seed}))
    ckpt.remove()
    log.info("wrote %s (acceptance %.3f, mean Delta r_cage %.4f)", output, mc.acceptance, mc.displacement.mean())


def compute_descriptors(job: Job) -> None:
    """Stage ``compute_descriptors``: one descriptor set of one structure.

    The job's inputs are the states the set needs (``structure``, ``inherent_structure``,
    ``cage_state``); the set comes from the ``descriptor_set`` wildcard.
    """
    from glassdyn.descriptors.sets import compute_descriptor_set, get_set

    name, output = job.wildcards["descriptor_set"], job.output["descriptors"]
    spec = get_set(name)
    states = {s: load(job.input[s], s) for s in spec.states}
    mixture = get_mixture(job.config["mixture"])
    first = states[spec.states[0]]
    if first.types.max() >= mixture.n_types:
        raise ValueError(f"{job.input[spec.states[0]]}: type {first.types.max()} but {mixture.name} has {mixture.n_types} types")
    log.info("descriptor set %s of %s (%d particles)", name, job.input[spec.states[0]], first.n_particles)
    record = compute_descriptor_set(name, states, mixture)
    record.metadata.update(system_name=job.system_name, structure_index=first.metadata.get("structure_index"),
                           temperature=first.metadata.get("temperature"),
                           **{f"{s}_file": str(job.input[s]) for s in spec.states})
    save(output, record, job_provenance(job))
    log.info("wrote %s: %d descriptors", output, record.values.shape[1])
