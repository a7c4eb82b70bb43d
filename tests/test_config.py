import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassdyn.config import ConfigError, load_config, time_grid, validate_config
from glassdyn.systems import get_mixture

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo():
    return yaml.safe_load((ROOT / "config/config.yaml").read_text())


def test_default_and_presets_are_valid():
    cfg = load_config(ROOT / "config/config.yaml")
    assert cfg["systems"]["ka3d"]["isoconfigurational"]["n_replicas"] == 8
    for preset in sorted((ROOT / "config/presets").glob("*.yaml")):
        load_config(preset)


def test_roadmap_preset_encodes_botan_protocol():
    ka = load_config(ROOT / "config/presets/roadmap-ka3d.yaml")["systems"]["ka3d"]
    assert (ka["n_particles"], ka["density"], ka["timestep"]) == (4096, 1.2, 0.001)
    assert ka["n_structures"] == 500 and ka["split"] == {"train": 400, "test": 100}
    assert ka["isoconfigurational"] == {"n_replicas": 32, "ensemble": "nve", "exact_temperature": True}
    assert [sp["temperature"] for sp in ka["state_points"]] == [0.44, 0.50, 0.56, 0.64]
    t044 = ka["state_points"][0]
    assert t044["tau_alpha"] == 4120 and t044["times"][6] == 4120 and t044["times"][3] == 130
    steps, times = time_grid(t044, ka["timestep"])
    assert steps[0] == 130 and steps[-1] == 130_000_000


def test_ka2d_presets_encode_the_prl_protocol():
    for preset, n_structures, temperatures in (("glassmlp-prl", 300, [0.4, 0.3, 0.23]), ("roadmap-ka2d", 1800, [0.3, 0.23])):
        ka2d = load_config(ROOT / f"config/presets/{preset}.yaml")["systems"]["ka2d"]
        assert (ka2d["mixture"], ka2d["potential"], ka2d["n_particles"], ka2d["timestep"]) == (
            "kob_andersen_2d_ternary", "polynomial", 1290, 0.01)
        assert get_mixture(ka2d["mixture"]).box_length(1290, ka2d["density"]) == pytest.approx(32.896, abs=1e-9)
        eq = ka2d["equilibration"]
        assert eq["mode"] == "swap" and eq["sample_interval_tau_alpha"] == 5.0
        assert eq["swap"]["n_md"] == 10 and eq["swap"]["attempts_per_phase"] == 2100
        assert eq["swap"]["wavenumber"] == pytest.approx(64 * np.pi / 32.896)
        assert ka2d["isoconfigurational"]["n_replicas"] == 20 and ka2d["n_structures"] == n_structures
        assert [sp["temperature"] for sp in ka2d["state_points"]] == temperatures
        assert ka2d["inherent_structure"]["min_style"] == "steepest_descent" and ka2d["inherent_structure"]["step_size"] == 0.001
    prl = load_config(ROOT / "config/presets/glassmlp-prl.yaml")["systems"]["ka2d"]
    assert prl["split"] == {"train": 200, "test": 100} and prl["models"]["validation_fraction"] == 0.5
    assert [sp["tau_alpha"] for sp in prl["state_points"]] == [1.7e3, 3.4e4, 4.0e6]  # PRL tau_alpha^BB
    assert load_config(ROOT / "config/presets/roadmap-ka2d.yaml")["systems"]["ka2d"]["split"]["train"] == 1500


def test_swap_mode_scales_attempts_per_phase_with_the_system_size(demo):
    demo["systems"]["ka3d"]["equilibration"]["mode"] = "swap"  # KA 3D has equal masses: allowed
    cfg = validate_config(demo)["systems"]
    assert cfg["ka2d"]["equilibration"]["swap"]["attempts_per_phase"] == round(2100 * 300 / 1290)
    assert cfg["ka3d"]["equilibration"]["swap"]["attempts_per_phase"] == round(2100 * 500 / 1290)


def test_defaults_are_filled(demo):
    del demo["systems"]["ka3d"]["inherent_structure"]
    cfg = validate_config(demo)
    assert cfg["systems"]["ka3d"]["inherent_structure"]["min_style"] == "fire"
    assert cfg["seed"] == 2026


def _error(cfg) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    return info.value


