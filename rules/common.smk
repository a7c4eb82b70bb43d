# Configuration, wildcard constraints, paths and input functions shared by all rules.
#
# Planning lives in the library (glassdyn.workflow.planning); this file only binds it to
# Snakemake. Every rule's `params: config=` is the stage config of its job: exactly what the
# job reads, for its own state point, so an edit reruns only the stages that read it.

import re
import sys

from glassdyn.config import ConfigError
from glassdyn.workflow import planning, reporting, resources

try:
    # Imports the config's plug-in modules, checks every key against the schema and the
    # registries, and plans every system (splits, pretraining, targets).
    config, PLANS = planning.plan_workflow(config, CONFIG_FILES)
except ConfigError as exc:
    # One clear line naming the key (and its file and line), before any job runs.
    sys.exit(f"glassdyn: {exc}")

from glassdyn.descriptors.sets import DESCRIPTOR_SETS  # after the plug-ins have registered theirs

RESULTS = config["results"]
SEED = config["seed"]
LAYOUT = planning.Layout(RESULTS)
PLANS_BY_CONFIG = {id(plan.system): plan for plan in PLANS.values()}


wildcard_constraints:
    system="[A-Za-z][A-Za-z0-9_-]*",
    temperature=r"[0-9]+(\.[0-9]+)?(e-?[0-9]+)?",
    structure="[0-9]{%d}" % planning.STRUCTURE_DIGITS,
    descriptor_set="|".join(re.escape(n) for n in DESCRIPTOR_SETS),
    model="[a-z][A-Za-z0-9_-]*",
    label="|".join(planning.LABEL_KINDS),
    particle_type="[0-9]+|all",
    time_index="[0-9]{3}|all",
    training=r"all|n[0-9]+|T[0-9]+(\.[0-9]+)?(e-?[0-9]+)?",
    kind="|".join(["labels", "structures", "inherent_structures", *(re.escape(n) for n in DESCRIPTOR_SETS)]),
    first="[0-9]{%d}" % planning.STRUCTURE_DIGITS,
    last="[0-9]{%d}" % planning.STRUCTURE_DIGITS,
    paper="|".join(re.escape(p) for p in reporting.PAPERS),
    score_figure="|".join(f.name for f in reporting.FIGURES if f.family == "scores"),
    state_figure="|".join(f.name for f in reporting.FIGURES if f.family == "state_point"),
    dynamics_figure="|".join(f.name for f in reporting.FIGURES if f.family == "dynamics"),
    training_figure="|".join(f.name for f in reporting.FIGURES if f.family == "training"),
    heterogeneity_figure="|".join(f.name for f in reporting.FIGURES if f.family == "heterogeneity"),
    bottleneck_figure="|".join(f.name for f in reporting.FIGURES if f.family == "bottleneck"),
    group="[0-9]{3}",
    source="MD|[a-z][A-Za-z0-9_-]*",


STRUCTURE = LAYOUT.structure
ISOCONFIGURATIONAL = LAYOUT.isoconfigurational
REPLICA_GROUP = LAYOUT.replica_group
INHERENT_STRUCTURE = LAYOUT.inherent_structure
CAGE_STATE = LAYOUT.cage_state
LABELS = LAYOUT.labels
DYNAMICS = LAYOUT.dynamics
DYNAMICS_TABLE = LAYOUT.dynamics_table
HETEROGENEITY = LAYOUT.heterogeneity
DESCRIPTORS = LAYOUT.descriptors
GLASSBENCH_EXPORT = LAYOUT.glassbench_export
MODEL = LAYOUT.model
TRANSFERABLE_MODEL = LAYOUT.transferable_model
PRETRAINED_MODEL = LAYOUT.pretrained_model
PREDICTIONS = LAYOUT.predictions
EVALUATION = LAYOUT.evaluation
MODEL_COMPARISON = LAYOUT.model_comparison
STRUCTURE_LIST = LAYOUT.structure_list
STAGE_SCRIPT = "../scripts/run_stage.py"
# every job's software, for --sdm conda (cluster users; README "Running on a cluster")
CONDA_ENV = "../envs/glassdyn.yaml"
SCORE_FIGURE = f"{RESULTS}/figures/{{paper}}/{{score_figure}}"
STATE_POINT_FIGURE = f"{RESULTS}/figures/{{paper}}/{{state_figure}}_{{system}}"
DYNAMICS_FIGURE = f"{RESULTS}/figures/{{paper}}/{{dynamics_figure}}_{{system}}"
TRAINING_FIGURE = f"{RESULTS}/figures/{{paper}}/{{training_figure}}_{{system}}"
HETEROGENEITY_FIGURE = f"{RESULTS}/figures/{{paper}}/{{heterogeneity_figure}}_{{system}}"
BOTTLENECK_FIGURE = f"{RESULTS}/figures/{{paper}}/{{bottleneck_figure}}_{{system}}"
# Threads, memory, run time and GPUs of every job, from the science (glassdyn.workflow.resources:
# a measured cost model, one cached estimate per rule and state point).
RESOURCES = resources.Resources(PLANS)


