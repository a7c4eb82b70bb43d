# Configuration, wildcard constraints, paths and input functions shared by all rules.

import sys

from glassdyn.config import ConfigError, validate_config
from glassdyn import workflow as gd

try:
    config = validate_config(config)
except ConfigError as exc:
    # One clear line naming the key, before any job runs.
    sys.exit(f"glassdyn: {exc}")

RESULTS = config["results"]
SEED = config["seed"]


wildcard_constraints:
    system="[A-Za-z][A-Za-z0-9_-]*",
    temperature=r"[0-9]+(\.[0-9]+)?(e-?[0-9]+)?",
    structure="[0-9]{%d}" % gd.STRUCTURE_DIGITS,


STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/equilibrated/{{structure}}.h5"
ISOCONFIGURATIONAL = f"{RESULTS}/{{system}}/T{{temperature}}/isoconfigurational/{{structure}}.h5"
INHERENT_STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/inherent_structures/{{structure}}.h5"


def log_path(rule, suffix="log"):
    return f"logs/{{system}}/T{{temperature}}/{rule}/{{structure}}.{suffix}"


def benchmark_path(rule):
    return f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/{rule}/{{structure}}.tsv"


def system_config(wildcards):
    return config["systems"][wildcards.system]


def previous_structure(wildcards):
    """single_run mode: structure k continues structure k-1 of the same long trajectory."""
    system = system_config(wildcards)
    index = int(wildcards.structure)
    if system["equilibration"]["mode"] == "single_run" and index > 0:
        return {"previous": STRUCTURE.format(
            system=wildcards.system, temperature=wildcards.temperature, structure=gd.format_structure(index - 1)
        )}
    return {}


def all_targets():
    targets = []
    for system, temperature, structure in gd.structures(config):
        ids = dict(system=system, temperature=temperature, structure=structure)
        targets += [ISOCONFIGURATIONAL.format(**ids), INHERENT_STRUCTURE.format(**ids)]
    return targets


def _plan_summary():
    lines = []
    for name, system in config["systems"].items():
        n_t = len(system["state_points"])
        n_s = system["n_structures"]
        n_r = system["isoconfigurational"]["n_replicas"]
        lines.append(
            f"glassdyn plan: {name}: {n_t} temperatures x {n_s} structures = {n_t * n_s} structures, "
            f"{n_t * n_s * n_r} replica runs ({n_r} per isoconfigurational job)"
        )
    return "\n".join(lines)


print(_plan_summary(), file=sys.stderr)
