"""An edit of the config reruns its own stage and what depends on it, never more.

The tiny workflow runs once; then each edit of the config is planned with ``snakemake -n``
and the exact set of jobs it would run is compared with what the edit touches (slow: runs
the workflow, then one dry run per edit).
"""

import copy
import re
import shutil
import stat

import pytest
import yaml

from test_workflow import TINY, _snakemake, _workdir

BASE = copy.deepcopy(TINY)
BASE["systems"]["tiny"]["models"]["glassmlp"]["phases"] = [{"epochs": 2, "learning_rate": 1.0e-3}]
# One graph network (BOTAN: pretraining, no early stopping, so it trains on structures 0-1 and
# reads the test structure's structure file); its pretraining pinned to T = 1, time 0, so that
# adding a lower temperature or a time index does not move it.
BASE["systems"]["tiny"]["models"]["train"] = ["glassmlp", "cage-ridge", "baseline-epot_inh_L5", "botan"]
BASE["systems"]["tiny"]["models"]["botan"]["pretraining"] = {"epochs": 1, "time_index": 0, "temperature": 1.0}
for graph_model in ("nt-gnn", "gnn-dm"):
    del BASE["systems"]["tiny"]["models"][graph_model]
STRUCTURES = ("00000", "00001", "00002")
SETS = ("glassmlp-prl", "cage", "baselines")
MODELS = {"glassmlp": "glassmlp-prl", "cage-ridge": "cage", "baseline-epot_inh_L5": "baselines", "botan": None}
T = "1"
# BOTAN's pretraining, and its loss curve (BOTAN Fig. 3), which follows it
PRETRAINING = {("pretrain_model", "results/tiny/models/pretraining/botan.h5"),
               ("plot_training", "results/figures/botan-jcp/fig3_pretraining_loss_tiny.pdf")}


# -- the jobs an edit may run, by the file they write ------------------------------------------
def per_structure(rule, structures=STRUCTURES, temperature=T, sets=SETS):
    folder = {"equilibrate_structure": "equilibrated", "run_isoconfigurational": "isoconfigurational",
              "quench_inherent_structure": "inherent_structures", "compute_labels": "labels",
              "compute_cage_state": "cage_states"}
    if rule == "compute_descriptors":
        return {(rule, f"results/tiny/T{temperature}/descriptors/{s}/{k}.h5") for s in sets for k in structures}
    return {(rule, f"results/tiny/T{temperature}/{folder[rule]}/{k}.h5") for k in structures}


def structure_lists(kinds=("labels", *SETS), structures=STRUCTURES, temperature=T):
    """Lists of the train (0), validation (1) and test (2) structures' files that models read;
    BOTAN's: the labels of 0-1 (it trains on both) and the test structure's structure file."""
    point = f"results/tiny/T{temperature}/structure_lists"
    jobs = {("list_structures", f"{point}/{kind}_{k}-{k}.tsv") for kind in kinds if kind != "structures"
            for k in structures}
    if "labels" in kinds and {"00000", "00001"} & set(structures):
        jobs.add(("list_structures", f"{point}/labels_00000-00001.tsv"))
    if "structures" in kinds and "00002" in structures:
        jobs.add(("list_structures", f"{point}/structures_00002-00002.tsv"))
    return jobs


def summary(temperature=T):
    return {("summarize_dynamics", f"results/tiny/T{temperature}/dynamics.h5")}


def models(names=tuple(MODELS), temperature=T, time_indices=(1,)):
    jobs = set()
    for m in names:
        kind = "all" if m in MODELS and MODELS[m] is None else "0"  # a graph network covers every type
        jobs |= {("train_model", f"results/tiny/T{temperature}/models/all/{m}/propensity/type{kind}/t{t:03d}.h5")
                 for t in time_indices}
    return jobs


def scoring(names=tuple(MODELS), temperature=T):
    jobs = {("compare_models", "results/model_comparison.tsv")}
    for m in names:
        jobs |= {("predict_model", f"results/tiny/T{temperature}/predictions/all/{m}/propensity.h5"),
                 ("evaluate_model", f"results/tiny/T{temperature}/evaluation/all/{m}/propensity.tsv")}
    return jobs


# -- figures: those of the table redraw whenever it changes; those of the test structures of the
# lowest temperature when their labels, predictions or baseline descriptors change; those of
# the dynamics when a summary changes
SCORE_FIGURES = {("plot_scores", f"results/figures/{name}.pdf") for name in (
    "roadmap/main_fig3_pearson_vs_time", "roadmap/si_fig1_r2_vs_time", "glassmlp-prl/fig2a_pearson_vs_time_by_temperature",
    "glassmlp-prl/fig5a_pearson_vs_time", "glassmlp-prl/sm2a_pearson_glassmlp_mlp_ridge", "botan-jcp/fig8_pearson_vs_time",
    "botan-jcp/fig5_edge_pearson_vs_time")}
