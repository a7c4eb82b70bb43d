"""The Snakemake workflow end to end on a tiny system (slow: tens of seconds)."""

import copy
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
from glassdyn.models import load_model
from glassdyn.systems import get_mixture
from glassdyn.models.evaluation import read_table
from glassdyn.plots import read_rows
from glassdyn.workflow import derive_seed

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "seed": 11,
    "systems": {
        "tiny": {
            "mixture": "kob_andersen_3d",
            "n_particles": 200,
            "density": 1.2,
            "n_structures": 3,
            "split": {"train": 2, "test": 1},
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
            "descriptors": {
                "sets": ["glassmlp-prl", "cage", "baselines"],
                "cage_state": {"equilibration_sweeps": 20, "sampling_sweeps": 40},
            },
            "models": {
                "train": ["glassmlp", "cage-ridge", "baseline-epot_inh_L5", "botan", "nt-gnn", "gnn-dm", "se3"],
                "time_indices": [1],
                "validation_fraction": 0.5,
                "botan": {"n_cycles": 2, "epochs": 3, "pretraining": {"epochs": 2, "time_index": 0}},
                "nt-gnn": {"n_cycles": 2, "epochs": 3},
                "gnn-dm": {"n_cycles": 2, "epochs": 2, "patience": 1},
                "se3": {"n_layers": 2, "channels": 4, "epochs": 2},
                "glassmlp": {"n_networks": 2, "phases": [
                    {"epochs": 5, "learning_rate": 1.0e-3},
                    {"epochs": 5, "learning_rate": 1.0e-3, "variance_weight": 1.0, "correlation_weight": 0.5, "patience": 2}]},
            },
            "state_points": [{"temperature": 1.0, "tau_alpha": 1.0, "times": [0.04, 0.4]}],
        }
    },
}


def _workdir(tmp_path, config):
    work = tmp_path / "wf"
    work.mkdir()
    for item in ("Snakefile", "rules", "scripts", "profiles", "report", "envs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    (work / "config").mkdir()
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def _refused(tmp_path, name, config):
    """stderr of a dry run of ``config`` in its own folder, which must fail (before any job)."""
    (tmp_path / name).mkdir()
    run = _snakemake(_workdir(tmp_path / name, config), "-n")
    assert run.returncode != 0, run.stdout[-2000:]
    return run.stderr


def _snakemake(work, *args):
    # Checkpoint at every opportunity, so that writing and removing them is exercised.
    env = {**os.environ, "GLASSDYN_CHECKPOINT_INTERVAL": "0"}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=work, capture_output=True, text=True, timeout=600, env=env,
    )