def systems_where(predicate):
    """Wildcard regex matching exactly the systems for which predicate(system config) holds."""
    names = [re.escape(n) for n, s in config["systems"].items() if predicate(s)]
    return "|".join(names) if names else "(?!)"  # (?!) matches nothing


# Which rule makes a file depends on where the system's data come from; each rule is
# constrained to its systems so that no two rules can make the same file.
SIMULATED = systems_where(lambda s: planning.source_format(s) is None)
# simulated systems whose replicas run in one job per structure, or in several (replicas_per_job)
ONE_REPLICA_JOB = systems_where(lambda s: planning.source_format(s) is None and not PLANS_BY_CONFIG[id(s)].grouped_replicas())
REPLICA_GROUPS = systems_where(lambda s: planning.source_format(s) is None and PLANS_BY_CONFIG[id(s)].grouped_replicas())
IMPORTED_TRAJECTORIES = systems_where(lambda s: planning.source_format(s) in ("botan", "deepmind"))
IMPORTED_LABELS = systems_where(lambda s: planning.source_format(s) == "glassbench")
WITH_TRAJECTORIES = systems_where(lambda s: planning.source_format(s) != "glassbench")


def log_path(rule, suffix="log"):
    return f"logs/{{system}}/T{{temperature}}/{rule}/{{structure}}.{suffix}"


def benchmark_path(rule):
    return f"{RESULTS}/benchmarks/{{system}}/T{{temperature}}/{rule}/{{structure}}.tsv"


def state_point_log_path(rule):
    return f"logs/{{system}}/T{{temperature}}/{rule}.log"


def model_job_path(kind, rule, suffix):
    """logs/ or benchmarks/ path of a per-model job (one per training, model, label, type, time)."""
    root = "logs" if kind == "log" else f"{RESULTS}/benchmarks"
    return f"{root}/{{system}}/T{{temperature}}/{rule}/{{training}}/{{model}}/{{label}}/type{{particle_type}}/t{{time_index}}.{suffix}"


# -- params: what each job reads -----------------------------------------------------------------
def get_stage_config(stage):
    """params function: the stage config of the job (glassdyn.workflow.planning.stage_config)."""

    def stage_config(wildcards):
        return PLANS[wildcards.system].stage_config(stage, wildcards.get("temperature"))

    return stage_config


def get_equilibration_config(wildcards):
    return PLANS[wildcards.system].stage_config("equilibrate_structure", wildcards.temperature,
                                                structure=wildcards.structure)


def get_model_config(wildcards):
    plan = PLANS[wildcards.system]
    time_indices = None
    if plan.all_times(wildcards.model):
        time_indices = plan.trained_time_indices(wildcards.temperature)
    return plan.stage_config("train_model", wildcards.temperature, model=wildcards.model, time_indices=time_indices,
                             training=wildcards.training)


def get_pretraining_config(wildcards):
    plan = PLANS[wildcards.system]
    return plan.stage_config("pretrain_model", model=wildcards.model, pretraining=plan.pretraining(wildcards.model))


def get_transferable_model_config(wildcards):
    plan = PLANS[wildcards.system]
    return plan.stage_config("train_transferable_model", model=wildcards.model,
                             time_indices={t: plan.time_indices(t) for t in plan.labelled_temperatures})


# -- input functions -------------------------------------------------------------------------
def get_source_file(wildcards):
    return PLANS[wildcards.system].source_file(wildcards.temperature, wildcards.structure)


def get_replica_range(wildcards):
    """params of run_replica_group: [first, last) of the group's replicas."""
    return PLANS[wildcards.system].replica_group(wildcards.temperature, wildcards.group)


def get_replica_groups(wildcards):
    """The group files merge_replicas joins, in replica order."""
    groups = range(len(PLANS[wildcards.system].replica_groups(wildcards.temperature)))
    return [REPLICA_GROUP.format(system=wildcards.system, temperature=wildcards.temperature,
                                 structure=wildcards.structure, group=f"{g:03d}") for g in groups]


def get_previous_structure(wildcards):
    """single_run and swap modes: structure k continues structure k - n_chains (same chain)."""
    previous = PLANS[wildcards.system].continued_structure(wildcards.structure)
    if previous is None:
        return {}
    return {"previous": STRUCTURE.format(system=wildcards.system, temperature=wildcards.temperature,
                                         structure=planning.format_structure(previous))}


