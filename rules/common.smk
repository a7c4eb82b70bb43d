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
    model="[a-z][A-Za-z0-9_-]*",
    label="propensity|bond_breaking",
    particle_type="[0-9]+",
    time_index="[0-9]{3}",
    training=r"all|n[0-9]+|T[0-9]+(\.[0-9]+)?(e-?[0-9]+)?",


STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/equilibrated/{{structure}}.h5"
ISOCONFIGURATIONAL = f"{RESULTS}/{{system}}/T{{temperature}}/isoconfigurational/{{structure}}.h5"
INHERENT_STRUCTURE = f"{RESULTS}/{{system}}/T{{temperature}}/inherent_structures/{{structure}}.h5"
CAGE_STATE = f"{RESULTS}/{{system}}/T{{temperature}}/cage_states/{{structure}}.h5"
LABELS = f"{RESULTS}/{{system}}/T{{temperature}}/labels/{{structure}}.h5"
DYNAMICS = f"{RESULTS}/{{system}}/T{{temperature}}/dynamics.h5"
DYNAMICS_TABLE = f"{RESULTS}/{{system}}/T{{temperature}}/dynamics.tsv"
DESCRIPTORS = f"{RESULTS}/{{system}}/T{{temperature}}/descriptors/{{descriptor_set}}/{{structure}}.h5"
GLASSBENCH_EXPORT = f"{RESULTS}/{{system}}/T{{temperature}}/glassbench/{{structure}}.npz"
# Models: {training} is "all" (the split's training structures), "n<N>" (learning curve: the
# first N of them) or "T<T'>" (transfer: the "all" models of temperature T' applied at T).
MODEL = f"{RESULTS}/{{system}}/T{{temperature}}/models/{{training}}/{{model}}/{{label}}/type{{particle_type}}/t{{time_index}}.h5"
# Models that take the state point as input (tGlassMLP) span every temperature of a system.
TRANSFERABLE_MODEL = f"{RESULTS}/{{system}}/models/{{training}}/{{model}}/{{label}}/type{{particle_type}}.h5"
PREDICTIONS = f"{RESULTS}/{{system}}/T{{temperature}}/predictions/{{training}}/{{model}}/{{label}}.h5"
EVALUATION = f"{RESULTS}/{{system}}/T{{temperature}}/evaluation/{{training}}/{{model}}/{{label}}.tsv"
MODEL_COMPARISON = f"{RESULTS}/model_comparison.tsv"


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
    """The system's config without analysis settings: changing how labels, descriptors or
    models are computed, or the train/test split, must not make Snakemake rerun the
    simulations (params are a rerun trigger)."""
    return {k: v for k, v in system_config(wildcards).items() if k not in ("labels", "descriptors", "models", "split")}


def labels_config(wildcards):
    """The system's config without descriptor and model settings, for imports, labels and dynamics."""
    return {k: v for k, v in system_config(wildcards).items() if k not in ("descriptors", "models", "split")}


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
    """single_run and swap modes: structure k continues structure k - n_chains (same chain)."""
    eq = system_config(wildcards)["equilibration"]
    index = int(wildcards.structure)
    if eq["mode"] in ("single_run", "swap") and index >= eq["n_chains"]:
        return {"previous": STRUCTURE.format(
            system=wildcards.system, temperature=wildcards.temperature,
            structure=gd.format_structure(index - eq["n_chains"]),
        )}
    return {}


def _state_point_ids(wildcards, temperature=None):
    return dict(system=wildcards.system, temperature=temperature or wildcards.temperature)


def model_config(wildcards):
    """What one model depends on: its options, the split and the label settings (params)."""
    system = system_config(wildcards)
    models = system["models"]
    return {**labels_config(wildcards), "split": system["split"], "descriptors": {"sets": system["descriptors"]["sets"]},
            "models": {k: v for k, v in models.items() if k in ("validation_fraction", "time_indices", wildcards.model)}}


def transferable_model_config(wildcards):
    """What a model over all temperatures depends on (no temperature wildcard)."""
    system = system_config(wildcards)
    return {**labels_config(wildcards), "split": system["split"], "descriptors": {"sets": system["descriptors"]["sets"]},
            "models": {k: v for k, v in system["models"].items() if k in ("validation_fraction", "time_indices", wildcards.model)}}


def _files(kind, wildcards, indices, descriptor_set=None):
    ids = _state_point_ids(wildcards)
    if kind == "labels":
        return [LABELS.format(structure=gd.format_structure(i), **ids) for i in indices]
    return [DESCRIPTORS.format(structure=gd.format_structure(i), descriptor_set=descriptor_set, **ids) for i in indices]


def model_descriptor_set(wildcards):
    from glassdyn.models.recipes import get_recipe

    return get_recipe(wildcards.model).descriptor_set_for(system_config(wildcards)["models"].get(wildcards.model))