@pytest.mark.slow
def test_tiny_workflow_runs_every_stage(tmp_path):
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
    labels = load(base / "labels/00001.h5", "labels")
    labels_test = load(base / "labels/00002.h5", "labels")
    assert labels.propensity.shape == (2, 200) and labels.bond_breaking.shape == (2, 200)
    np.testing.assert_allclose(labels.propensity, np.linalg.norm(ens.positions - ens.initial_positions, axis=-1).mean(0))
    summary = load(base / "dynamics.h5", "dynamics")
    assert summary.metadata["n_structures"] == 3 and summary.chi4_propensity.shape == (2, 2)
    assert (base / "dynamics.tsv").read_text().count("\n") > 4
    cage = load(base / "cage_states/00001.h5", "cage_state")
    assert np.all(np.linalg.norm(cage.positions - s1.positions, axis=1) < 1.25 * np.array([1.0, 0.88])[s1.types])
    assert cage.metadata["acceptance"] > 0.05
    for name, count in (("glassmlp-prl", 192), ("cage", 2197), ("baselines", 6)):
        desc = load(base / f"descriptors/{name}/00001.h5", "descriptors")
        assert desc.values.shape == (200, count) and desc.metadata["descriptor_set"] == name
    assert (work / "logs/tiny/T1/compute_descriptors/cage/00001.log").stat().st_size > 0
    for stage in ("equilibrate_structure", "run_isoconfigurational", "quench_inherent_structure", "compute_labels",
                  "compute_cage_state"):
        assert (work / f"logs/tiny/T1/{stage}/00000.log").stat().st_size > 0
        # Snakemake benchmarks on the expensive stages only (each costs the plan of a paper preset time)
        expensive = stage in ("equilibrate_structure", "run_isoconfigurational", "compute_cage_state")
        assert (work / f"results/benchmarks/tiny/T1/{stage}/00000.tsv").exists() == expensive

    # Models: trained on structure 0, validated on 1, scored on 2; protected once trained.
    model_file = base / "models/all/glassmlp/propensity/type0/t001.h5"
    model = load_model(model_file)
    assert model.info_["training_files"][0].endswith("labels/00000.h5") and model.info_["validation_files"][0].endswith("00001.h5")
    assert model.descriptor_set_ == "glassmlp-prl" and model.label_ == "propensity" and model.particle_type_ == 0
    assert list(model.state_) == ["temperature", "tau_alpha", "time", "time_index", "mean_label"]
    assert not model_file.stat().st_mode & 0o222  # protected(): read-only (os.access is always True for root)
    predictions = load(base / "predictions/all/cage-ridge/propensity.h5", "predictions")
    assert predictions.values.shape == (1, 2, 200) and list(predictions.structures) == [2]
    assert np.isnan(predictions.values[0, 0]).all() and np.isfinite(predictions.values[0, 1, labels.types == 0]).all()
    table = read_table(work / "results/model_comparison.tsv")
    assert {r["model"] for r in table} == {"glassmlp", "cage-ridge", "baseline-epot_inh_L5", "botan", "nt-gnn", "gnn-dm",
                                           "se3", "noise_ceiling"}
    assert {r["metric"] for r in table if r["model"] == "glassmlp"} == {"pearson", "spearman", "r2"}

    # Graph networks: one model for every particle type; BOTAN from its edge pretraining at
    # time 0; without early stopping they train on the validation structure too (papers).
    pretrained = load_model(work / "results/tiny/models/pretraining/botan.h5")
    assert pretrained.node_weight == 0.0 and pretrained.epochs_run_ == 2
    assert pretrained.info_["pretraining"]["time_index"] == 0 and len(pretrained.info_["training_files"]) == 2
    botan = load_model(base / "models/all/botan/propensity/typeall/t001.h5")
    assert botan.particle_type_ is None and botan.epochs_run_ == 3 and botan.info_["pretrained"].endswith("botan.h5")
    assert len(botan.info_["training_files"]) == 2 and botan.info_["validation_files"] == []
    dm = load_model(base / "models/all/gnn-dm/propensity/typeall/t001.h5")
    assert dm.info_["validation_files"][0].endswith("labels/00001.h5")  # patience: it validates
    assert dm.info_["best_epoch"] in (1, 2) and dm.epochs_run_ <= 2
    graph_predictions = load(base / "predictions/all/botan/propensity.h5", "predictions")
    assert np.isfinite(graph_predictions.values[0, 1]).all()  # every particle, both types
    assert graph_predictions.edge_values.shape[1] == len(load(base / "labels/00002.h5", "labels").edges)
    edges = [r for r in table if r["model"] == "botan" and r["metric"] == "edge_pearson"]
    assert [(r["particle_type"], r["time_index"]) for r in edges] == [("0-0", "1")]
    assert not [r for r in table if r["model"] == "nt-gnn" and r["metric"] == "edge_pearson"]
    # SE(3): one model of every modelled time per temperature, reading the IS energies
    se3 = load_model(base / "models/all/se3/propensity/typeall/tall.h5")
    assert se3.state_["time_indices"] == [1] and se3.epochs_run_ == 2 and se3.shape_["n_types"] == 2
    se3_predictions = load(base / "predictions/all/se3/propensity.h5", "predictions")
    assert np.isnan(se3_predictions.values[0, 0]).all() and np.isfinite(se3_predictions.values[0, 1]).all()
    assert {r["metric"] for r in table if r["model"] == "se3"} == {"pearson", "spearman", "r2"}

    # Heterogeneity: one table per source (MD and every non-baseline model) of the test
    # structure; the propensity enters as its overlap (PRL SM VI), at the source's own times.
    from glassdyn.analysis.heterogeneity import overlap

    tables = {p.stem for p in (base / "heterogeneity").glob("*.tsv")}
    assert tables == {"MD", "glassmlp", "cage-ridge", "botan", "nt-gnn", "gnn-dm", "se3"}
    mine = labels_test.types == 0
    for source, values, times in (("MD", labels_test.propensity, (0.04, 0.4)),
                                  ("cage-ridge", predictions.values[0], (0.4,))):
        rows = read_rows(base / f"heterogeneity/{source}.tsv")
        assert {r["quantity"] for r in rows} >= {"mean_label", "S4", "G4", "chord_length"}
        assert "chi4" not in {r["quantity"] for r in rows}  # a variance over one structure: undefined
        means = {float(r["time"]): float(r["value"]) for r in rows if r["quantity"] == "mean_label"}
        assert list(means) == pytest.approx(list(times))
        for k, t in enumerate((0.04, 0.4)):
            if t in times:
                assert means[t] == pytest.approx(overlap(values[k, mine]).mean(), rel=1e-6)

    # Figures: drawn from the table they plot; the report holds them.
    figures = work / "results/figures"
    fig3 = read_rows(figures / "roadmap/main_fig3_pearson_vs_time.tsv")
    glassmlp = [r for r in table if r["model"] == "glassmlp" and r["metric"] == "pearson" and r["particle_type"] == "0"]
    assert [float(r["mean"]) for r in fig3 if r["model"] == "glassmlp"] == pytest.approx([float(r["mean"]) for r in glassmlp])
    assert {r["model"] for r in fig3} >= {"glassmlp", "se3", "botan", "noise_ceiling"}
    snapshots = read_rows(figures / "roadmap/si_fig4_snapshots_tiny.tsv")
    md = [r for r in snapshots if r["panel"] == "MD"]
    assert md and all(float(r["value"]) == pytest.approx(labels_test.propensity[1, int(r["particle"])]) for r in md)
    assert (figures / "botan-jcp/fig2_self_scattering_tiny.png").stat().st_size > 1000
    s4 = read_rows(figures / "glassmlp-prl/fig4a_four_point_structure_factor_tiny.tsv")
    assert {r["source"] for r in s4} == {"MD", "glassmlp"}  # the paper's model, beside MD
    assert not (figures / "roadmap/si_fig6_learning_curve.png").exists()  # no learning-curve study
    run = _snakemake(work, "--report", "report.html")
    assert run.returncode == 0 and "ERROR/" not in run.stderr, run.stderr[-3000:]  # captions render
    html = (work / "report.html").read_text(errors="replace")
    for name in ("main_fig3_pearson_vs_time.png", "si_fig2_distribution_tiny.png", "model_comparison.tsv", "dynamics.tsv",
                 "fig4a_four_point_structure_factor_tiny.png", "heterogeneity/MD.tsv"):
        assert name in html, name

    # Another seed: different structures (only the first: the seed reaches every stage through
    # derive_seed, tested above).
    first = load(base / "equilibrated/00000.h5", "structure").positions
    assert _snakemake(work, "other/tiny/T1/equilibrated/00000.h5", "--config", "seed=12", "results=other").returncode == 0
    other = load(work / "other/tiny/T1/equilibrated/00000.h5", "structure").positions
    assert np.abs(other - first).max() > 0.1


