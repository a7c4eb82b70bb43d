"""Entry point of rule equilibrate_structure (see glassdyn.workflow.equilibrate_structure)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.equilibrate_structure(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        structure=snakemake.wildcards.structure,
        base_seed=snakemake.params.seed,
        output=snakemake.output.structure,
        previous=snakemake.input.get("previous"),
        lammps_log=snakemake.log.lammps,
    )
