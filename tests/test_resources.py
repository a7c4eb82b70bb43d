"""Job resources from the science (glassdyn.workflow.resources) and replicas split into jobs."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassdyn.config import validate_config
from glassdyn.io import save
from glassdyn.md.simulation import Simulation, md_threads
from glassdyn.workflow import planning, resources
from glassdyn.workflow.runtime import Job
from glassdyn.workflow.simulation import merge_replicas, run_isoconfigurational, run_replica_group

ROOT = Path(__file__).resolve().parents[1]


class Wildcards(dict):
    __getattr__ = dict.get


def _plans(config):
    config = validate_config(config)
    return {name: planning.SystemPlan(name, s) for name, s in config["systems"].items()}


def _system(**over):
    system = {"mixture": "kob_andersen_3d", "n_particles": 4096, "density": 1.2, "n_structures": 10,
              "split": {"train": 8, "test": 2}, "timestep": 0.005,
              "isoconfigurational": {"n_replicas": 32},
              "state_points": [{"temperature": 0.5, "tau_alpha": 200.0, "times": [1.0, 2000.0]}]}
    system.update(over)
    return {"systems": {"ka": system}}


def test_md_runtime_and_memory_follow_the_protocol():
    plans = _plans(_system())
    res = resources.Resources(plans)
    wc = Wildcards(system="ka", temperature="0.5")
    e = res.estimate("run_isoconfigurational", wc)
    steps = 2000.0 / 0.005
    assert e.seconds == pytest.approx(32 * steps * 4096 * resources.COSTS["md_atom_step"])
    assert e.threads == 1
    r = res.of("run_isoconfigurational")
    assert r["runtime"](wc, 1) == resources.runtime_minutes(e.seconds)
    # a retry asks for more: attempt x the run time, more memory
    assert r["runtime"](wc, 2) == 2 * r["runtime"](wc, 1) and r["mem_mb"](wc, 2) > r["mem_mb"](wc, 1)
    # twice the replicas, twice the time; 16 threads, 16 ** OMP_EXPONENT faster
    assert resources.Resources(_plans(_system(isoconfigurational={"n_replicas": 64}))).estimate(
        "run_isoconfigurational", wc).seconds == pytest.approx(2 * e.seconds)
    fast = resources.Resources(_plans(_system(md_threads=16))).estimate("run_isoconfigurational", wc)
    assert fast.threads == 16 and fast.seconds == pytest.approx(e.seconds / 16**resources.OMP_EXPONENT)


def test_replicas_per_job_splits_the_work():
    config = _system(isoconfigurational={"n_replicas": 32, "replicas_per_job": 8})
    config["systems"]["ka"]["state_points"].append({"temperature": 0.44, "tau_alpha": 4000.0, "times": [1.0],
                                                    "replicas_per_job": 3})
    plan = _plans(config)["ka"]
    assert plan.grouped_replicas()
    assert plan.replica_groups("0.5") == [(0, 8), (8, 16), (16, 24), (24, 32)]
    assert plan.replica_groups("0.44")[-1] == (30, 32) and len(plan.replica_groups("0.44")) == 11
    res = resources.Resources({"ka": plan})
    one = resources.Resources(_plans(_system())).estimate("run_isoconfigurational", Wildcards(system="ka", temperature="0.5"))
    group = res.estimate("run_replica_group", Wildcards(system="ka", temperature="0.5"))
    assert group.seconds == pytest.approx(one.seconds / 4)
    # how replicas are split is not part of what an MD job reads
    assert plan.stage_config("run_replica_group", "0.5") == _plans(_system())["ka"].stage_config("run_isoconfigurational", "0.5")


def test_training_asks_for_a_gpu_on_device_auto_and_cuda():
    config = _system(models={"train": ["glassmlp", "botan", "cage-ridge"], "botan": {"device": "auto", "epochs": 10},
                             "glassmlp": {"device": "cpu"}})
    res = resources.Resources(_plans(config))
    wc = dict(system="ka", temperature="0.5", training="all", label="propensity", particle_type="0", time_index="001")
    gpu = {m: res.of("train_model")["gpu"](Wildcards(wc, model=m)) for m in ("glassmlp", "botan", "cage-ridge")}
    assert gpu == {"glassmlp": 0, "botan": 1, "cage-ridge": 0}
    botan = res.estimate("train_model", Wildcards(wc, model="botan"))
    assert botan.threads == 1 and botan.seconds == pytest.approx(
        10 * 8 * 4096 * resources.COSTS["train_particle_epoch"]["botan"] / resources.GPU_SPEEDUP["default"])


def test_roadmap_ka3d_preset_fits_a_48_hour_partition():
    """Every job of the preset, by the cost model, asks for at most 48 h (issue 17)."""
    plans = _plans(yaml.safe_load((ROOT / "config/presets/roadmap-ka3d.yaml").read_text()))
    res = resources.Resources(plans)
    longest = {}
    for name, plan in plans.items():
        for t in plan.temperatures:
            wc = Wildcards(system=name, temperature=t, training="all", label="propensity")
            rules = ["equilibrate_structure", "run_replica_group" if plan.grouped_replicas() else "run_isoconfigurational",
                     "quench_inherent_structure", "compute_cage_state", "compute_labels", "compute_descriptors"]
            for rule in rules:
                longest[(rule, t)] = res.of(rule)["runtime"](wc, 1)
            for model in plan.model_names():
                longest[(model, t)] = res.of("train_model")["runtime"](Wildcards(wc, model=model), 1)
    worst = max(longest, key=longest.get)
    assert longest[worst] <= resources.PARTITION_LIMIT_MIN, (worst, longest[worst])
    assert longest[("run_replica_group", "0.44")] > 12 * 60  # the long jobs are long: the model is not trivial


def _job(rule, tmp_path, structure_file, config, **params):
    out = {"run_isoconfigurational": "ensemble", "run_replica_group": "group", "merge_replicas": "ensemble"}[rule]
    return Job(rule=rule, wildcards={"system": "ka", "temperature": "0.8", "structure": "00000"},
               params={"config": config, "seed": 3, **params}, input={"structure": str(structure_file)},
               output={out: str(tmp_path / f"{rule}_{params.get('replicas', [0])[0]}.h5")})


def test_replica_groups_merge_into_the_single_jobs_file(tmp_path, liquid):
    structure_file = tmp_path / "structure.h5"
    liquid.metadata.update(structure_index=0)
    save(structure_file, liquid)
    system = {"mixture": "kob_andersen_3d", "potential": "force_shifted", "n_particles": 256, "density": 1.2,
              "n_structures": 1, "timestep": 0.004, "isoconfigurational": {"n_replicas": 3, "replicas_per_job": 2},
              "models": {"train": []},
              "state_points": [{"temperature": 0.8, "tau_alpha": 1.0, "times": [0.04, 0.4]}]}
    plan = _plans({"systems": {"ka": system}})["ka"]
    config = plan.stage_config("run_isoconfigurational", "0.8")
    single = _job("run_isoconfigurational", tmp_path, structure_file, config)
    run_isoconfigurational(single)
    groups = []
    for first, last in plan.replica_groups("0.8"):
        job = _job("run_replica_group", tmp_path, structure_file, config, replicas=[first, last])
        run_replica_group(job)
        groups.append(job.output["group"])
    merge = _job("merge_replicas", tmp_path, structure_file, config)
    merge.input["groups"] = groups
    merge.output["ensemble"] = str(tmp_path / "merged.h5")
    merge_replicas(merge)

    def digest(path):
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    assert digest(merge.output["ensemble"]) == digest(single.output["ensemble"])
    # groups out of order are refused, not merged into a wrong file
    merge.input["groups"] = groups[::-1]
    with pytest.raises(ValueError, match="in order"):
        merge_replicas(merge)


def test_openmp_threads_are_reproducible(ka3d, liquid):
    def run(threads):
        with md_threads(threads):
            with Simulation(ka3d, liquid.box, liquid.types, liquid.positions, liquid.velocities, timestep=0.004) as sim:
                assert sim.threads == threads
                sim.set_integrator("nve")
                sim.run(200)
                return sim.positions(unwrapped=True)

    two = run(2)
    assert np.array_equal(two, run(2))
    assert np.abs(two - run(1)).max() < 1e-6  # same physics, other summation order


def test_site_lammps_arguments_reach_every_instance_and_the_provenance(monkeypatch, tmp_path, ka3d, liquid):
    from glassdyn.md.runtime import software_versions

    monkeypatch.setenv("GLASSDYN_LAMMPS_ARGS", "-sf omp -pk omp 1")  # a site's accelerator switches
    log = tmp_path / "lammps.log"
    with Simulation(ka3d, liquid.box, liquid.types, liquid.positions, liquid.velocities, timestep=0.004,
                    log_file=log) as sim:
        sim.run(1)
    assert re.search(r"pair \S+/omp", log.read_text()), "the /omp styles did not run"
    assert software_versions()["lammps_arguments"] == "-sf omp -pk omp 1"
