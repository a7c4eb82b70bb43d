"""Entry point of rule predict_model (see glassdyn.workflow.predict_model)."""

from glassdyn import workflow

w = snakemake.wildcards  # noqa: F821 - injected by Snakemake
with workflow.logged(snakemake.log.main):  # noqa: F821
    workflow.predict_model(
        name=w.system,
        system=snakemake.params.system,  # noqa: F821
        temperature=w.temperature,
        model=w.model,
        label=w.label,
        training=w.training,
        model_files=snakemake.params.model_files,  # noqa: F821
        descriptor_files=list(snakemake.input.descriptors),  # noqa: F821
        structures=snakemake.params.structures,  # noqa: F821
        output=snakemake.output.predictions,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