@pytest.mark.parametrize(
    "mutate,key,text",
    [
        (lambda c: c["systems"]["ka3d"]["isoconfigurational"].update(n_replicas=-1), "systems.ka3d.isoconfigurational.n_replicas", "minimum"),
        (lambda c: c["systems"]["ka3d"].update(split={"train": 5, "test": 5}), "systems.ka3d.split", "exceeds n_structures"),
        (lambda c: c["systems"]["ka3d"].update(mixture="argon"), "systems.ka3d.mixture", "is not one of"),
        (lambda c: c["systems"]["ka3d"]["isoconfigurational"].update(n_replica=3), "systems.ka3d.isoconfigurational.n_replica", "did you mean 'n_replicas'"),
        (lambda c: c["systems"]["ka3d"].update(density="dense"), "systems.ka3d.density", "not of type 'number'"),
        (lambda c: c["systems"]["ka3d"].pop("timestep"), "systems.ka3d.timestep", "required key is missing"),
        (lambda c: c["systems"]["ka3d"]["state_points"][0].update(times=[1.0, 0.5]), "systems.ka3d.state_points.0.times", "strictly increasing"),
        (lambda c: c["systems"]["ka3d"]["state_points"][0].update(times=[0.001, 0.002]), "systems.ka3d.state_points.0.times", "shorter than one time step"),
        (lambda c: c["systems"]["ka3d"]["state_points"][0].update(times=[0.1, 0.101]), "systems.ka3d.state_points.0.times", "same MD step"),
        (lambda c: c["systems"]["ka3d"].update(n_particles=50), "systems.ka3d.n_particles", "twice the largest cutoff"),
        (lambda c: c.update(threads=4), "threads", "unknown key"),
    ],
)
def test_bad_config_names_the_key(demo, mutate, key, text):
    cfg = copy.deepcopy(demo)
    mutate(cfg)
    err = _error(cfg)
    assert err.key == key
    assert text in str(err)
    assert str(err).count("\n") == 0


def test_log_spaced_time_grid(demo):
    sp = {"temperature": 0.5, "tau_alpha": 1.0, "times": {"log_spaced": {"start": 0.1, "stop": 100.0, "num": 4}}}
    steps, times = time_grid(sp, 0.001)
    assert steps.tolist() == [100, 1000, 10000, 100000]
    np.testing.assert_allclose(times, [0.1, 1, 10, 100])
    demo["systems"]["ka3d"]["state_points"] = [sp]
    with pytest.raises(ConfigError, match="beyond the 4 times"):  # the demo models time index 5
        validate_config(demo)
    del demo["systems"]["ka3d"]["models"]["time_indices"]
    validate_config(demo)


def test_empty_config():
    assert "empty configuration" in str(_error({}))


def _large_ka2d(demo, **changes):
    """The demo plus a KA2D system 8x larger, predicted with the demo KA2D's models."""
    big = {k: copy.deepcopy(v) for k, v in demo["systems"]["ka2d"].items() if k not in ("isoconfigurational", "models", "split")}
    big.update(n_particles=2400, predict_with={"system": "ka2d"},
               state_points=[{"temperature": 0.6, "tau_alpha": 200.0, "labels": False}])
    big.update(changes)
    demo["systems"]["ka2d-large"] = big
    return demo


def test_predict_with_takes_the_training_systems_models_and_times(demo):
    cfg = validate_config(_large_ka2d(demo))["systems"]
    large, small = cfg["ka2d-large"], cfg["ka2d"]
    assert large["models"]["train"] == ["glassmlp", "glassmlp-ridge"]  # the baselines left out
    assert large["models"]["labels"] == small["models"]["labels"] and large["models"]["studies"] == {}
    sp = large["state_points"][0]
    assert sp["trained_at"] == 0.6 and sp["times"] == pytest.approx(list(time_grid(small["state_points"][0], 0.01)[1]))
    assert large["split"] == {"train": 0, "test": 6}  # every structure predicted


