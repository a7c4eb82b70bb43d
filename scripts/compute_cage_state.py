"""Entry point of rule compute_cage_state (see glassdyn.workflow.compute_cage_state)."""

from glassdyn import workflow

with workflow.logged(snakemake.log.main):  # noqa: F821 - injected by Snakemake
    workflow.compute_cage_state(
        name=snakemake.wildcards.system,
        system=snakemake.params.system,
        temperature=snakemake.wildcards.temperature,
        structure_file=snakemake.input.structure,
        base_seed=snakemake.params.seed,
        output=snakemake.output.cage_state,
    )
