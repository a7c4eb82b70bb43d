"""The workflow on a real SLURM cluster: a single node on this machine (tests/slurm/cluster.sh).

Run by CI (``.ci/run``) where it is root on Debian with slurm-wlm and munge installed:
``python -m pytest -m slurm``. Through ``tests/slurm/profile`` (profiles/slurm for this
cluster) the tiny workflow runs as SLURM jobs, one training job asking for a GPU; every job
must have run under SLURM with the resources its rule declared, and every output must be
byte-identical to a local run. A long MD job killed with scancel must come back as a retry
that resumes from its checkpoint.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassdyn.io import load
from test_workflow import _workdir as workflow_copy

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "tests/slurm/cluster.sh"
PROFILE = ROOT / "tests/slurm/profile"

pytestmark = pytest.mark.slurm

TINY = {
    "seed": 7,
    "systems": {
        "tiny": {
            "mixture": "kob_andersen_3d",
            "n_particles": 200,
            "density": 1.2,
            "n_structures": 3,
            "split": {"train": 2, "test": 1},
            "timestep": 0.004,
            "thermostat_damping": 0.4,
            "md_threads": 2,  # MD jobs ask SLURM for two CPUs
            "equilibration": {"mode": "single_run", "melt_time": 1.0, "quench_time": 1.0,
                              "duration_tau_alpha": 2.0, "sample_interval_tau_alpha": 1.0},
            "isoconfigurational": {"n_replicas": 3, "replicas_per_job": 2},  # groups, merged
            "descriptors": {"sets": ["glassmlp-prl", "baselines"]},
            "models": {
                "train": ["glassmlp", "glassmlp-ridge", "baseline-epot_inh_L5"],
                "time_indices": [1],
                "validation_fraction": 0.5,
                # device auto: the training job asks for a GPU (the test node's is a fake one,
                # so PyTorch finds none and trains on the CPU)
                "glassmlp": {"n_networks": 1, "device": "auto",
                             "phases": [{"epochs": 4, "learning_rate": 1.0e-3}]},
            },
            "state_points": [{"temperature": 1.0, "tau_alpha": 1.0, "times": [0.04, 0.4]}],
        }
    },
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("slurmctld") is None:
        pytest.skip("needs root and slurm-wlm + munge (apt-get install slurm-wlm munge)")
    state = tmp_path_factory.mktemp("slurm")
    start = subprocess.run(["bash", str(CLUSTER), "start", str(state)], capture_output=True, text=True, timeout=120)
    assert start.returncode == 0, start.stderr
    try:
        yield state
    finally:
        subprocess.run(["bash", str(CLUSTER), "stop", str(state)], capture_output=True, timeout=60)


def _workdir(tmp_path, config, name="wf"):
    (tmp_path / name).mkdir()
    return workflow_copy(tmp_path / name, config)


def _env():
    return {**os.environ, "GLASSDYN_CHECKPOINT_INTERVAL": "0"}


def _snakemake(work, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=work, capture_output=True, text=True,
                          timeout=timeout, env=_env())


def _slurm_jobs(work) -> list[dict]:
    """Every SLURM job (array tasks one by one) that ran in ``work``, as scontrol's fields."""
    out = subprocess.run(["scontrol", "show", "job", "-o"], capture_output=True, text=True, check=True).stdout
    jobs = []
    for line in out.splitlines():
        fields = dict(re.findall(r"(\w[\w/:]*)=(\S*)", line))
        if fields.get("WorkDir") == str(work):
            jobs.append(fields)
    return jobs


def _planned(work, target) -> dict:
    """rule -> [(threads, mem_mb, runtime, gpu)] of every job of a dry run: what the rules declare."""
    run = _snakemake(work, "-n", "--cores", "2", target)
    assert run.returncode == 0, run.stderr[-3000:]
    planned = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", run.stdout + run.stderr):
        head = re.match(r"(local)?rule (\w+):", block)
        if not head or head.group(1):
            continue
        res = dict(re.findall(r"(\w+)=([^,\s]+)", (re.search(r"resources: (.*)", block) or [None, ""])[1]))
        threads = int((re.search(r"threads: (\d+)", block) or [None, "1"])[1])
        planned.setdefault(head.group(2), []).append(
            (threads, int(res.get("mem_mb", 0)), int(res.get("runtime", 0)), int(res.get("gpu", 0))))
    return planned


def _minutes(limit: str) -> int:
    days, _, clock = limit.rpartition("-")
    h, m, s = (int(x) for x in clock.split(":"))
    return (int(days) if days else 0) * 1440 + h * 60 + m + (s > 0)