def model_training_data(wildcards):
    """Descriptor and label files of the training and validation structures of one model."""
    split = gd.model_structures(system_config(wildcards), wildcards.temperature, wildcards.training)
    dset = model_descriptor_set(wildcards)
    return {
        "train_descriptors": _files("descriptors", wildcards, split["train"], dset),
        "train_labels": _files("labels", wildcards, split["train"]),
        "validation_descriptors": _files("descriptors", wildcards, split["validation"], dset),
        "validation_labels": _files("labels", wildcards, split["validation"]),
    }


def transferable_training_data(wildcards):
    """Training and validation files of every temperature (tGlassMLP)."""
    system = system_config(wildcards)
    dset = model_descriptor_set(wildcards)
    out = {"train_descriptors": [], "train_labels": [], "validation_descriptors": [], "validation_labels": []}
    for sp in system["state_points"]:
        t = gd.format_temperature(sp["temperature"])
        ids = dict(system=wildcards.system, temperature=t)
        split = gd.model_structures(system, t, wildcards.training)
        for part in ("train", "validation"):
            structures = [gd.format_structure(i) for i in split[part]]
            out[f"{part}_descriptors"] += [DESCRIPTORS.format(structure=s, descriptor_set=dset, **ids) for s in structures]
            out[f"{part}_labels"] += [LABELS.format(structure=s, **ids) for s in structures]
    return out


def model_files(wildcards):
    """{target time index: [model file per particle type]} behind one predictions file."""
    from glassdyn.models.recipes import get_recipe

    system = system_config(wildcards)
    training, source = wildcards.training, wildcards.temperature
    if not get_recipe(wildcards.model).per_time:
        return {
            t: [TRANSFERABLE_MODEL.format(system=wildcards.system, training=training, model=wildcards.model,
                                          label=wildcards.label, particle_type=k)
                for k in system["models"]["particle_types"]]
            for t in gd.model_time_indices(system, wildcards.temperature)
        }
    if training.startswith("n"):
        chosen = system["models"]["studies"]["learning_curve"].get("time_indices")
        time_map = {t: t for t in (chosen or gd.model_time_indices(system, wildcards.temperature))}
    elif training.startswith("T"):
        source, training = training[1:], "all"
        time_map = gd.transfer_time_map(system, wildcards.temperature, source)
    else:
        time_map = {t: t for t in gd.model_time_indices(system, wildcards.temperature)}
    return {
        t: [MODEL.format(system=wildcards.system, temperature=source, training=training, model=wildcards.model,
                         label=wildcards.label, particle_type=k, time_index=f"{s:03d}")
            for k in system["models"]["particle_types"]]
        for t, s in time_map.items()
    }


def model_file_list(wildcards):
    return [f for files in model_files(wildcards).values() for f in files]


def test_structures(wildcards):
    return gd.model_structures(system_config(wildcards), wildcards.temperature)["test"]


def test_descriptors(wildcards):
    return _files("descriptors", wildcards, test_structures(wildcards), model_descriptor_set(wildcards))


def test_labels(wildcards):
    return _files("labels", wildcards, test_structures(wildcards))


def evaluation_targets():
    """Every evaluation table: all models x T x label (+ learning curves and transfers)."""
    targets = []
    for name, system in config["systems"].items():
        if not system["models"]["train"]:
            continue
        models = gd.model_names(system)
        studies = system["models"]["studies"]
        temperatures = [gd.format_temperature(sp["temperature"]) for sp in system["state_points"]]
        for temperature in temperatures:
            trainings = [(m, "all") for m in models]
            if "learning_curve" in studies:
                lc = studies["learning_curve"]
                for m in gd.model_names(system, lc["models"]):
                    trainings += [(m, f"n{n}") for n in lc["training_sizes"]]
            if "transfer" in studies:
                trainings += [(m, f"T{source}") for m in gd.model_names(system, studies["transfer"]["models"])
                              for source in temperatures if source != temperature]
            for model, training in trainings:
                for label in system["models"]["labels"]:
                    targets.append(EVALUATION.format(system=name, temperature=temperature, training=training,
                                                     model=model, label=label))
    return targets


def comparison_dynamics():
    """{(system, T): dynamics file} of every system with models."""
    out = {}
    for name, system in config["systems"].items():
        if system["models"]["train"]:
            for sp in system["state_points"]:
                t = gd.format_temperature(sp["temperature"])
                out[(name, t)] = DYNAMICS.format(system=name, temperature=t)
    return out


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
    evaluations = evaluation_targets()
    if evaluations:
        targets += evaluations + [MODEL_COMPARISON]
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
        eq = system["equilibration"]
        chains = f" in {eq['n_chains']} chain(s) per temperature" if eq["mode"] in ("single_run", "swap") else ""
        lines.append(
            f"glassdyn plan: {name}: {n_t} temperatures x {n_s} structures = {n_t * n_s} structures "
            f"(equilibration: {eq['mode']}{chains}), {n_t * n_s * n_r} replica runs ({n_r} per isoconfigurational job)"
        )
    return "\n".join(lines)


print(_plan_summary(), file=sys.stderr)
