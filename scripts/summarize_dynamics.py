"""Entry point of rule summarize_dynamics (see glassdyn.workflow.summarize_dynamics)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.summarize_dynamics(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        label_files=list(snakemake.input.labels),
        base_seed=snakemake.params.seed,
        output=snakemake.output.dynamics,
        table=snakemake.output.table,
    )
