"""The Snakemake workflow end to end on a tiny system (slow: tens of seconds)."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassdyn.io import load
from glassdyn.io.data import read_provenance
from glassdyn.workflow import derive_seed

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "seed": 11,
    "systems": {
        "tiny": {
            "mixture": "kob_andersen_3d",
            "n_particles": 200,
            "density": 1.2,
            "n_structures": 2,
            "split": {"train": 1, "test": 1},
            "timestep": 0.004,
            "thermostat_damping": 0.4,
            "equilibration": {
                "mode": "single_run",
                "melt_time": 1.0,
                "quench_time": 1.0,
                "duration_tau_alpha": 2.0,
                "sample_interval_tau_alpha": 1.0,
            },
            "isoconfigurational": {"n_replicas": 2},
            "state_points": [{"temperature": 1.0, "tau_alpha": 1.0, "times": [0.04, 0.4]}],
        }
    },
}


def _workdir(tmp_path, config):
    work = tmp_path / "wf"
    work.mkdir()
    for item in ("Snakefile", "rules", "scripts", "profiles"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    (work / "config").mkdir()
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def _snakemake(work, *args):
    # Checkpoint at every opportunity, so that writing and removing them is exercised.
    env = {**os.environ, "GLASSDYN_CHECKPOINT_INTERVAL": "0"}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=work, capture_output=True, text=True, timeout=600, env=env,
    )


@pytest.mark.slow
def test_tiny_workflow_runs_and_is_reproducible(tmp_path):
    work = _workdir(tmp_path, TINY)
    run = _snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    base = work / "results/tiny/T1"
    ens = load(base / "isoconfigurational/00001.h5", "isoconfigurational")
    assert ens.positions.shape == (2, 2, 200, 3)
    assert ens.metadata["ensemble"] == "nve"
    seeds = read_provenance(base / "isoconfigurational/00001.h5")["seeds"]["replicas"]
    assert seeds == [derive_seed(11, "isoconfigurational", "tiny", "1", 1, k) for k in range(2)]
    s1 = load(base / "equilibrated/00001.h5", "structure")
    assert s1.metadata["equilibration_mode"] == "single_run"
    assert s1.metadata["source"].endswith("equilibrated/00000.h5")
    inh = load(base / "inherent_structures/00000.h5", "inherent_structure")
    assert inh.metadata["max_force"] < 1e-8
    assert list(work.rglob("*.checkpoint")) == []  # removed once the outputs exist
    for stage in ("equilibrate_structure", "run_isoconfigurational", "quench_inherent_structure"):
        assert (work / f"logs/tiny/T1/{stage}/00000.log").stat().st_size > 0
        assert (work / f"results/benchmarks/tiny/T1/{stage}/00000.tsv").exists()

    # Same seed: byte-identical files. Another seed: different structures.
    first = load(base / "equilibrated/00000.h5", "structure").positions
    digest = {p.relative_to(work): hashlib.sha256(p.read_bytes()).hexdigest() for p in (work / "results/tiny").rglob("*.h5")}
    shutil.rmtree(work / "results")
    assert _snakemake(work).returncode == 0
    again = {p.relative_to(work): hashlib.sha256(p.read_bytes()).hexdigest() for p in (work / "results/tiny").rglob("*.h5")}
    assert again == digest
    shutil.rmtree(work / "results")
    assert _snakemake(work, "--config", "seed=12").returncode == 0
    other = load(work / "results/tiny/T1/equilibrated/00000.h5", "structure").positions
    assert np.abs(other - first).max() > 0.1


@pytest.mark.slow
def test_lammps_failure_fails_the_rule_and_leaves_no_output(tmp_path):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["systems"]["tiny"]["n_structures"] = 1
    config["systems"]["tiny"]["split"] = {"train": 1, "test": 0}
    # A time step 100x too large: LAMMPS loses atoms during the melt.
    config["systems"]["tiny"]["timestep"] = 0.4
    config["systems"]["tiny"]["state_points"][0]["times"] = [0.4, 4.0]
    work = _workdir(tmp_path, config)
    run = _snakemake(work)
    assert run.returncode != 0
    log = (work / "logs/tiny/T1/equilibrate_structure/00000.log").read_text()
    assert "LammpsError" in log and "ERROR" in log
    # Neither the output nor a temporary file that could pass for it is left behind.
    assert list(work.rglob("*.h5")) == []


@pytest.mark.slow
def test_bad_config_stops_before_any_job(tmp_path):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["systems"]["tiny"]["isoconfigurational"]["n_replicas"] = -2
    work = _workdir(tmp_path, config)
    run = _snakemake(work, "-n")
    assert run.returncode != 0
    assert "systems.tiny.isoconfigurational.n_replicas" in run.stderr
    assert not (work / "results").exists()


@pytest.mark.slow
def test_roadmap_preset_plans_full_protocol():
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--nolock", "--configfile", "config/presets/roadmap-ka3d.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    for rule in ("equilibrate_structure", "run_isoconfigurational", "quench_inherent_structure"):
        assert any(line.split()[:2] == [rule, "2000"] for line in out.splitlines()), out[-2000:]
    assert "64000 replica runs" in out