@pytest.mark.slow
@pytest.mark.system
def test_tiny_workflow_reruns_byte_identically(tmp_path):
    """Same seed, same files: every HDF5 output and figure of the tiny workflow, run twice."""
    work = _workdir(tmp_path, TINY)
    assert _snakemake(work).returncode == 0

    def digests():
        outputs = [*(work / "results/tiny").rglob("*.h5"), *(work / "results/tiny").rglob("heterogeneity/*.tsv"),
                   *(work / "results/figures").rglob("*.*")]
        return {p.relative_to(work): hashlib.sha256(p.read_bytes()).hexdigest() for p in outputs}

    first = digests()
    kinds = {p.parts[3] if p.parts[1] == "tiny" else "figures" for p in first}  # results/tiny/T1/<stage>/...
    assert {"equilibrated", "isoconfigurational", "labels", "descriptors", "models", "predictions", "heterogeneity",
            "figures"} <= kinds, kinds
    shutil.rmtree(work / "results")
    assert _snakemake(work).returncode == 0
    assert digests() == first


TINY_KA2D = {
    "seed": 5,
    "systems": {
        "ka2d": {
            "mixture": "kob_andersen_2d_ternary",
            "n_particles": 120,
            "density": 1290 / 32.896**2,
            "n_structures": 3,
            "split": {"train": 2, "test": 1},
            "timestep": 0.01,
            "thermostat_damping": 1.0,
            "equilibration": {
                "mode": "swap",
                "n_chains": 2,
                "melt_temperature": 2.0,
                "melt_time": 2.0,
                "quench_time": 2.0,
                "swap": {"frames_per_window": 40, "initial_window": 5.0, "tolerance": 0.3},
            },
            "isoconfigurational": {"n_replicas": 2},
            "inherent_structure": {"min_style": "fire"},
            "descriptors": {"sets": ["glassmlp-prl"]},
            "models": {"train": ["glassmlp"], "labels": ["bond_breaking"], "time_indices": [1], "validation_fraction": 0.5,
                       "glassmlp": {"n_networks": 1, "phases": [{"epochs": 3, "learning_rate": 1.0e-3}]}},
            "state_points": [{"temperature": 0.6, "tau_alpha": 170.0, "times": [0.5, 5.0]}],
        }
    },
}


