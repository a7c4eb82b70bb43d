"""Which figures of the papers a config can draw, and what each figure's job reads.

Pure functions of the validated config (no matplotlib, no torch): the rules of
``rules/figures.smk`` take their targets and params from here. Three families, by what a
figure reads:

- ``scores``: the comparison table (``results/model_comparison.tsv``), one file per figure,
  ``results/figures/<paper>/<figure>.{pdf,png,tsv}``, a panel per system and temperature;
- ``state_point``: the labels and predictions of a system's test structures at its lowest
  temperature (the papers show their lowest), at the modelled time nearest tau_alpha (or every
  modelled time), ``results/figures/<paper>/<figure>_<system>.{pdf,png,tsv}``;
- ``dynamics``: the ``dynamics.h5`` summaries of every temperature of a system, same naming;
- ``training``: a system's model files (BOTAN's edge pretraining and its loss history);
- ``heterogeneity``: the heterogeneity tables (chi_4, S_4 and its fits, xi_4, G_4, chord
  lengths; :mod:`glassdyn.plots.heterogeneity`) of every temperature of a system, one per
  source (MD or a model; rule ``compute_heterogeneity``); drawn for systems that train one
  of the figure's models, with the tables of the systems they predict (``predict_with``).

A figure is requested by the default target only when the config computes what it draws (a
learning curve needs ``studies.learning_curve``, BOTAN Fig. 8 BOTAN or NT-GNN, ...); what the
config lacks of a figure (a model the paper shows) is named in the figure's ``notes``, which
the report's caption prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: the report's name of each paper (``results/figures/<paper>/``)
PAPERS = {
    "roadmap": "Roadmap on machine learning glassy dynamics (and its SI)",
    "glassmlp-prl": "Jung, Biroli, Berthier, PRL 130, 238202 (2023): GlassMLP",
    "tglassmlp-prb": "Jung, Biroli, Berthier, PRB 109, 064205 (2024): tGlassMLP",
    "botan-jcp": "Shiba, Hanai, Suzumura, Iwashita, JCP 158, 084503 (2023): BOTAN",
    "alkemade-jcp": "Alkemade, Boattini, Filion, Smallenburg, JCP 156, 204503 (2022): LR, NN and GNN",
}


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a paper.

    family : ``scores``, ``state_point``, ``dynamics``, ``training``, ``heterogeneity`` or
        ``bottleneck`` (what it reads)
    function : the figure function in :mod:`glassdyn.plots`
    options : keyword arguments of the function
    models : the models the paper shows (empty: every trained model)
    label : the label it shows (None: the system's first)
    times : ``tau_alpha`` (the modelled time nearest tau_alpha) or ``all`` (state-point figures)
    needs : what the config must compute for the figure to be drawn (see :func:`_has`)
    dimension : only systems of this dimension (GlassMLP PRL Fig. 5 is KA 3D; None: any)
    """

    paper: str
    name: str
    family: str
    function: str
    options: dict = field(default_factory=dict)
    models: tuple = ()
    label: str | None = None
    times: str = "tau_alpha"
    needs: str = "models"
    dimension: int | None = None