def get_descriptor_states(wildcards):
    """The state files (structure, inherent structure, cage state) the descriptor set needs."""
    files = LAYOUT.state_files(wildcards.system, wildcards.temperature, wildcards.structure)
    return {s: files[s] for s in DESCRIPTOR_SETS[wildcards.descriptor_set].states}


def get_state_point_labels(wildcards):
    """All label files of one system and temperature, for summarize_dynamics."""
    return [LABELS.format(system=wildcards.system, temperature=wildcards.temperature, structure=s)
            for s in PLANS[wildcards.system].structures(wildcards.temperature)]


def get_listed_files(wildcards):
    """The label or descriptor files of the structures a structure list covers."""
    return LAYOUT.listed_files(wildcards.system, wildcards.temperature, wildcards.kind, wildcards.first, wildcards.last)


def get_training_data(wildcards):
    """Structure lists of the training and validation structures of one model (descriptors and labels)."""
    return _training_lists(wildcards, [wildcards.temperature])


def get_transferable_training_data(wildcards):
    """Structure lists of the training and validation structures of every temperature with
    labels (tGlassMLP), and the descriptors of the training structures of every temperature
    with transferred data (two-step, PRB Table I): ``target_descriptors``, ``target_structures``."""
    plan = PLANS[wildcards.system]
    out = _training_lists(wildcards, plan.labelled_temperatures)
    dset = plan.model_descriptor_set(wildcards.model)
    for temperature in plan.transferred_temperatures(wildcards.model):
        split = plan.model_split(temperature, wildcards.training, wildcards.model)
        for kind in (dset, "structures"):  # the structures' positions: the correlation loss
            key = "target_descriptors" if kind == dset else "target_structures"
            out.setdefault(key, []).extend(LAYOUT.structure_list_for(wildcards.system, temperature, kind, split["train"]))
    return out


def _training_lists(wildcards, temperatures):
    """Structure lists of training and validation labels (and descriptors, unless a graph model
    reads the structures themselves), and the pretrained weights a BOTAN training starts from."""
    plan = PLANS[wildcards.system]
    dset = plan.model_descriptor_set(wildcards.model)
    parts = ("train", "validation")
    kinds = ("labels",) if dset is None else ("descriptors", "labels")
    if plan.reads_inherent_energies(wildcards.model):
        kinds += ("inherent_structures",)
    out = {f"{part}_{kind}": [] for part in parts for kind in kinds}
    for t in temperatures:
        split = plan.model_split(t, wildcards.training, wildcards.model)
        for part in parts:
            for kind in kinds:
                listed = dset if kind == "descriptors" else kind
                out[f"{part}_{kind}"] += LAYOUT.structure_list_for(wildcards.system, t, listed, split[part])
    if plan.pretraining(wildcards.model) is not None:
        out["pretrained"] = PRETRAINED_MODEL.format(system=wildcards.system, model=wildcards.model)
    return out


def get_pretraining_data(wildcards):
    """Structure lists of the training labels at the pretraining temperature (BOTAN Sec. IV)."""
    plan = PLANS[wildcards.system]
    temperature = plan.pretraining(wildcards.model)["temperature"]
    return {"train_labels": LAYOUT.structure_list_for(wildcards.system, temperature, "labels",
                                                      plan.model_split(temperature, "all", wildcards.model)["train"])}


def get_model_files(wildcards):
    """{target time index: [model file per particle type]} behind one predictions file."""
    plan = PLANS[wildcards.system]
    types = plan.model_particle_types(wildcards.model)
    # a predict_with system's models are the training system's
    ids = dict(system=plan.model_system, model=wildcards.model, label=wildcards.label)
    if not plan.per_time(wildcards.model):
        files = [TRANSFERABLE_MODEL.format(training=wildcards.training, particle_type=k, **ids) for k in types]
        return {t: files for t in plan.time_indices(wildcards.temperature)}
    source, training, time_map = plan.model_time_map(wildcards.temperature, wildcards.model, wildcards.training)
    return {t: [MODEL.format(temperature=source, training=training, particle_type=k,
                             time_index=plan.model_time_index(wildcards.model, s), **ids) for k in types]
            for t, s in time_map.items()}


def get_model_file_list(wildcards):
    return sorted({f for files in get_model_files(wildcards).values() for f in files})


def get_test_structures(wildcards):
    return list(PLANS[wildcards.system].split(wildcards.temperature)["test"])


