# Configuration, wildcard constraints, paths and input functions shared by all rules.

import re
import sys

from glassdyn.config import ConfigError, validate_config
from glassdyn import workflow as gd
from glassdyn.descriptors.sets import DESCRIPTOR_SETS

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
    descriptor_set="|".join(re.escape(n) for n in DESCRIPTOR_SETS),


STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/equilibrated/{{structure}}.h5"
ISOCONFIGURATIONAL = f"{RESULTS}/{{system}}/T{{temperature}}/isoconfigurational/{{structure}}.h5"
INHERENT_STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/inherent_structures/{{structure}}.h5"
CAGE_STATE = f"{RESULTS}/{{system}}/T{{temperature}}/cage_states/{{structure}}.h5"
LABELS = f"{RESULTS}/{{system}}/T{{temperature}}/labels/{{structure}}.h5"
DYNAMICS = f"{RESULTS}/{{system}}/T{{temperature}}/dynamics.h5"
DYNAMICS_TABLE = f"{RESULTS}/{{system}}/T{{temperature}}/dynamics.tsv"
DESCRIPTORS = f"{RESULTS}/{{system}}/T{{temperature}}/descriptors/{{descriptor_set}}/{{structure}}.h5"
GLASSBENCH_EXPORT = f"{RESULTS}/{{system}}/T{{temperature}}/glassbench/{{structure}}.npz"


def systems_where(predicate):
    """Wildcard regex matching exactly the systems for which predicate(system config) holds."""
    names = [re.escape(n) for n, s in config["systems"].items() if predicate(s)]
    return "|".join(names) if names else "(?!)"  # (?!) matches nothing


# Which rule makes a file depends on where the system's data come from; each rule is
# constrained to its systems so that no two rules can make the same file.
SIMULATED = systems_where(lambda s: gd.source_format(s) is None)
IMPORTED_TRAJECTORIES = systems_where(lambda s: gd.source_format(s) in ("botan", "deepmind"))
IMPORTED_LABELS = systems_where(lambda s: gd.source_format(s) == "glassbench")
WITH_TRAJECTORIES = systems_where(lambda s: gd.source_format(s) != "glassbench")


def log_path(rule, suffix="log"):
    return f"logs/{{system}}/T{{temperature}}/{rule}/{{structure}}.{suffix}"


def descriptor_log_path(rule):
    return f"logs/{{system}}/T{{temperature}}/{rule}/{{descriptor_set}}/{{structure}}.log"


def benchmark_path(rule):
    return f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/{rule}/{{structure}}.tsv"


def state_point_log_path(rule):
    return f"logs/{{system}}/T{{temperature}}/{rule}.log"


def system_config(wildcards):
    return config["systems"][wildcards.system]


def simulation_config(wildcards):
    """The system's config without analysis settings: changing how labels or descriptors are
    computed must not make Snakemake rerun the simulations (params are a rerun trigger)."""
    return {k: v for k, v in system_config(wildcards).items() if k not in ("labels", "descriptors")}


def labels_config(wildcards):
    """The system's config without descriptor settings, for imports, labels and dynamics."""
    return {k: v for k, v in system_config(wildcards).items() if k != "descriptors"}


def cage_state_config(wildcards):
    """What a cage-state Monte Carlo depends on (not the list of descriptor sets)."""
    system = system_config(wildcards)
    return {"mixture": system["mixture"], "potential": system["potential"], "state_points": system["state_points"],
            "descriptors": {"cage_state": system["descriptors"]["cage_state"]}}


def descriptor_config(wildcards):
    """What a descriptor set depends on: the mixture and its potential."""
    system = system_config(wildcards)
    return {"mixture": system["mixture"], "potential": system["potential"]}


def descriptor_states(wildcards):
    """The state files (structure, inherent structure, cage state) the descriptor set needs."""
    paths = {"structure": STRUCTURE, "inherent_structure": INHERENT_STRUCTURE, "cage_state": CAGE_STATE}
    ids = dict(system=wildcards.system, temperature=wildcards.temperature, structure=wildcards.structure)
    return {s: paths[s].format(**ids) for s in DESCRIPTOR_SETS[wildcards.descriptor_set].states}


def state_point_labels(wildcards):
    """All label files of one system and temperature, for summarize_dynamics."""
    system = system_config(wildcards)
    sp = gd.state_point(system, wildcards.temperature)
    return [
        LABELS.format(system=wildcards.system, temperature=wildcards.temperature, structure=gd.format_structure(i))
        for i in range(gd.n_structures(system, sp))
    ]


def source_data_file(wildcards):
    return gd.source_file(system_config(wildcards), wildcards.temperature, wildcards.structure)


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
        targets += [LABELS.format(**ids), INHERENT_STRUCTURE.format(**ids)]
        for name in config["systems"][system]["descriptors"]["sets"]:
            targets.append(DESCRIPTORS.format(descriptor_set=name, **ids))
    for name, system in config["systems"].items():
        for sp in system["state_points"]:
            ids = dict(system=name, temperature=gd.format_temperature(sp["temperature"]))
            targets += [DYNAMICS.format(**ids), DYNAMICS_TABLE.format(**ids)]
    return targets


def _plan_summary():
    lines = []
    for name, system in config["systems"].items():
        n_t = len(system["state_points"])
        if gd.source_format(system):
            n_s = sum(gd.n_structures(system, sp) for sp in system["state_points"])
            lines.append(f"glassdyn plan: {name}: {n_t} temperatures, {n_s} structures imported from {gd.source_format(system)} files")
            continue
        n_s = system["n_structures"]
        n_r = system["isoconfigurational"]["n_replicas"]
        lines.append(
            f"glassdyn plan: {name}: {n_t} temperatures x {n_s} structures = {n_t * n_s} structures, "
            f"{n_t * n_s * n_r} replica runs ({n_r} per isoconfigurational job)"
        )
    return "\n".join(lines)


print(_plan_summary(), file=sys.stderr)
