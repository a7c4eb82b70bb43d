import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from glassdyn.config import ConfigError, load_config, time_grid, validate_config

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