def get_test_inputs(wildcards):
    """Structure list of what the model reads of the test structures: its descriptor set, or
    the structures themselves for a graph model."""
    plan = PLANS[wildcards.system]
    dset = plan.model_descriptor_set(wildcards.model)
    structures = get_test_structures(wildcards)
    files = LAYOUT.structure_list_for(wildcards.system, wildcards.temperature, dset or "structures", structures)
    out = {"structures" if dset is None else "descriptors": files}
    if plan.reads_inherent_energies(wildcards.model):
        out["inherent_structures"] = LAYOUT.structure_list_for(wildcards.system, wildcards.temperature,
                                                               "inherent_structures", structures)
    return out


def get_test_labels(wildcards):
    return LAYOUT.structure_list_for(wildcards.system, wildcards.temperature, "labels", get_test_structures(wildcards))


def get_figure_params(wildcards):
    """params function: what a figure's job reads (glassdyn.workflow.reporting.figure_params)."""
    name = next(wildcards.get(f"{family}_figure")
                for family in ("score", "state", "dynamics", "training", "heterogeneity", "bottleneck")
                if wildcards.get(f"{family}_figure"))
    return reporting.figure_params(PLANS, wildcards.paper, name, wildcards.get("system"))


def get_state_point_figure_data(wildcards):
    """Labels and predictions of the test structures of a state-point figure (and the
    baseline descriptors, whose inherent-structure energy the snapshots show)."""
    plan = PLANS[wildcards.system]
    spec = get_figure_params(wildcards)
    temperature, label = spec["temperature"], spec["label"]
    test = [planning.format_structure(k) for k in plan.split(temperature)["test"]]
    ids = dict(system=wildcards.system, temperature=temperature)
    out = {"labels": [LABELS.format(structure=k, **ids) for k in test],
           "predictions": [PREDICTIONS.format(training="all", model=m, label=label, **ids) for m in spec["models"]]}
    if "baselines" in plan.system["descriptors"]["sets"] and spec["function"] in ("snapshot", "cross_correlations"):
        out["descriptors"] = [DESCRIPTORS.format(descriptor_set="baselines", structure=k, **ids) for k in test]
    return out


def get_dynamics_figure_data(wildcards):
    plan = PLANS[wildcards.system]
    return [DYNAMICS.format(system=wildcards.system, temperature=t) for t in sorted(plan.labelled_temperatures, key=float)]


def get_training_figure_data(wildcards):
    """The edge-pretrained model files of a system (BOTAN Fig. 3)."""
    spec = get_figure_params(wildcards)
    return [PRETRAINED_MODEL.format(system=wildcards.system, model=m) for m in spec["models"]]


def get_heterogeneity_figure_data(wildcards):
    """The heterogeneity tables of every temperature of a system and of the systems it
    predicts, one per source (MD and the figure's models)."""
    spec = get_figure_params(wildcards)
    return [LAYOUT.heterogeneity.format(system=system, temperature=t, source=source)
            for system, t, source in spec["tables"]]


def get_bottleneck_figure_data(wildcards):
    """tGlassMLP's predictions of the test structures of every state point a bottleneck figure
    draws, and their MD labels where the state point has them (the colours)."""
    spec = get_figure_params(wildcards)
    plan = PLANS[wildcards.system]
    out = {"predictions": [], "labels": []}
    for temperature, labelled in spec["panels"]:
        ids = dict(system=wildcards.system, temperature=temperature)
        out["predictions"].append(PREDICTIONS.format(training="all", model=spec["model"], label=spec["label"], **ids))
        if labelled:
            out["labels"] += LAYOUT.structure_list_for(wildcards.system, temperature, "labels",
                                                       plan.split(temperature)["test"])
    return out


def get_heterogeneity_inputs(wildcards):
    """The test structures' labels (positions, and the MD source's values), or their structure
    files where the state point has no labels, and for a model source its predictions of them."""
    plan = PLANS[wildcards.system]
    if plan.has_labels(wildcards.temperature):
        out = {"labels": get_test_labels(wildcards)}
    else:  # predictions only: the positions from the structures
        out = {"structures": LAYOUT.structure_list_for(wildcards.system, wildcards.temperature, "structures",
                                                       get_test_structures(wildcards))}
    if wildcards.source != "MD":
        out["predictions"] = PREDICTIONS.format(system=wildcards.system, temperature=wildcards.temperature,
                                                training="all", model=wildcards.source, label=plan.heterogeneity_label())
    return out


def get_comparison_dynamics():
    """[[system, T, dynamics file], ...] of every system with models."""
    return [[s, t, f] for (s, t), f in planning.comparison_dynamics(PLANS, LAYOUT).items()]


print(planning.plan_summary(PLANS), file=sys.stderr)
