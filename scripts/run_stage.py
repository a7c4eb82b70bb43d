"""Entry point of every rule: run the stage of the rule (glassdyn.workflow.runtime.run_stage)."""

from glassdyn.workflow.runtime import run_stage

run_stage(snakemake)  # noqa: F821 - injected by Snakemake
