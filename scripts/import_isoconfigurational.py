"""Entry point of rule import_isoconfigurational (see glassdyn.workflow.import_isoconfigurational)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.import_isoconfigurational(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        structure=snakemake.wildcards.structure,
        base_seed=snakemake.params.seed,
        structure_output=snakemake.output.structure,
        output=snakemake.output.ensemble,
    )