@pytest.mark.slow
@pytest.mark.system
def test_ka2d_swap_workflow(tmp_path):
    """KA2D through every stage: swap equilibration in two chains, 2D MD, inherent structures, labels, a model."""
    work = _workdir(tmp_path, TINY_KA2D)
    run = _snakemake(work, "results/model_comparison.tsv")  # the figures are the tiny workflow's to test
    assert run.returncode == 0, run.stderr[-3000:]
    base = work / "results/ka2d/T0.6"
    s0, s1, s2 = (load(base / f"equilibrated/0000{k}.h5", "structure") for k in range(3))
    composition = np.bincount(get_mixture("kob_andersen_2d_ternary").types(120))
    for s in (s0, s1, s2):
        assert s.metadata["equilibration_mode"] == "swap" and s.positions.shape == (120, 2)
        assert np.array_equal(np.bincount(s.types), composition) and s.metadata["swap_accepts"] > 0
    # two chains: 0 and 1 from scratch (each measures tau_alpha^SWAP), 2 continues 0 for 5 tau_alpha^SWAP
    assert s0.metadata["source"] == s1.metadata["source"] == "random"
    assert s2.metadata["source"].endswith("equilibrated/00000.h5")
    assert s2.metadata["tau_alpha_swap"] == s0.metadata["tau_alpha_swap"] != s1.metadata["tau_alpha_swap"]
    assert s2.metadata["swap_sampling_time"] == pytest.approx(5 * s0.metadata["tau_alpha_swap"])
    assert len(s0.metadata["swap_window_tau"]) >= 2
    assert list(work.rglob("*checkpoint")) == []
    ens = load(base / "isoconfigurational/00002.h5", "isoconfigurational")
    assert ens.positions.shape == (2, 2, 120, 2) and np.array_equal(ens.types, s2.types)
    assert load(base / "inherent_structures/00002.h5", "inherent_structure").positions.shape == (120, 2)
    labels = load(base / "labels/00002.h5", "labels")
    assert labels.bond_breaking.shape == (2, 120) and np.all(labels.bond_breaking <= 1)
    assert load(base / "descriptors/glassmlp-prl/00002.h5", "descriptors").values.shape[0] == 120
    table = read_table(work / "results/model_comparison.tsv")
    rows = [r for r in table if r["model"] == "glassmlp"]
    assert {r["label"] for r in rows} == {"bond_breaking"} and {r["time_index"] for r in rows} == {"1"}