@pytest.mark.parametrize("changes,key,text", [
    ({"mixture": "kob_andersen_3d", "potential": "force_shifted", "density": 1.2}, "systems.ka2d-large.predict_with.system",
     "trained on mixture 'kob_andersen_2d_ternary', not 'kob_andersen_3d'"),
    ({"predict_with": {"system": "ka2d-big"}}, "systems.ka2d-large.predict_with.system", "no other system 'ka2d-big'"),
    ({"predict_with": {"system": "ka2d", "models": ["botan"]}}, "systems.ka2d-large.predict_with.models", "['botan']"),
    ({"state_points": [{"temperature": 0.5, "tau_alpha": 900.0, "labels": False}]},
     "systems.ka2d-large.state_points.0.trained_at", "no state point at T = 0.5"),
    ({"state_points": [{"temperature": 0.6, "tau_alpha": 200.0, "labels": False, "times": [1.0, 2.0]}]},
     "systems.ka2d-large.state_points.0.times", "leave times out or give those"),
    ({"models": {"train": ["glassmlp"]}}, "systems.ka2d-large.models", "choose models with predict_with.models"),
    ({"predict_with": None, "split": None}, "systems.ka2d-large.state_points", "needs predict_with"),
])
def test_predict_with_refuses_what_the_models_cannot_predict(demo, changes, key, text):
    cfg = _large_ka2d(demo, **changes)
    for k in [k for k, v in changes.items() if v is None]:
        del cfg["systems"]["ka2d-large"][k]
    err = _error(cfg)
    assert err.key == key and text in str(err) and str(err).count("\n") == 0, str(err)


def _two_step(demo, **changes):
    """The demo's KA2D with tGlassMLP on bond breaking in two steps, a state point without MD
    (PRB Table I in miniature)."""
    ka2d = demo["systems"]["ka2d"]
    ka2d["models"]["train"] = ["tglassmlp"]
    ka2d["models"]["labels"] = ["bond_breaking"]
    ka2d["models"].pop("time_indices", None)
    ka2d["models"]["tglassmlp"] = {"descriptor_set": "glassmlp-prl", "mean_labels": [0.9, 0.5],
                                   "two_step": {"t_min": 0.6, "transferred": [{"temperature": 0.5, "mean_labels": [0.9]}]}}
    ka2d["state_points"].append({"temperature": 0.5, "tau_alpha": 900.0, "labels": False})
    for key, value in changes.items():
        path = key.split(".")
        node = ka2d["models"]["tglassmlp"] if path[0] == "tglassmlp" else ka2d
        path = path[1:] if path[0] == "tglassmlp" else path
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return demo


def test_two_step_tglassmlp_with_a_state_point_without_md(demo):
    system = validate_config(_two_step(demo))["systems"]["ka2d"]
    assert system["models"]["tglassmlp"]["two_step"]["tolerance"] == 1e-4  # the PRB's filter by default
    assert "times" not in system["state_points"][-1]


@pytest.mark.parametrize("changes,key,text", [
    ({"tglassmlp.two_step.t_min": 0.7}, "systems.ka2d.models.tglassmlp.two_step.t_min", "no state point with labels at T >= 0.7"),
    ({"tglassmlp.two_step.transferred": [{"temperature": 0.4, "mean_labels": [0.9]}]},
     "systems.ka2d.models.tglassmlp.two_step.transferred.0.temperature", "no state point at T = 0.4"),
    ({"tglassmlp.two_step.transferred": [{"temperature": 0.5, "mean_labels": [0.7]}]},
     "systems.ka2d.models.tglassmlp.two_step.transferred.0.mean_labels", "[0.7] are not on the grid"),
    ({"tglassmlp.mean_labels": None}, "systems.ka2d.state_points.1.mean_labels", "give mean_labels here"),
    ({"models.labels": ["propensity"]}, "systems.ka2d.models.tglassmlp.labels", "set labels: [bond_breaking]"),
    ({"models.train": ["glassmlp"]}, "systems.ka2d.state_points", "needs predict_with or tglassmlp"),
])
def test_two_step_refuses_a_plan_the_state_points_cannot_carry(demo, changes, key, text):
    cfg = _two_step(demo, **changes)
    tglassmlp = cfg["systems"]["ka2d"]["models"]["tglassmlp"]
    if tglassmlp.get("mean_labels", 0) is None:
        del tglassmlp["mean_labels"], tglassmlp["two_step"]
    err = _error(cfg)
    assert err.key == key and text in str(err) and str(err).count("\n") == 0, str(err)
