"""Label stages: per-structure labels from the replicas, then the dynamics of each state point."""

from __future__ import annotations

from glassdyn.io import load, save, write_text_atomic
from glassdyn.systems import get_mixture
from glassdyn.workflow.runtime import Job, derive_seed, job_provenance, log


def compute_labels(job: Job) -> None:
    """Stage ``compute_labels``: R, C_B, E_ij, F_s and split-half correlations of one structure."""
    from glassdyn.labels import labels_from_ensemble

    config, source, output = job.config, job.input["ensemble"], job.output["labels"]
    ensemble = load(source, "isoconfigurational")
    index = int(ensemble.metadata.get("structure_index", -1))
    seed = derive_seed(job.seed, "labels", job.system_name, job.wildcards["temperature"], index)
    mixture = get_mixture(config["mixture"])
    if ensemble.types.max() >= mixture.n_types:
        raise ValueError(f"{source}: type {ensemble.types.max()} but {mixture.name} has {mixture.n_types} types")
    log.info("labels of %s: %d replicas, %d times, %d particles", source, ensemble.n_replicas, len(ensemble.times),
             ensemble.n_particles)
    opts = config["labels"]
    inner, outer = opts["bond_breaking_cutoffs"]
    labels = labels_from_ensemble(ensemble, mixture.sigma_matrix, seed=seed, inner=inner, outer=outer,
                                  edge_cutoff=opts["edge_cutoff"], wavenumbers=opts["wavenumbers"], n_splits=opts["n_splits"])
    sp = config["state_point"]
    labels.metadata.update(structure_index=index, system_name=job.system_name, temperature=sp["temperature"],
                           tau_alpha=sp["tau_alpha"], source=str(source))
    save(output, labels, job_provenance(job, seeds={"split_half": seed}))
    log.info("wrote %s (mean neighbours %.2f, %d edges)", output, labels.metadata["mean_neighbours"], len(labels.edges))


def summarize_dynamics(job: Job) -> None:
    """Stage ``summarize_dynamics``: F_s, tau_alpha, <C_B>, chi_4 and noise ceiling of one system and T."""
    from glassdyn.analysis.summary import summarize_labels, summary_table

    opts = job.config["labels"]["overlap"]
    output, table = job.output["dynamics"], job.output["table"]
    summary = summarize_labels((load(f, "labels") for f in job.input["labels"]), opts["a"], opts["sharpness"])
    summary.metadata.update(system_name=job.system_name)
    save(output, summary, job_provenance(job))
    write_text_atomic(table, summary_table(summary))
    if summary.tau_alpha is not None:
        log.info("tau_alpha (F_s = 1/e at q = %.4g) per type: %s", summary.wavenumbers[0], summary.tau_alpha[:, 0])
    log.info("wrote %s and %s from %d structures", output, table, summary.metadata["n_structures"])