def _digests(work):
    files = [p for p in (work / "results").rglob("*") if p.is_file() and "benchmarks" not in p.parts]
    return {p.relative_to(work): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_tiny_workflow_on_slurm_matches_a_local_run(cluster, tmp_path):
    target = "results/model_comparison.tsv"
    local = _workdir(tmp_path, TINY, "local")
    began = time.time()
    run = _snakemake(local, "--cores", "2", target)
    assert run.returncode == 0, run.stderr[-3000:]
    local_time = time.time() - began

    work = _workdir(tmp_path, TINY, "slurm")
    planned = _planned(work, target)
    began = time.time()
    run = _snakemake(work, "--workflow-profile", str(PROFILE), target)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    elapsed = time.time() - began

    # the same files, byte for byte
    assert _digests(work) == _digests(local)

    jobs = _slurm_jobs(work)
    table = []
    by_rule = {}
    for job in jobs:
        rule = re.match(r"rule_(\w+?)(_wildcards_|$)", job["Comment"]).group(1)
        gpu = 1 if "gres:gpu" in job.get("TresPerNode", "") + job.get("TresPerJob", "") else 0
        got = (int(job["NumCPUs"]), int(job["MinMemoryNode"].rstrip("M")), _minutes(job["TimeLimit"]), gpu)
        by_rule.setdefault(rule, []).append(got)
        assert job["JobState"] == "COMPLETED", job
        table.append(f"{job['JobId']:>5} {rule:28s} {job['Partition']:4s} cpus={got[0]} mem={got[1]}M "
                     f"time={got[2]}min gpu={got[3]}")
        # GPU jobs on the GPU partition, the others on the CPU one (profile partitions.yaml)
        assert job["Partition"] == ("gpu" if gpu else "cpu"), job
    print(f"\nlocal run {local_time:.0f} s; {len(jobs)} SLURM jobs in {elapsed:.0f} s:\n" + "\n".join(table))
    local_rules = {"list_structures", "summarize_dynamics", "compare_models", "all"}
    expected = {rule: sorted(v) for rule, v in planned.items() if rule not in local_rules}
    assert sorted(by_rule) == sorted(expected)
    for rule, declared in expected.items():
        ran = sorted(by_rule[rule])
        assert len(ran) == len(declared), rule
        for (c, m, t, g), (c0, m0, t0, g0) in zip(ran, declared):
            # the plugin adds a few MB to array jobs for their encoded payload (its "memory fudge")
            assert (c, t, g) == (c0, t0, g0) and 0 <= m - m0 <= 16, (rule, ran, declared)
    assert any(got[3] for got in by_rule["train_model"])  # a GPU-requesting training job
    assert all(got[0] == 2 for rule in ("equilibrate_structure", "run_replica_group") for got in by_rule[rule])
    assert "merge_replicas" in by_rule


LONG = {
    "seed": 9,
    "systems": {
        "long": {
            "mixture": "kob_andersen_3d",
            "n_particles": 500,
            "density": 1.2,
            "n_structures": 1,
            "split": {"train": 1, "test": 0},
            "timestep": 0.004,
            "equilibration": {"mode": "independent", "melt_time": 1.0, "quench_time": 1.0, "duration_tau_alpha": 1.0},
            "isoconfigurational": {"n_replicas": 4},
            "models": {"train": []},
            "state_points": [{"temperature": 1.0, "tau_alpha": 1.0, "times": [4.0, 40.0]}],
        }
    },
}


def test_killed_job_resumes_from_its_checkpoint(cluster, tmp_path):
    target = "results/long/T1/isoconfigurational/00000.h5"
    work = _workdir(tmp_path, LONG)
    run = subprocess.Popen([sys.executable, "-m", "snakemake", "--workflow-profile", str(PROFILE), target], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
    checkpoint = work / f"{target}.checkpoint"
    deadline = time.time() + 300
    while not checkpoint.exists() and time.time() < deadline and run.poll() is None:
        time.sleep(0.5)
    assert checkpoint.exists(), "no checkpoint appeared"
    victim = [j for j in _slurm_jobs(work) if j["Comment"].startswith("rule_run_isoconfigurational") and j["JobState"] == "RUNNING"]
    assert len(victim) == 1, victim
    subprocess.run(["scancel", victim[0]["JobId"]], check=True)
    output, _ = run.communicate(timeout=400)
    assert run.returncode == 0, output[-4000:]

    attempts = sorted((j for j in _slurm_jobs(work) if j["Comment"].startswith("rule_run_isoconfigurational")),
                      key=lambda j: int(j["JobId"]))
    assert [j["JobState"] for j in attempts] == ["CANCELLED", "COMPLETED"], [j["JobState"] for j in attempts]
    # the retry asked for twice the wall time (resources scale with attempt)
    assert _minutes(attempts[1]["TimeLimit"]) == 2 * _minutes(attempts[0]["TimeLimit"])
    resumed = load(work / target, "isoconfigurational")
    assert resumed.metadata["replicas_from_checkpoint"] >= 1
    assert not checkpoint.exists()
    # and the trajectories are those of a run that never stopped
    local = _workdir(tmp_path, LONG, "local")
    assert _snakemake(local, "--cores", "2", target).returncode == 0
    whole = load(local / target, "isoconfigurational")
    assert whole.metadata["replicas_from_checkpoint"] == 0
    np.testing.assert_array_equal(resumed.positions, whole.positions)


def test_cluster_profile_plans_with_resources(cluster, tmp_path):
    """profiles/slurm itself (the one users fill in) is accepted by the plugin and plans every
    job with the resources its rule declares."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["systems"]["tiny"]["md_threads"] = 3  # more than the profile's local-cores
    work = _workdir(tmp_path, config)
    run = _snakemake(work, "-n", "--workflow-profile", str(ROOT / "profiles/slurm"), "--slurm-no-account")
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout + run.stderr
    assert "gpu=1" in out and re.search(r"rule run_replica_group:(.|\n)*?threads: 3", out)