FIGURES = (
    # -- the comparison table ----------------------------------------------------------------
    FigureSpec("roadmap", "main_fig3_pearson_vs_time", "scores", "score_vs_time",
               {"metric": "pearson", "label": "propensity"}, needs="propensity"),
    FigureSpec("roadmap", "si_fig1_r2_vs_time", "scores", "score_vs_time",
               {"metric": "r2", "label": "propensity", "ceiling": False}, needs="propensity"),
    FigureSpec("roadmap", "si_fig6_learning_curve", "scores", "learning_curve", {"metric": "pearson"},
               needs="learning_curve"),
    FigureSpec("roadmap", "si_fig7_transferability", "scores", "transferability", {"metric": "pearson"},
               needs="transfer"),
    FigureSpec("roadmap", "si_fig8_bond_breaking_vs_time", "scores", "score_vs_time",
               {"metric": "pearson", "label": "bond_breaking"}, needs="bond_breaking"),
    FigureSpec("glassmlp-prl", "fig2a_pearson_vs_time_by_temperature", "scores", "score_vs_time_by_temperature",
               {"model": "glassmlp", "metric": "pearson"}, models=("glassmlp",), needs="glassmlp"),
    FigureSpec("glassmlp-prl", "fig5a_pearson_vs_time", "scores", "score_vs_time",
               {"metric": "pearson", "label": "propensity"}, models=("glassmlp",), needs="glassmlp"),
    FigureSpec("glassmlp-prl", "sm2a_pearson_glassmlp_mlp_ridge", "scores", "score_vs_time", {"metric": "pearson"},
               models=("glassmlp", "glassmlp-l1", "glassmlp-ridge"), needs="glassmlp"),
    FigureSpec("tglassmlp-prb", "fig2_pearson_vs_time", "scores", "score_vs_time", {"metric": "pearson"},
               models=("glassmlp", "tglassmlp"), needs="tglassmlp"),
    FigureSpec("botan-jcp", "fig8_pearson_vs_time", "scores", "score_vs_time",
               {"metric": "pearson", "label": "propensity"}, models=("botan", "nt-gnn"), needs="botan"),
    FigureSpec("botan-jcp", "fig5_edge_pearson_vs_time", "scores", "score_vs_time",
               {"metric": "edge_pearson", "label": "propensity", "particle_type": "0-0", "ceiling": False},
               models=("botan",), needs="botan_edges"),
    FigureSpec("botan-jcp", "fig9_pearson_vs_cycles", "scores", "score_vs_parameter",
               {"parameter": "n_cycles", "model": "botan"}, models=("botan",), needs="study:n_cycles"),
    FigureSpec("botan-jcp", "fig10_pearson_vs_p", "scores", "score_vs_parameter",
               {"parameter": "p", "model": "botan", "metrics": ["pearson", "edge_pearson"]}, models=("botan",),
               needs="study:p"),
    # Alkemade et al.: LR, NN and GNN on generational descriptors of hard spheres (large: type 0)
    FigureSpec("alkemade-jcp", "fig4_pearson_lr_by_generation", "scores", "score_vs_time",
               {"metric": "pearson", "ceiling": False}, models=("lr-g0", "lr-g1", "lr-g2"), needs="hard_spheres"),
    FigureSpec("alkemade-jcp", "fig6_pearson_nn_by_generation", "scores", "score_vs_time",
               {"metric": "pearson", "ceiling": False}, models=("nn-g0", "nn-g1", "nn-g2"), needs="hard_spheres"),
    FigureSpec("alkemade-jcp", "fig8_pearson_lr_nn_gnn", "scores", "score_vs_time",
               {"metric": "pearson", "particle_type": ["0", "1"]}, models=("lr-g2", "nn-g2", "gnn"), needs="hard_spheres"),
    # -- labels and predictions of one state point --------------------------------------------
    FigureSpec("roadmap", "si_fig2_distribution", "state_point", "label_distribution"),
    FigureSpec("roadmap", "si_fig3_prediction_histograms", "state_point", "prediction_histograms"),
    FigureSpec("roadmap", "si_fig4_snapshots", "state_point", "snapshot"),
    FigureSpec("roadmap", "si_fig5_cross_correlations", "state_point", "cross_correlations"),
    FigureSpec("glassmlp-prl", "fig2b_distributions_over_time", "state_point", "label_distributions_over_time",
               models=("glassmlp", "glassmlp-ridge"), times="all", needs="glassmlp"),
    FigureSpec("glassmlp-prl", "fig3a_snapshots", "state_point", "snapshot", models=("glassmlp",), times="all",
               needs="glassmlp"),
    FigureSpec("glassmlp-prl", "fig3b_chi4", "state_point", "chi4_vs_time", models=("glassmlp",), times="all",
               needs="glassmlp"),
    FigureSpec("glassmlp-prl", "fig5b_chi4", "state_point", "chi4_vs_time", models=("glassmlp",), times="all",
               needs="glassmlp", dimension=3),
    FigureSpec("glassmlp-prl", "sm2b_chi4_glassmlp_mlp_ridge", "state_point", "chi4_vs_time",
               models=("glassmlp", "glassmlp-l1", "glassmlp-ridge"), times="all", needs="glassmlp"),
    FigureSpec("botan-jcp", "fig4_edge_snapshots", "state_point", "edge_snapshot", models=("botan",),
               needs="botan_edges"),
    FigureSpec("botan-jcp", "fig6_edge_distance_map", "state_point", "edge_distance_map", models=("botan",),
               times="all", needs="botan_edges"),
    # -- averaged dynamics ---------------------------------------------------------------------
    FigureSpec("botan-jcp", "fig2_self_scattering", "dynamics", "self_scattering", needs="simulated"),
    FigureSpec("glassmlp-prl", "sm1_relaxation_times", "dynamics", "relaxation_times", needs="temperatures"),
    FigureSpec("tglassmlp-prb", "fig13_mean_bond_breaking", "dynamics", "mean_label_vs_time", needs="simulated"),
    # -- the model files ---------------------------------------------------------------------
    FigureSpec("botan-jcp", "fig3_pretraining_loss", "training", "training_loss", models=("botan",), needs="pretraining"),
    # -- dynamic heterogeneity (the heterogeneity tables) ----------------------------------------
    FigureSpec("glassmlp-prl", "fig4a_four_point_structure_factor", "heterogeneity", "four_point_structure_factor",
               models=("glassmlp",), needs="heterogeneity"),
    FigureSpec("glassmlp-prl", "fig4b_xi4", "heterogeneity", "heterogeneity_vs_time", {"quantity": "xi4"},
               models=("glassmlp",), needs="heterogeneity"),
    FigureSpec("glassmlp-prl", "fig4c_scaled_structure_factor", "heterogeneity", "scaled_structure_factor",
               {"source": "glassmlp"}, models=("glassmlp",), needs="heterogeneity"),
    FigureSpec("glassmlp-prl", "fig4d_cubic_prefactor", "heterogeneity", "heterogeneity_vs_time", {"quantity": "A"},
               models=("glassmlp",), needs="heterogeneity"),
    FigureSpec("glassmlp-prl", "sm2c_four_point_structure_factor", "heterogeneity", "four_point_structure_factor",
               models=("glassmlp", "glassmlp-l1", "glassmlp-ridge"), needs="heterogeneity"),
    FigureSpec("glassmlp-prl", "sm5_four_point_correlation", "heterogeneity", "four_point_correlation",
               models=("glassmlp",), needs="heterogeneity"),
    FigureSpec("tglassmlp-prb", "fig6_chi4_spread", "heterogeneity", "heterogeneity_vs_time",
               {"quantity": "chi4", "error": "spread"},
               models=("tglassmlp",), needs="heterogeneity"),
    FigureSpec("tglassmlp-prb", "fig7_xi4", "heterogeneity", "heterogeneity_vs_time", {"quantity": "xi4", "error": "spread"},
               models=("tglassmlp",), needs="heterogeneity"),
    FigureSpec("tglassmlp-prb", "fig8_chord_length", "heterogeneity", "heterogeneity_vs_time",
               {"quantity": "chord_length", "mean_label_range": [0.3, 0.95]}, models=("tglassmlp",), needs="heterogeneity"),
    FigureSpec("tglassmlp-prb", "fig9_attention_lengths", "heterogeneity", "attention_lengths",
               {"source": "tglassmlp"}, models=("tglassmlp",), needs="attention_lengths"),
    FigureSpec("tglassmlp-prb", "fig12_length_scales", "heterogeneity", "length_scales_vs_temperature",
               {"source": "tglassmlp"}, models=("tglassmlp",), needs="heterogeneity"),
    FigureSpec("tglassmlp-prb", "fig14_cubic_prefactor", "heterogeneity", "heterogeneity_vs_time", {"quantity": "A"},
               models=("tglassmlp",), needs="heterogeneity"),
    # the bottleneck layer of one tGlassMLP network per particle, coloured by C_B (MD where the
    # state point has labels): Fig. 10 at T = 0.25 (the MD temperature nearest it) at several
    # times, Fig. 11 at <C_B> = 0.8 at every temperature
    FigureSpec("tglassmlp-prb", "fig10_bottleneck_times", "bottleneck", "bottleneck_scatter",
               {"temperature": 0.25, "mean_labels": [0.95, 0.8, 0.5, 0.25]}, models=("tglassmlp",), needs="tglassmlp"),
    FigureSpec("tglassmlp-prb", "fig11_bottleneck_temperatures", "bottleneck", "bottleneck_scatter",
               {"mean_label": 0.8}, models=("tglassmlp",), needs="tglassmlp"),
)
#: the families, by what their figures read (each has its rule in rules/figures.smk)
FAMILIES = ("scores", "state_point", "dynamics", "training", "heterogeneity", "bottleneck")
FIGURES_BY_NAME = {(f.paper, f.name): f for f in FIGURES}


