"""Entry point of rule export_glassbench (see glassdyn.workflow.export_glassbench)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.export_glassbench(
        labels_file=snakemake.input.labels,
        inherent_file=snakemake.input.inherent_structure,
        output=snakemake.output.npz,
    )
