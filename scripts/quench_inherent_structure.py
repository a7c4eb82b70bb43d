"""Entry point of rule quench_inherent_structure (see glassdyn.workflow.quench_inherent_structure)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.quench_inherent_structure(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        structure_file=snakemake.input.structure,
        base_seed=snakemake.params.seed,
        output=snakemake.output.inherent_structure,
        lammps_log=snakemake.log.lammps,
    )