def family_names(family: str) -> list[str]:
    """``<paper>/<figure>`` of every figure of a family (the rules' wildcard constraints)."""
    return [f"{f.paper}/{f.name}" for f in FIGURES if f.family == family]


def figure_spec(paper: str, name: str) -> FigureSpec:
    try:
        return FIGURES_BY_NAME[(paper, name)]
    except KeyError:
        raise KeyError(f"no figure {paper}/{name}; known: {sorted(n for f in FAMILIES for n in family_names(f))}") from None


# -- what a config computes ---------------------------------------------------------------------
def _trained(plan) -> set[str]:
    return set(plan.model_names()) if plan.system["models"]["train"] else set()


def _has(plan, needs: str, label: str | None = None) -> bool:
    """Whether system ``plan`` computes what a figure ``needs``."""
    trained = _trained(plan)
    studies = plan.system["models"].get("studies", {})
    labels = set(plan.system["models"]["labels"])
    labelled = plan.labelled_temperatures  # the temperatures with MD dynamics
    if needs == "simulated":
        return plan.source_format is None and bool(labelled)
    if needs == "temperatures":  # a function of T: two or more temperatures
        return plan.source_format is None and len(labelled) > 1
    if needs == "models":
        return bool(trained)
    if needs in ("propensity", "bond_breaking"):
        return bool(trained) and any(needs in plan.model_labels(m) for m in trained)
    if needs == "learning_curve":
        return "learning_curve" in studies and bool(trained)
    if needs == "transfer":
        return "transfer" in studies and len(plan.temperatures) > 1
    if needs == "botan":
        return bool(trained & {"botan", "nt-gnn"})
    if needs == "botan_edges":  # BOTAN's edge outputs, scored on the labels' edges
        return "botan" in trained
    if needs == "pretraining":  # the training system's: a predict_with system trains nothing
        return "botan" in trained and not plan.predicts_only and plan.pretraining("botan") is not None
    if needs == "heterogeneity":
        return any(plan.heterogeneity_sources(t) for t in plan.temperatures)
    if needs == "attention_lengths":  # P_int(L) of tGlassMLP's predictions, in its heterogeneity tables
        return "tglassmlp" in trained and any("tglassmlp" in plan.heterogeneity_sources(t) for t in plan.temperatures)
    if needs.startswith("study:") or needs == "hard_spheres":
        # hyperparameter studies and the hard-sphere system are not built yet: their figures
        # have functions and rules, and are drawn once they are
        return False
    if needs in trained:
        return label is None or label in labels
    return False


