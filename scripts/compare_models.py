"""Entry point of rule compare_models (see glassdyn.workflow.compare_models)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.compare_models(
        evaluation_files=list(snakemake.input.evaluations),  # noqa: F821
        dynamics_files=snakemake.params.dynamics,  # noqa: F821
        output=snakemake.output.table,  # noqa: F821
    )
