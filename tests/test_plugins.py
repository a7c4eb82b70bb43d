"""The README's plug-in example (a descriptor set and a model of a user's module) goes through the workflow."""

import copy
import re
import subprocess
import sys

import numpy as np
import pytest
import yaml

from glassdyn.config import ConfigError, validate_config
from glassdyn.models.evaluation import read_table
from test_workflow import ROOT, TINY, _snakemake, _workdir


def readme_example():
    """(plug-in module source, config snippet) as printed in the README's plug-in section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Your own descriptors and models (plug-ins)", 1)[1].split("\n## ", 1)[0]
    python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    config = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
    return python, config


def example_config():
    _, snippet = readme_example()
    config = copy.deepcopy(TINY)
    config["plugins"] = snippet["plugins"]
    system, example = config["systems"]["tiny"], snippet["systems"]["ka3d"]
    system["descriptors"] = example["descriptors"]
    system["models"].update(example["models"])
    return config


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    python, snippet = readme_example()
    (tmp_path / f"{snippet['plugins'][0]}.py").write_text(python)
    monkeypatch.chdir(tmp_path)  # the working directory is searched for plug-ins
    yield snippet["plugins"][0]
    from glassdyn.descriptors.sets import DESCRIPTOR_SETS
    from glassdyn.models.base import MODEL_CLASSES
    from glassdyn.models.recipes import RECIPES

    DESCRIPTOR_SETS.pop("neighbour-counts", None)
    MODEL_CLASSES.pop("least-squares", None)
    RECIPES.pop("least-squares", None)
    sys.modules.pop(snippet["plugins"][0], None)


def test_registered_names_are_allowed_only_with_their_plugin(plugin_module):
    config = example_config()
    without = copy.deepcopy({k: v for k, v in config.items() if k != "plugins"})
    with pytest.raises(ConfigError, match="systems.tiny.models.*least-squares.*list its module under plugins"):
        validate_config(copy.deepcopy(without))
    without["systems"]["tiny"]["models"] = {"train": ["glassmlp"]}
    with pytest.raises(ConfigError, match="descriptors.sets.1: 'neighbour-counts' is not one of.*plugins"):
        validate_config(copy.deepcopy(without))
    system = validate_config(config)["systems"]["tiny"]
    assert system["models"]["least-squares"] == {"alpha": 1.0e-6}
    with pytest.raises(ConfigError, match=r"plugins.0: cannot import 'no_such_plugin': ModuleNotFoundError"):
        validate_config({**config, "plugins": ["no_such_plugin"]})


def test_the_plugin_descriptor_and_model_compute_and_fit(plugin_module):
    from glassdyn.descriptors.sets import compute_descriptor_set
    from glassdyn.io import InherentStructure
    from glassdyn.models.recipes import build_model
    from glassdyn.systems import get_mixture

    validate_config(example_config())  # imports the plug-in
    rng = np.random.default_rng(0)
    grid = np.stack(np.meshgrid(*[np.arange(5.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 1.2
    types = (rng.uniform(size=len(grid)) < 0.2).astype(np.int8)
    inherent = InherentStructure(positions=grid + rng.normal(0, 0.02, grid.shape), types=types, box=np.full(3, 6.0),
                                 particle_energies=np.zeros(len(grid)))
    record = compute_descriptor_set("neighbour-counts", {"inherent_structure": inherent}, get_mixture("kob_andersen_3d"))
    assert list(record.names) == ["neighbours_type0", "neighbours_type1"]
    np.testing.assert_array_equal(record.values.sum(axis=1), 6)  # simple cubic lattice: 6 neighbours within 1.5
    model = build_model("least-squares", {"alpha": 1e-6})
    assert model.alpha == 1e-6


@pytest.mark.slow
@pytest.mark.system
def test_plugin_example_runs_through_the_workflow(tmp_path):
    python, snippet = readme_example()
    work = _workdir(tmp_path, example_config())
    (work / f"{snippet['plugins'][0]}.py").write_text(python)
    run = _snakemake(work, "results/model_comparison.tsv")  # the figures are the tiny workflow's to test
    assert run.returncode == 0, run.stderr[-3000:]
    base = work / "results/tiny/T1"
    assert (base / "descriptors/neighbour-counts/00002.h5").exists()
    table = read_table(work / "results/model_comparison.tsv")
    rows = [r for r in table if r["model"] == "least-squares" and r["metric"] == "pearson"]
    assert rows and all(np.isfinite(float(r["mean"])) for r in rows)
    # The saved model loads wherever the plug-in is importable, with what it was trained on.
    code = ("import sys; sys.path.insert(0, '.'); import my_glass_plugins; from glassdyn.models import load_model; "
            "m = load_model('results/tiny/T1/models/all/least-squares/propensity/type0/t001.h5'); "
            "print(m.KIND, m.descriptor_set_, *map(str, m.columns_), m.alpha)")
    out = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["least-squares", "neighbour-counts", "neighbours_type0", "neighbours_type1",
                                  "1e-06"]