def system_label(plan) -> str:
    """The label a system's state-point figures show: its first modelled label."""
    return plan.system["models"]["labels"][0]


def lowest_temperature(plan) -> str:
    """The lowest temperature with MD labels (state-point figures compare with MD)."""
    return min(plan.labelled_temperatures or plan.temperatures, key=float)


def nearest_tau_alpha_index(plan, temperature: str) -> int:
    """The modelled time index nearest tau_alpha (in log t)."""
    tau = plan.state_point(temperature)["tau_alpha"]
    times = plan.times(temperature)
    indices = [t for t in plan.time_indices(temperature) if t < len(times)]
    return min(indices, key=lambda t: abs(math.log(times[t] / tau)))


def state_point_models(plan, spec: FigureSpec, temperature: str, label: str) -> list[str]:
    """The ``all``-trained models of a state-point figure that predict ``label``, in the
    paper's order (``spec.models``; all trained ones when empty)."""
    # the baselines' predictions are their descriptors, which the figures draw as descriptors
    trained = ([m for m in plan.model_names() if label in plan.model_labels(m) and not m.startswith("baseline-")]
               if plan.system["models"]["train"] else [])
    if spec.models:
        return [m for m in spec.models if m in trained]
    return trained


def _draws_state_point(plan, spec: FigureSpec) -> bool:
    """A state-point figure needs test structures and a model that predicts them."""
    temperature = lowest_temperature(plan)
    return (plan.has_labels(temperature) and bool(plan.split(temperature)["test"])
            and bool(state_point_models(plan, spec, temperature, system_label(plan))))


