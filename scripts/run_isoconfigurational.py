"""Entry point of rule run_isoconfigurational (see glassdyn.workflow.run_isoconfigurational)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.run_isoconfigurational(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        structure_file=snakemake.input.structure,
        base_seed=snakemake.params.seed,
        output=snakemake.output.ensemble,
        lammps_log=snakemake.log.lammps,
    )
