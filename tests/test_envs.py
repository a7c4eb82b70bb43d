"""envs/*.yaml (for conda users on clusters) must name the same packages as pyproject.toml."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name, where they differ
CONDA_NAME = {"torch": "pytorch", "torch-geometric": "pytorch_geometric", "matplotlib": "matplotlib-base"}  # conda-forge names


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_conda_env_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {CONDA_NAME.get(_name(r), _name(r)) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["test"]}
    for env_file in sorted((ROOT / "envs").glob("*.yaml")):
        env = yaml.safe_load(env_file.read_text())
        names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
        assert names == wanted, f"{env_file.name}: only in env {sorted(names - wanted)}, only in pyproject {sorted(wanted - names)}"
        pins = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
        for req in project["dependencies"]:
            spec = re.sub(r"\[.*?\]", "", req).replace(" ", "").replace(_name(req), CONDA_NAME.get(_name(req), _name(req)), 1)
            conda = CONDA_NAME.get(_name(req), _name(req))
            assert pins[conda].split("#")[0].strip().replace(" ", "") == spec, f"{env_file.name}: {req} pinned differently"
