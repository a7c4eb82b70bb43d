"""Entry point of rule import_labels (see glassdyn.workflow.import_labels)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.import_labels(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        structure=snakemake.wildcards.structure,
        base_seed=snakemake.params.seed,
        structure_output=snakemake.output.structure,
        labels_output=snakemake.output.labels,
        inherent_output=snakemake.output.inherent_structure,
        cage_output=snakemake.output.cage_state,
    )