def heterogeneity_sources(plan, spec: FigureSpec, temperature: str) -> list[str]:
    """The sources a heterogeneity figure draws at one temperature: MD (where there are
    labels) and those of the paper's models (all of them when it names none)."""
    present = set(plan.heterogeneity_sources(temperature))
    models = spec.models or tuple(sorted(present - {"MD"}))
    return [s for s in ("MD", *models) if s in present]


def heterogeneity_tables(plans, spec: FigureSpec, system: str) -> list[list[str]]:
    """[system, T, source] of every table a heterogeneity figure of ``system`` draws: its own
    and those of the systems it predicts (predict_with: other N, other T; PRL Fig. 4a-b shows
    several N), each with :func:`heterogeneity_sources`."""
    names = [system] + [n for n, p in plans.items() if p.predicts_only and p.model_system == system]
    return [[n, t, source] for n in names for t in sorted(plans[n].temperatures, key=float)
            for source in heterogeneity_sources(plans[n], spec, t)]


def _draws_heterogeneity(plans, spec: FigureSpec, system: str) -> bool:
    """A heterogeneity figure of a paper's models needs one of them among the sources; a
    predict_with system's tables are drawn in its training system's figures."""
    if plans[system].predicts_only:
        return False
    return any(source != "MD" for _, _, source in heterogeneity_tables(plans, spec, system))


def bottleneck_panels(plan, spec: FigureSpec) -> dict:
    """What a bottleneck figure reads: the label, particle type and [T, has labels] of every
    state point it draws (Fig. 10: the MD temperature nearest ``temperature``; Fig. 11: every
    temperature tGlassMLP predicts)."""
    label = "bond_breaking"  # the state input of tGlassMLP is <C_B>
    model = spec.models[0]
    predicted = [t for t in plan.temperatures if (model, "all") in plan.trainings(t) and plan.split(t)["test"]]
    if "temperature" in spec.options:
        labelled = [t for t in predicted if plan.has_labels(t)] or predicted
        predicted = [min(labelled, key=lambda t: abs(float(t) - spec.options["temperature"]))] if labelled else []
    return {"model": model, "label": label, "particle_type": int(plan.system["models"]["particle_types"][0]),
            "panels": [[t, plan.has_labels(t)] for t in sorted(predicted, key=float, reverse=True)]}


def _draws_bottleneck(plan, spec: FigureSpec) -> bool:
    """A bottleneck figure needs tGlassMLP predictions of bond breaking (its state input)."""
    return (not plan.predicts_only and "bond_breaking" in plan.model_labels(spec.models[0])
            and bool(bottleneck_panels(plan, spec)["panels"]))


