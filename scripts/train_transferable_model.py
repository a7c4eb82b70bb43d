"""Entry point of rule train_transferable_model (see glassdyn.workflow.train_transferable_model)."""

from glassdyn import workflow

w = snakemake.wildcards  # noqa: F821 - injected by Snakemake
with workflow.logged(snakemake.log.main):  # noqa: F821
    workflow.train_transferable_model(
        name=w.system,
        system=snakemake.params.system,  # noqa: F821
        model=w.model,
        label=w.label,
        particle_type=int(w.particle_type),
        training=w.training,
        train_files={"descriptors": list(snakemake.input.train_descriptors), "labels": list(snakemake.input.train_labels)},  # noqa: F821
        validation_files={"descriptors": list(snakemake.input.validation_descriptors),  # noqa: F821
                          "labels": list(snakemake.input.validation_labels)},  # noqa: F821
        base_seed=snakemake.params.seed,  # noqa: F821
        output=snakemake.output.model,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
