"""Entry point of rule evaluate_model (see glassdyn.workflow.evaluate_model)."""

from glassdyn import workflow

w = snakemake.wildcards  # noqa: F821 - injected by Snakemake
with workflow.logged(snakemake.log.main):  # noqa: F821
    workflow.evaluate_model(
        name=w.system,
        system=snakemake.params.system,  # noqa: F821
        temperature=w.temperature,
        model=w.model,
        label=w.label,
        training=w.training,
        predictions_file=snakemake.input.predictions,  # noqa: F821
        label_files=list(snakemake.input.labels),  # noqa: F821
        output=snakemake.output.table,  # noqa: F821
    )
