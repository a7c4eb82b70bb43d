"""Entry point of rule compute_descriptors (see glassdyn.workflow.compute_descriptors)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.compute_descriptors(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        descriptor_set=snakemake.wildcards.descriptor_set,
        state_files=dict(snakemake.input.items()),
        base_seed=snakemake.params.seed,
        output=snakemake.output.descriptors,
    )
