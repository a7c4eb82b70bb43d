"""Glue between the Snakemake workflow and the library.

- :mod:`glassdyn.workflow.planning`: pure functions from a validated config to structures,
  splits, time indices, paths, targets and each stage's config (imports nothing heavy: every
  parse of the Snakefile pays for it);
- :mod:`glassdyn.workflow.runtime`: :class:`~glassdyn.workflow.runtime.Job`, seeds, logging,
  checkpoints, provenance, and :func:`~glassdyn.workflow.runtime.run_stage`, the entry point
  of every rule;
- one module per stage family: :mod:`~glassdyn.workflow.simulation`,
  :mod:`~glassdyn.workflow.imports`, :mod:`~glassdyn.workflow.labels`,
  :mod:`~glassdyn.workflow.descriptors`, :mod:`~glassdyn.workflow.models`.
"""

from glassdyn.workflow.planning import (
    Layout,
    SystemPlan,
    format_structure,
    format_temperature,
    stage_config,
    state_point,
)
from glassdyn.workflow.runtime import Job, derive_seed, run_stage

__all__ = ["Layout", "SystemPlan", "format_structure", "format_temperature", "stage_config", "state_point",
           "Job", "derive_seed", "run_stage"]
