"""Entry point of rule compute_labels (see glassdyn.workflow.compute_labels)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.compute_labels(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        isoconfigurational_file=snakemake.input.ensemble,
        base_seed=snakemake.params.seed,
        output=snakemake.output.labels,
    )
