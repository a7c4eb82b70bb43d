"""Entry point of every rule: run the stage of the rule (glassdyn.workflow.runtime.run_stage)."""

import sys
from pathlib import Path

try:
    import glassdyn  # noqa: F401 - installed (pip install -e .)
except ImportError:
    # A per-rule conda environment (--sdm conda, envs/glassdyn.yaml) holds the dependencies
    # only: the library comes from this workflow's own src/, the code that planned the job.
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "src"))  # noqa: F821

from glassdyn.workflow.runtime import run_stage

run_stage(snakemake)  # noqa: F821 - injected by Snakemake
