"""What every job shares: its description (:class:`Job`), seeds, logging, checkpoints, provenance.

Rules run one script, ``scripts/run_stage.py``, which calls :func:`run_stage`: it turns
Snakemake's job object into a plain :class:`Job`, imports the config's plug-in modules (so a
user's descriptor set or model exists in the job too), sends the log to the rule's log file and
calls the stage function registered for the rule. Stage functions take a :class:`Job` and
nothing else, so tests call them without Snakemake.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("glassdyn")

#: Seconds between checkpoints of long jobs (operational, not science: overridable per run).
CHECKPOINT_INTERVAL = float(os.environ.get("GLASSDYN_CHECKPOINT_INTERVAL", 600))

#: rule -> "module:function" of its stage (imported on demand: a descriptor job never imports torch).
STAGES = {
    "equilibrate_structure": "glassdyn.workflow.simulation:equilibrate_structure",
    "run_isoconfigurational": "glassdyn.workflow.simulation:run_isoconfigurational",
    "run_replica_group": "glassdyn.workflow.simulation:run_replica_group",
    "merge_replicas": "glassdyn.workflow.simulation:merge_replicas",
    "quench_inherent_structure": "glassdyn.workflow.simulation:quench_inherent_structure",
    "import_isoconfigurational": "glassdyn.workflow.imports:import_isoconfigurational",
    "import_labels": "glassdyn.workflow.imports:import_labels",
    "export_glassbench": "glassdyn.workflow.imports:export_glassbench",
    "compute_labels": "glassdyn.workflow.labels:compute_labels",
    "summarize_dynamics": "glassdyn.workflow.labels:summarize_dynamics",
    "compute_cage_state": "glassdyn.workflow.descriptors:compute_cage_state",
    "compute_descriptors": "glassdyn.workflow.descriptors:compute_descriptors",
    "list_structures": "glassdyn.workflow.planning:list_structures",
    "pretrain_model": "glassdyn.workflow.models:pretrain_model",
    "train_model": "glassdyn.workflow.models:train_model",
    "train_transferable_model": "glassdyn.workflow.models:train_transferable_model",
    "predict_model": "glassdyn.workflow.models:predict_model",
    "evaluate_model": "glassdyn.workflow.models:evaluate_model",
    "compare_models": "glassdyn.workflow.models:compare_models",
    "compute_heterogeneity": "glassdyn.workflow.heterogeneity:compute_heterogeneity",
    "plot_scores": "glassdyn.workflow.figures:plot_scores",
    "plot_state_point": "glassdyn.workflow.figures:plot_state_point",
    "plot_dynamics": "glassdyn.workflow.figures:plot_dynamics",
    "plot_training": "glassdyn.workflow.figures:plot_training",
    "plot_heterogeneity": "glassdyn.workflow.figures:plot_heterogeneity",
    "plot_bottleneck": "glassdyn.workflow.figures:plot_bottleneck",
}


@dataclass
class Job:
    """One job, as plain values: what Snakemake hands a rule's script.

    ``input`` and ``output`` map names to a path or a list of paths; ``params`` holds the
    rule's params, among them ``config`` (:func:`~glassdyn.workflow.planning.stage_config`)
    and ``seed`` (the base seed).
    """

    rule: str
    wildcards: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    input: dict = field(default_factory=dict)
    output: dict = field(default_factory=dict)
    log: dict = field(default_factory=dict)
    threads: int = 1

    @property
    def config(self) -> dict:
        """The stage config of this job (what it reads of the system's config)."""
        return self.params["config"]

    @property
    def system_name(self) -> str:
        return self.wildcards["system"]

    @property
    def seed(self) -> int | None:
        """The base seed (rules whose job draws random numbers have one)."""
        return int(self.params["seed"]) if "seed" in self.params else None

    @classmethod
    def from_snakemake(cls, smk) -> Job:
        def plain(named):
            return {k: (str(v) if isinstance(v, str) else [str(x) for x in v]) for k, v in named.items()}

        return cls(rule=smk.rule, wildcards=dict(smk.wildcards.items()), params=dict(smk.params.items()),
                   input=plain(smk.input), output=plain(smk.output), log=plain(smk.log), threads=int(smk.threads))


def stage_function(rule: str):
    """The stage function of ``rule``."""
    try:
        module, name = STAGES[rule].split(":")
    except KeyError:
        raise KeyError(f"no stage for rule {rule!r}; known: {sorted(STAGES)}") from None
    return getattr(importlib.import_module(module), name)


def run_stage(smk) -> None:
    """Entry point of every rule's script: run the stage of ``smk.rule`` with its log."""
    from glassdyn.config import load_plugins

    job = Job.from_snakemake(smk)
    with logged(job.log.get("main")):
        remove_stale_temporaries(job)
        load_plugins(smk.config.get("plugins", []))
        stage_function(job.rule)(job)


def remove_stale_temporaries(job: Job) -> None:
    """Remove what killed runs of this job left half-written next to its outputs (the
    temporaries of :mod:`glassdyn.atomic`; checkpoints stay: the job resumes from them)."""
    from glassdyn import atomic

    outputs = [p for v in job.output.values() for p in ([v] if isinstance(v, str) else v)]
    for path in atomic.remove_stale_temporaries(outputs):
        log.info("removed %s, left by a run that was killed", path)


# -- seeds -----------------------------------------------------------------------------------
def derive_seed(base_seed: int, *keys) -> int:
    """A seed in [1, 2^31 - 1) that depends only on ``base_seed`` and ``keys``.

    Keys are strings or integers naming the job (stage, system, T, structure, replica), so
    every random stream is reproducible and independent of the order jobs run in.
    """
    import numpy as np

    spawn_key = tuple(k if isinstance(k, int) else zlib.crc32(str(k).encode()) for k in keys)
    state = np.random.SeedSequence(entropy=int(base_seed), spawn_key=spawn_key).generate_state(1)[0]
    return int(state % (2**31 - 2)) + 1


# -- logging ---------------------------------------------------------------------------------
@contextlib.contextmanager
def logged(log_file: str | Path | None):
    """Send glassdyn's log to ``log_file`` and record any exception (with LAMMPS' message) there."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    root.setLevel(logging.INFO)
    try:
        yield
    except BaseException:
        log.exception("stage failed")
        raise
    finally:
        for h in handlers:
            root.removeHandler(h)
            h.close()


def torch_threads(threads: int) -> None:
    """Let torch use the job's threads (Snakemake's ``threads``)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.set_num_threads(max(1, int(threads)))


# -- checkpoints and provenance ----------------------------------------------------------------
def checkpoint(output, suffix: str = "checkpoint", **identity):
    """The checkpoint of a long job writing ``output``; ``identity`` says what it must match to resume."""
    from glassdyn.md.checkpoint import Checkpoint

    return Checkpoint(f"{output}.{suffix}", identity, interval=CHECKPOINT_INTERVAL)


def job_provenance(job: Job, *, stage: str | None = None, seeds: dict | None = None, **extra) -> dict:
    """Provenance of a job's output: its stage config, base seed, seeds, versions and stage."""
    from glassdyn.io import provenance
    from glassdyn.md.runtime import software_versions

    record = {"system_name": job.system_name, "seed": job.seed, "system": job.config}
    return provenance(config=record, seeds=seeds, stage=stage or job.rule, software=software_versions(), **extra)