def _dimension(plan, spec: FigureSpec) -> bool:
    from glassdyn.systems.mixtures import get_mixture

    return spec.dimension is None or get_mixture(plan.system["mixture"]).dimension == spec.dimension


def requested_figures(plans) -> list[tuple[FigureSpec, str | None]]:
    """(figure, system or None) of every figure the config draws: score figures once, the
    others once per system that computes what they read."""
    out = []
    for spec in FIGURES:
        if spec.family == "scores":
            label = spec.options.get("label")
            if any(_has(plan, spec.needs, label) for plan in plans.values()):
                out.append((spec, None))
        else:
            out += [(spec, name) for name, plan in plans.items() if _has(plan, spec.needs) and _dimension(plan, spec)
                    and (spec.family != "state_point" or _draws_state_point(plan, spec))
                    and (spec.family != "heterogeneity" or _draws_heterogeneity(plans, spec, name))
                    and (spec.family != "bottleneck" or _draws_bottleneck(plan, spec))]
    return out


def figure_stem(results: str, spec: FigureSpec, system: str | None = None) -> str:
    """``<results>/figures/<paper>/<figure>[_<system>]`` (add ``.pdf``, ``.png``, ``.tsv``)."""
    return f"{results}/figures/{spec.paper}/{spec.name}" + ("" if system is None else f"_{system}")


def figure_targets(plans, results: str) -> list[str]:
    """PDF, PNG and data table of every requested figure."""
    return [f"{figure_stem(results, spec, system)}.{ext}" for spec, system in requested_figures(plans)
            for ext in ("pdf", "png", "tsv")]


def figure_notes(plans, spec: FigureSpec, system: str | None = None) -> list[str]:
    """What the config lacks of the paper's figure (for the caption)."""
    trained = set().union(*(_trained(p) for p in plans.values())) if system is None else _trained(plans[system])
    missing = [m for m in spec.models if m not in trained]
    return [f"Not in this config, left out: {', '.join(missing)}."] if missing else []


def figure_params(plans, paper: str, name: str, system: str | None = None) -> dict:
    """What one figure's job reads: the function and its options, and for state-point
    figures the state point, label, particle type, time indices and models."""
    spec = figure_spec(paper, name)
    out = {"function": spec.function, "options": dict(spec.options), "notes": figure_notes(plans, spec, system)}
    if spec.family == "scores":
        if spec.models and spec.function in ("score_vs_time", "learning_curve"):
            out["options"]["models"] = list(spec.models)
        if spec.function == "transferability":
            models = [m for p in plans.values() for m in p.system["models"].get("studies", {}).get("transfer", {}).get("models", [])]
            out["options"]["model"] = models[0] if models else "glassmlp"
        return out
    plan = plans[system]
    if spec.family in ("dynamics", "heterogeneity"):  # dynamics: the temperatures with MD
        out["temperatures"] = sorted(plan.labelled_temperatures if spec.family == "dynamics" else plan.temperatures,
                                     key=float)
        if spec.family == "heterogeneity":
            out["tables"] = heterogeneity_tables(plans, spec, system)
            out["sources"] = list(dict.fromkeys(source for _, _, source in out["tables"]))
        return out
    if spec.family == "training":
        out["models"] = [m for m in spec.models if m in _trained(plan)]
        return out
    if spec.family == "bottleneck":
        out.update(bottleneck_panels(plan, spec))
        return out
    temperature = lowest_temperature(plan)
    label = spec.label or system_label(plan)
    indices = (list(plan.time_indices(temperature)) if spec.times == "all"
               else [nearest_tau_alpha_index(plan, temperature)])
    out.update({"temperature": temperature, "label": label, "time_indices": indices,
                "particle_type": int(plan.system["models"]["particle_types"][0]),
                "models": state_point_models(plan, spec, temperature, label)})
    return out