#: state-point figure -> the models it shows
STATE_FIGURES = {"roadmap/si_fig2_distribution": {"glassmlp", "cage-ridge", "botan"},
                 "roadmap/si_fig3_prediction_histograms": {"glassmlp", "cage-ridge", "botan"},
                 "roadmap/si_fig4_snapshots": {"glassmlp", "cage-ridge", "botan"},
                 "roadmap/si_fig5_cross_correlations": {"glassmlp", "cage-ridge", "botan"},
                 "glassmlp-prl/fig2b_distributions_over_time": {"glassmlp"},
                 "glassmlp-prl/fig3a_snapshots": {"glassmlp"},
                 "glassmlp-prl/fig3b_chi4": {"glassmlp"},
                 "glassmlp-prl/fig5b_chi4": {"glassmlp"},
                 "glassmlp-prl/sm2b_chi4_glassmlp_mlp_ridge": {"glassmlp"},
                 "botan-jcp/fig4_edge_snapshots": {"botan"},
                 "botan-jcp/fig6_edge_distance_map": {"botan"}}


def state_figures(changed_models=None):
    """State-point figures showing one of ``changed_models`` (None: all of them)."""
    return {("plot_state_point", f"results/figures/{name}_tiny.pdf") for name, shown in STATE_FIGURES.items()
            if changed_models is None or shown & set(changed_models)}


def dynamics_figures(names=("botan-jcp/fig2_self_scattering", "tglassmlp-prb/fig13_mean_bond_breaking")):
    return {("plot_dynamics", f"results/figures/{name}_tiny.pdf") for name in names}


#: heterogeneity figures of the GlassMLP PRL: MD and GlassMLP (the only one of their models here)
HETEROGENEITY_FIGURES = {("plot_heterogeneity", f"results/figures/glassmlp-prl/{name}_tiny.pdf") for name in (
    "fig4a_four_point_structure_factor", "fig4b_xi4", "fig4c_scaled_structure_factor", "fig4d_cubic_prefactor",
    "sm2c_four_point_structure_factor", "sm5_four_point_correlation")}
ALL_FIGURES = SCORE_FIGURES | state_figures() | dynamics_figures() | HETEROGENEITY_FIGURES
#: the sources of the heterogeneity tables: MD and the models but the baseline
SOURCES = ("MD", "glassmlp", "cage-ridge", "botan")


def heterogeneity(sources=SOURCES, temperature=T):
    """Heterogeneity tables of ``sources``, and the figures when MD or GlassMLP is among them."""
    jobs = {("compute_heterogeneity", f"results/tiny/T{temperature}/heterogeneity/{s}.tsv") for s in sources}
    return jobs | (HETEROGENEITY_FIGURES if {"MD", "glassmlp"} & set(sources) else set())


def everything_after_labels(temperature=T):
    """Labels changed: every model reruns, BOTAN's pretraining (at T = 1) too, every figure."""
    jobs = summary(temperature) | models(temperature=temperature) | scoring(temperature=temperature)
    return jobs | (PRETRAINING if temperature == T else set()) | ALL_FIGURES | heterogeneity(temperature=temperature)


def whole_state_point(temperature):
    jobs = set()
    for rule in ("equilibrate_structure", "run_isoconfigurational", "quench_inherent_structure", "compute_labels",
                 "compute_cage_state", "compute_descriptors"):
        jobs |= per_structure(rule, temperature=temperature)
    return jobs | structure_lists(kinds=("labels", "structures", *SETS), temperature=temperature) | everything_after_labels(temperature)


def edit(path, value):
    """A function that sets systems.tiny.<path> (dotted) to ``value`` in a config."""

    def apply(config):
        node = config["systems"]["tiny"]
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value(node.get(last)) if callable(value) else value

    return apply


def _reverse_keys(config):
    """Every mapping of the config with its keys in reverse order (what a YAML tool may do)."""
    def reverse(node):
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        return [reverse(v) for v in node] if isinstance(node, list) else node

    reversed_config = reverse(config)
    config.clear()
    config.update(reversed_config)