def _predicted_tiny():
    """TINY training GlassMLP only, and a system of twice its size with no MD, predicted with
    its models (GlassMLP PRL Fig. 4: train small, predict large)."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    tiny = config["systems"]["tiny"]
    tiny["models"]["train"] = ["glassmlp"]
    tiny["models"]["glassmlp"] = {"n_networks": 1, "phases": [{"epochs": 2, "learning_rate": 1.0e-3}]}
    tiny["descriptors"]["sets"] = ["glassmlp-prl"]
    large = {k: copy.deepcopy(tiny[k]) for k in ("mixture", "density", "timestep", "thermostat_damping", "equilibration")}
    large.update(n_particles=400, n_structures=2, descriptors={"sets": ["glassmlp-prl"]}, predict_with={"system": "tiny"},
                 state_points=[{"temperature": 1.0, "tau_alpha": 1.0, "labels": False}])
    config["systems"]["tiny-large"] = large
    return config


@pytest.mark.slow
def test_a_system_without_md_is_predicted_with_another_systems_models(tmp_path):
    config = _predicted_tiny()
    # another mixture: refused before any job, in one line naming the key
    other = copy.deepcopy(config)
    other["systems"]["tiny-large"].update(mixture="kob_andersen_2d_ternary", density=1.19)
    stderr = _refused(tmp_path, "other", other)
    assert "glassdyn: invalid config: systems.tiny-large.predict_with.system: the models of 'tiny' " \
        "are trained on mixture 'kob_andersen_3d', not 'kob_andersen_2d_ternary'" in stderr, stderr[-2000:]

    work = _workdir(tmp_path, config)
    run = _snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    large = work / "results/tiny-large/T1"
    assert not (large / "labels").exists() and not (large / "isoconfigurational").exists()  # no MD dynamics
    predictions = load(large / "predictions/all/glassmlp/propensity.h5", "predictions")
    assert predictions.values.shape == (2, 2, 400) and list(predictions.structures) == [0, 1]
    structure = load(large / "equilibrated/00001.h5", "structure")
    mine = structure.types == 0
    assert np.isfinite(predictions.values[1, 1, mine]).all() and np.isnan(predictions.values[:, 0]).all()
    assert predictions.metadata["model_files"]["1"] == ["results/tiny/T1/models/all/glassmlp/propensity/type0/t001.h5"]
    # heterogeneity of the predictions alone, positions from the structure files
    from glassdyn.analysis.heterogeneity import overlap

    assert {p.stem for p in (large / "heterogeneity").glob("*.tsv")} == {"glassmlp"}
    rows = read_rows(large / "heterogeneity/glassmlp.tsv")
    means = [float(r["value"]) for r in rows if r["quantity"] == "mean_label"]
    first = load(large / "equilibrated/00000.h5", "structure")
    expected = np.mean([overlap(predictions.values[k, 1, s.types == 0]).mean() for k, s in enumerate((first, structure))])
    assert means == pytest.approx([expected], rel=1e-6)
    assert {float(r["time"]) for r in rows} == {0.4} and "chi4" in {r["quantity"] for r in rows}
    # drawn with the training system's: MD at N = 200 beside GlassMLP at N = 200 and 400
    s4 = read_rows(work / "results/figures/glassmlp-prl/fig4a_four_point_structure_factor_tiny.tsv")
    assert {(r["source"], r["system"]) for r in s4} == {("MD", "tiny"), ("glassmlp", "tiny"), ("glassmlp", "tiny-large")}
    assert not (work / "results/figures/glassmlp-prl/fig4a_four_point_structure_factor_tiny-large.pdf").exists()
    # the training system keeps its own: MD and GlassMLP, scored as before
    assert {p.stem for p in (work / "results/tiny/T1/heterogeneity").glob("*.tsv")} == {"MD", "glassmlp"}
    assert not (work / "results/figures/roadmap/si_fig4_snapshots_tiny-large.png").exists()  # no MD to show


def _two_step_tiny():
    """TINY at two temperatures with MD and one without, tGlassMLP trained in two steps (PRB
    Table I in miniature: the state point without MD gets transferred data at both <C_B>)."""
    config = yaml.safe_load(yaml.safe_dump(TINY))
    tiny = config["systems"]["tiny"]
    tiny["descriptors"]["sets"] = ["glassmlp-prl"]
    tiny["models"] = {
        "train": ["tglassmlp"], "labels": ["bond_breaking"], "validation_fraction": 0.5,
        "tglassmlp": {"descriptor_set": "glassmlp-prl", "n_networks": 2,
                      "phases": [{"epochs": 3, "learning_rate": 1.0e-3, "loss": "mse"}],
                      "mean_labels": [0.9, 0.7],
                      # a loose filter: networks this short-trained are never within 1e-4
                      "two_step": {"t_min": 0.8, "tolerance": 1.0, "grid_tolerance": 0.5,
                                   "transferred": [{"temperature": 0.6, "mean_labels": [0.9, 0.7]}]}},
    }
    tiny["heterogeneity"] = {"g4_r_max": 0}
    tiny.update(n_structures=4, split={"train": 2, "test": 2})  # chi_4 needs two test structures
    # <C_B> of type 0 falls to 0.5 within t = 40 at T = 1 (0.74 at t = 10): the superposition's reference
    tiny["state_points"] = [{"temperature": 1.0, "tau_alpha": 1.0, "times": [0.1, 1.0, 10.0, 40.0]},
                            {"temperature": 0.8, "tau_alpha": 1.0, "times": [0.1, 1.0, 10.0]},
                            {"temperature": 0.6, "tau_alpha": 1.0, "labels": False}]
    return config


@pytest.mark.slow
def test_tglassmlp_two_step_predicts_a_state_point_without_md(tmp_path):
    from glassdyn.analysis import TemperatureTimeMap

    config = _two_step_tiny()
    bad = copy.deepcopy(config)  # a transferred value off the grid: refused before any job
    bad["systems"]["tiny"]["models"]["tglassmlp"]["two_step"]["transferred"][0]["mean_labels"] = [0.5]
    stderr = _refused(tmp_path, "bad", bad)
    assert "systems.tiny.models.tglassmlp.two_step.transferred.0.mean_labels: [0.5] are not on the grid" in stderr, \
        stderr[-2000:]

    work = _workdir(tmp_path, config)
    run = _snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    cold = work / "results/tiny/T0.6"
    assert not (cold / "labels").exists()  # no MD there
    model = load_model(work / "results/tiny/models/all/tglassmlp/bond_breaking/type0.h5")
    report = model.info_["two_step"]
    assert set(report["step1"]) == {"T=0.6,C=0.9", "T=0.6,C=0.7"} and report["final_networks"]
    # the MD state points, with their times (t = 0.1 may have C_B = 1 on every particle: left out)
    table = set(map(tuple, model.state_points[:, :2]))
    assert {(0.8, 1.0), (0.8, 10.0), (1.0, 1.0), (1.0, 10.0), (1.0, 40.0)} <= table <= {
        (0.8, 0.1), (0.8, 1.0), (0.8, 10.0), (1.0, 0.1), (1.0, 1.0), (1.0, 10.0), (1.0, 40.0)}
    time_map = TemperatureTimeMap.from_dict(model.info_["time_temperature_superposition"])
    assert set(time_map.taus_) == {1.0, 0.8}
    predictions = load(cold / "predictions/all/tglassmlp/bond_breaking.h5", "predictions")
    np.testing.assert_allclose(predictions.mean_labels, [0.9, 0.7])
    np.testing.assert_allclose(predictions.times, time_map.time(0.6, [0.9, 0.7]))
    assert predictions.metadata["tau_alpha"] == pytest.approx(time_map.tau(0.6))
    n = predictions.values.shape[-1]
    assert predictions.network_values.shape == (2, 2, 2, n) and predictions.bottleneck.shape == (2, 2, n, 2)
    mine = predictions.types[0] == 0
    np.testing.assert_allclose(predictions.network_values[:, 0][..., mine].mean(axis=0), predictions.values[0][:, mine],
                               rtol=1e-5, atol=1e-6)
    assert np.isfinite(predictions.bottleneck[0, :, mine]).all()
    assert predictions.attention_probability.sum(axis=1) == pytest.approx([1.0, 1.0])
    rows = read_rows(cold / "heterogeneity/tglassmlp.tsv")
    chi4 = [r for r in rows if r["quantity"] == "chi4"]
    assert len(chi4) == 2 and all(r["spread"] != "" for r in chi4)  # the spread between the two networks
    xi_int = [float(r["value"]) for r in rows if r["quantity"] == "xi_int"]
    assert xi_int == pytest.approx(predictions.intrinsic_length.tolist(), rel=1e-6)
    # the MD temperatures: scored at their own times, the figure of P_int drawn
    assert (work / "results/tiny/T0.8/evaluation/all/tglassmlp/bond_breaking.tsv").exists()
    assert (work / "results/figures/tglassmlp-prb/fig9_attention_lengths_tiny.png").exists()
    # PRB Figs. 10-11: the bottleneck per particle, one panel per temperature at <C_B> = 0.8
    panels = read_rows(work / "results/figures/tglassmlp-prb/fig11_bottleneck_temperatures_tiny.tsv")
    assert len({r["panel"] for r in panels}) == 3 and len(panels) == 3 * 2 * 160  # 2 test structures x 160 of type 0
    cold_panel = [r for r in panels if r["panel"].startswith("$T = 0.6$")]
    assert sorted(float(r["bottleneck_1"]) for r in cold_panel) == pytest.approx(
        sorted(predictions.bottleneck[:, 0, :, 0][predictions.types == 0].tolist()), rel=1e-6)  # <C_B> = 0.7 is not nearer
    assert (work / "results/figures/tglassmlp-prb/fig10_bottleneck_times_tiny.png").exists()


@pytest.mark.slow
def test_lammps_failure_fails_the_rule_and_leaves_no_output(tmp_path):
    config = yaml.safe_load(yaml.safe_dump(TINY))
    config["systems"]["tiny"]["n_structures"] = 1
    config["systems"]["tiny"]["split"] = {"train": 1, "test": 0}
    config["systems"]["tiny"]["models"] = {"train": []}
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
    # 32 replicas of 500 structures at 4 T; split into jobs of 1 (T = 0.44) and 16 (T = 0.5)
    for rule, jobs in (("equilibrate_structure", 2000), ("run_replica_group", 500 * (32 + 2 + 1 + 1)),
                       ("merge_replicas", 2000), ("quench_inherent_structure", 2000)):
        assert any(line.split()[:2] == [rule, str(jobs)] for line in out.splitlines()), (rule, out[-2000:])
    assert "64000 replica runs" in out


def _lattice(rng, side=6, spacing=1.0):
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3) * spacing
    n = side**3
    types = np.zeros(n, dtype=np.int8)
    types[rng.permutation(n)[: n // 5]] = 1
    return grid + rng.normal(0, 0.03, (n, 3)), types


@pytest.mark.slow
@pytest.mark.system
def test_workflow_starts_from_published_data_sets(tmp_path):
    """BOTAN files feed compute_labels and the quench; GlassBench files bring their own labels."""
    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    (data / "botan").mkdir(parents=True)
    (data / "glassbench").mkdir()
    for k in (1, 2, 10):  # natural order: 1, 2, 10
        x0, types = _lattice(rng)
        pos = x0[None] + rng.normal(0, 0.3, (4, len(x0), 3))
        np.savez(data / "botan" / f"isoconfig_T0.44_{k}.npz", types=types, initial_positions=x0, positions=pos)
        np.savez(
            data / "glassbench" / f"struct_{k}.npz", types=types + 1, initial_positions=x0,
            initial_positions_inherent=x0 + rng.normal(0, 0.01, x0.shape),
            initial_positions_cage=x0 + rng.normal(0, 0.01, x0.shape),
            md_prop=rng.uniform(0, 1, (2, len(x0))), bb_prop=rng.uniform(0, 1, (2, len(x0))),
        )
    config = {
        "seed": 3,
        "systems": {
            "botan": {
                "mixture": "kob_andersen_3d", "potential": "force_shifted", "source": {"format": "botan", "box": 6.0},
                "inherent_structure": {"force_tolerance": 1.0e-6}, "models": {"train": []},
                "state_points": [{"temperature": 0.44, "tau_alpha": 4120, "times": [4120], "files": str(data / "botan" / "*.npz")}],
            },
            "gb": {
                "mixture": "kob_andersen_3d", "source": {"format": "glassbench", "box": 6.0}, "models": {"train": []},
                "state_points": [{"temperature": 0.44, "tau_alpha": 4120, "times": [130, 4120], "files": str(data / "glassbench" / "*.npz")}],
            },
        },
    }
    work = _workdir(tmp_path, config)
    run = _snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "3 structures imported from botan files" in run.stderr
    ens = load(work / "results/botan/T0.44/isoconfigurational/00002.h5", "isoconfigurational")
    raw = np.load(data / "botan" / "isoconfig_T0.44_10.npz")
    np.testing.assert_allclose(ens.positions[:, 0] - ens.initial_positions, raw["positions"] - raw["initial_positions"])
    labels = load(work / "results/botan/T0.44/labels/00002.h5", "labels")
    np.testing.assert_allclose(labels.propensity[0], np.linalg.norm(raw["positions"] - raw["initial_positions"], axis=-1).mean(0))
    assert load(work / "results/botan/T0.44/inherent_structures/00000.h5", "inherent_structure").metadata["max_force"] < 1e-6
    assert load(work / "results/botan/T0.44/dynamics.h5", "dynamics").metadata["n_structures"] == 3
    gb = load(work / "results/gb/T0.44/labels/00002.h5", "labels")
    raw = np.load(data / "glassbench" / "struct_10.npz")
    np.testing.assert_array_equal(gb.bond_breaking, raw["bb_prop"])
    np.testing.assert_array_equal(gb.types, raw["types"] - 1)
    assert load(work / "results/gb/T0.44/cage_states/00001.h5", "cage_state").positions.shape == (216, 3)
    # Nothing was simulated.
    assert not list((work / "logs").rglob("equilibrate_structure")) and not list((work / "logs").rglob("run_isoconfigurational"))
    # Export round trip: our labels in GlassBench layout.
    run = _snakemake(work, "results/botan/T0.44/glassbench/00000.npz")
    assert run.returncode == 0, run.stderr[-3000:]
    with np.load(work / "results/botan/T0.44/glassbench/00000.npz") as out:
        np.testing.assert_allclose(out["md_prop"], load(work / "results/botan/T0.44/labels/00000.h5", "labels").propensity)


@pytest.mark.slow
def test_import_with_no_matching_files_names_the_key(tmp_path):
    config = {"systems": {"b": {"mixture": "kob_andersen_3d", "source": {"format": "botan", "box": 6.0},
                                "state_points": [{"temperature": 0.44, "tau_alpha": 1, "times": [1], "files": "nowhere/*.npz"}]}}}
    run = _snakemake(_workdir(tmp_path, config), "-n")
    assert run.returncode != 0
    assert "systems.b.state_points.0.files: no file matches" in run.stderr