EDITS = {
    "add a state point": (
        edit("state_points", lambda sps: sps + [{"temperature": 0.9, "tau_alpha": 1.5, "times": [0.04, 0.4]}]),
        # T = 0.9 is the new lowest: the state-point figures move there; with two temperatures
        # the relaxation times are drawn
        whole_state_point("0.9") | dynamics_figures(["glassmlp-prl/sm1_relaxation_times"])),
    "more replicas": (
        edit("isoconfigurational.n_replicas", 3),
        per_structure("run_isoconfigurational") | per_structure("compute_labels") | structure_lists(["labels"])
        | everything_after_labels()),
    "more times": (
        edit("state_points", lambda sps: [{**sps[0], "times": [0.04, 0.4, 0.8]}]),
        per_structure("run_isoconfigurational") | per_structure("compute_labels") | structure_lists(["labels"])
        | everything_after_labels()),
    "a new time index": (
        edit("models.time_indices", [0, 1]),
        models(time_indices=(0,)) | scoring() | SCORE_FIGURES | state_figures() | heterogeneity(SOURCES[1:])),
    "a new model": (
        edit("models.train", lambda names: names + ["baseline-density_L5"]),
        models(["baseline-density_L5"]) | scoring(["baseline-density_L5"]) | SCORE_FIGURES),
    "a new descriptor set": (
        edit("descriptors.sets", lambda sets: sets + ["roadmap"]),
        per_structure("compute_descriptors", sets=["roadmap"])),
    "a changed model hyperparameter": (
        edit("models.glassmlp.n_networks", 1),
        models(["glassmlp"]) | scoring(["glassmlp"]) | SCORE_FIGURES | state_figures(["glassmlp"])
        | heterogeneity(["glassmlp"])),
    "a changed cage-state sweep count": (
        edit("descriptors.cage_state.sampling_sweeps", 50),
        per_structure("compute_cage_state") | per_structure("compute_descriptors", sets=["cage"])
        | structure_lists(["cage"]) | models(["cage-ridge"]) | scoring(["cage-ridge"]) | SCORE_FIGURES
        | state_figures(["cage-ridge"]) | heterogeneity(["cage-ridge"])),
    "a changed label cutoff": (
        edit("labels.bond_breaking_cutoffs", [1.4, 1.9]),
        per_structure("compute_labels") | structure_lists(["labels"]) | everything_after_labels()),
    "a changed split": (
        edit("split", {"train": 1, "test": 1}),
        models() | scoring() | PRETRAINING | SCORE_FIGURES | state_figures() | heterogeneity(SOURCES[1:])),
    "a changed inherent-structure tolerance": (
        edit("inherent_structure", {"force_tolerance": 1.0e-9}),
        per_structure("quench_inherent_structure") | per_structure("compute_descriptors", sets=["glassmlp-prl", "baselines"])
        | structure_lists(["glassmlp-prl", "baselines"]) | models(["glassmlp", "baseline-epot_inh_L5"])
        # the state-point figures showing GlassMLP (and with it every one reading the baselines)
        | scoring(["glassmlp", "baseline-epot_inh_L5"]) | SCORE_FIGURES | state_figures(["glassmlp"])
        | heterogeneity(["glassmlp"])),
    "a changed heterogeneity fit range": (
        edit("heterogeneity.oz_q_range", [0.0, 3.0]),
        heterogeneity()),
    "a changed overlap": (
        # the overlap maps propensities for chi_4 of the dynamics and for every heterogeneity table
        edit("labels.overlap.a", 0.5),
        summary() | {("compare_models", "results/model_comparison.tsv")} | SCORE_FIGURES | dynamics_figures()
        | heterogeneity()),
    "keys written in another order": (lambda config: _reverse_keys(config), set()),
    "a changed sampling interval of the chain": (
        # structure 0 starts the chain; 1 and 2 continue it (and so does everything built on them)
        edit("equilibration.sample_interval_tau_alpha", 1.5),
        {job for rule in ("equilibrate_structure", "run_isoconfigurational", "quench_inherent_structure",
                          "compute_labels", "compute_cage_state", "compute_descriptors")
         for job in per_structure(rule, structures=("00001", "00002"))}
        | structure_lists(kinds=("labels", "structures", *SETS), structures=("00001", "00002"))
        | everything_after_labels()),
}

#: edits that add something: they must not touch an existing model (models are protected())
ADDITIONS = ("add a state point", "a new time index", "a new model", "a new descriptor set")

JOB = re.compile(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    output: ([^\n]+)", re.M)


def planned_jobs(work) -> set[tuple[str, str]]:
    """(rule, first output) of every job ``snakemake -n`` would run, except the target rule ``all``."""
    run = _snakemake(work, "-n")
    assert run.returncode == 0, run.stderr[-3000:]
    text = run.stdout + run.stderr
    return {(rule, outputs.split(",")[0].strip()) for rule, outputs in JOB.findall(text) if rule != "all"}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    work = _workdir(tmp_path_factory.mktemp("reruns"), BASE)
    run = _snakemake(work)
    assert run.returncode == 0, run.stderr[-3000:]
    assert planned_jobs(work) == set()  # complete: nothing to do
    return work


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EDITS))
def test_an_edit_reruns_exactly_what_reads_it(finished_run, tmp_path, name):
    change, expected = EDITS[name]
    work = tmp_path / "wf"
    shutil.copytree(finished_run, work, symlinks=True)
    config = copy.deepcopy(BASE)
    change(config)
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    jobs = planned_jobs(work)
    assert jobs == expected, f"{name}: unexpected {sorted(jobs - expected)}; missing {sorted(expected - jobs)}"
    if name not in ADDITIONS:
        return
    # No existing model (protected: read-only) is retrained, so a non-root user can run it.
    for rule, output in jobs:
        assert not (rule.startswith("train_") and (work / output).exists()), f"{name}: retrains {output}"
    protected = list((work / "results/tiny/T1/models").rglob("*.h5"))
    assert len(protected) == 4 and not any(p.stat().st_mode & stat.S_IWUSR for p in protected)
