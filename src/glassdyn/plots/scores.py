"""Figures of the comparison table (``results/model_comparison.tsv``): scores against time,
training-set size and temperature.

Each function takes the table's rows (dicts with the columns of
:data:`glassdyn.models.evaluation.TABLE_COLUMNS`, values as strings or numbers) and draws
what they hold: a model, temperature or time the rows do not have is left out and named in
the plot's notes.
"""

from __future__ import annotations

import math
from collections import defaultdict

from glassdyn.plots.base import (LABEL_SYMBOLS, METRIC_SYMBOLS, Plot, as_float, empty_plot, log_time_axis, model_name,
                                 new_figure, styled)

__all__ = ["score_vs_time", "score_vs_time_by_temperature", "learning_curve", "transferability", "score_vs_parameter",
           "best_baseline"]


def _select(rows, **wanted):
    out = []
    for row in rows:
        if all(str(row.get(k, "")) == str(v) for k, v in wanted.items() if v is not None):
            out.append(row)
    return out


def _order(values, preferred=None):
    """``values`` in the order of ``preferred`` (the ones it names), then sorted."""
    values = list(dict.fromkeys(values))
    preferred = [p for p in (preferred or []) if p in values]
    return preferred + sorted(v for v in values if v not in preferred)


def _tau_alpha(rows) -> float:
    """tau_alpha of a state point's rows: time / (t / tau_alpha)."""
    for row in rows:
        t, ratio = as_float(row.get("time")), as_float(row.get("t_over_tau_alpha"))
        if ratio > 0 and math.isfinite(t):
            return t / ratio
    return math.nan


def _missing_note(kind, wanted, present) -> list[str]:
    missing = [w for w in (wanted or []) if w not in present]
    return [f"{kind} not in the results, left out: {', '.join(missing)}."] if missing else []


def _ceiling(rows, system, temperature, label, particle_type):
    """(times, noise ceilings) of a state point, sorted by time."""
    points = sorted((as_float(r["time"]), as_float(r["mean"])) for r in _select(
        rows, model="noise_ceiling", system=system, temperature=temperature, label=label, particle_type=particle_type))
    return [p for p in points if math.isfinite(p[1])]


def _errorbar(ax, curve, **style):
    """Draw (x, mean, stderr, ...) points with error bars (a missing stderr: none)."""
    ax.errorbar([p[0] for p in curve], [p[1] for p in curve],
                yerr=[p[2] if math.isfinite(p[2]) else 0 for p in curve], **style)


def _curve(rows):
    points = sorted((as_float(r["time"]), as_float(r["mean"]), as_float(r.get("stderr"))) for r in rows)
    return [p for p in points if math.isfinite(p[1])]


def best_baseline(rows) -> str | None:
    """The single-descriptor baseline (``baseline-*``) with the highest mean score in ``rows``."""
    means = defaultdict(list)
    for r in rows:
        if r["model"].startswith("baseline-") and math.isfinite(as_float(r["mean"])):
            means[r["model"]].append(as_float(r["mean"]))
    return max(means, key=lambda m: sum(means[m]) / len(means[m])) if means else None


def _keep_best_baseline(rows, panel_keys):
    """Rows without the baselines but the best one of each panel (the papers show models,
    not every descriptor)."""
    out, panels = [], defaultdict(list)
    for r in rows:
        panels[tuple(r[k] for k in panel_keys)].append(r)
    for here in panels.values():
        best = best_baseline(here)
        out += [r for r in here if not r["model"].startswith("baseline-") or r["model"] == best]
    return out


@styled
def score_vs_time(rows, *, metric: str = "pearson", label: str = "propensity", particle_type="0",
                  training: str = "all", models=None, temperatures=None, ceiling: bool = True,
                  baselines: str = "best") -> Plot:
    """A score of each model against time, one panel per system and temperature.

    Roadmap Fig. 1 (R^2, ``metric="r2"``) and SI Fig. 8 (rho_P of bond breaking), GlassMLP PRL
    Fig. 5a (rho_P with the noise ceiling), BOTAN Fig. 8, Alkemade Figs. 4-8. Lines: mean over
    the test structures, bars: standard error; dashed grey: the noise ceiling (Pearson only);
    dotted vertical line: tau_alpha. ``models``: which models and in what order (default: all);
    ``baselines``: ``best`` draws only the best single-descriptor baseline of each panel,
    ``all`` every one. R^2 axes stop at -1 (a baseline's R^2 can be far below).
    ``particle_type``: one type, or a list of types with a panel each (Alkemade Fig. 8: large
    and small particles).
    """
    types = [str(t) for t in particle_type] if isinstance(particle_type, (list, tuple)) else [str(particle_type)]
    chosen = [r for r in _select(rows, metric=metric, label=label, training=training) if str(r["particle_type"]) in types]
    chosen = [r for r in chosen if r["model"] != "noise_ceiling"]
    present = {r["model"] for r in chosen}
    notes = _missing_note("models", models, present)
    if models is not None:
        chosen = [r for r in chosen if r["model"] in models]
    if baselines == "best":
        chosen = _keep_best_baseline(chosen, ("system", "temperature", "particle_type"))
    if temperatures is not None:
        notes += _missing_note("temperatures", [str(t) for t in temperatures], {r["temperature"] for r in chosen})
        chosen = [r for r in chosen if r["temperature"] in {str(t) for t in temperatures}]
    if not chosen:
        return empty_plot(f"no {metric} scores of {label} (type {', '.join(types)}, training {training}) in the results")
    points = _order([(r["system"], r["temperature"], str(r["particle_type"])) for r in chosen])
    figure, axes = new_figure(len(points), sharey=True)
    data = []
    for ax, (system, temperature, particle_type) in zip(axes, points):
        here = _select(chosen, system=system, temperature=temperature, particle_type=particle_type)
        for model in _order([r["model"] for r in here], models):
            curve = _curve(_select(here, model=model))
            _errorbar(ax, curve, marker="o", label=model_name(model))
            data += [{"system": system, "temperature": temperature, "particle_type": particle_type, "model": model,
                      "time": t, "metric": metric, "mean": m, "stderr": s} for t, m, s in curve]
        if ceiling and metric == "pearson":
            limit = _ceiling(rows, system, temperature, label, particle_type)
            if limit:
                ax.plot([p[0] for p in limit], [p[1] for p in limit], "--", color="0.5", label="noise ceiling")
                data += [{"system": system, "temperature": temperature, "particle_type": particle_type,
                          "model": "noise_ceiling", "time": t, "metric": metric, "mean": m, "stderr": math.nan}
                         for t, m in limit]
        tau = _tau_alpha(here)
        if math.isfinite(tau):
            ax.axvline(tau, color="0.3", ls=":", lw=0.8)
        log_time_axis(ax)
        if metric == "r2":
            ax.set_ylim(bottom=max(ax.get_ylim()[0], -1.0))
        ax.set_title(f"{system}, $T = {temperature}$, type {particle_type}")
    axes[0].set_ylabel(f"{METRIC_SYMBOLS.get(metric, metric)} ({LABEL_SYMBOLS.get(label, label)})")
    axes[0].legend(loc="best")
    return Plot(figure, data, notes)


@styled
def score_vs_time_by_temperature(rows, *, model: str = "glassmlp", metric: str = "pearson", label: str | None = None,
                                 particle_type: str = "0", training: str = "all") -> Plot:
    """One model's score against time at every temperature, one panel per system and label
    (``label=None``: every label the rows have) (GlassMLP PRL Fig. 2a; tGlassMLP PRB Fig. 2)."""
    chosen = _select(rows, model=model, metric=metric, label=label, particle_type=particle_type, training=training)
    if not chosen:
        return empty_plot(f"no {metric} scores of {model_name(model)} in the results")
    panels = _order([(r["system"], r["label"]) for r in chosen])
    figure, axes = new_figure(len(panels))
    data = []
    for ax, (system, label) in zip(axes, panels):
        here = _select(chosen, system=system, label=label)
        temperatures = sorted({r["temperature"] for r in here}, key=float)
        colours = _temperature_colours(temperatures)
        for temperature in temperatures:
            curve = _curve(_select(here, temperature=temperature))
            _errorbar(ax, curve, marker="o", color=colours[temperature], label=f"$T = {temperature}$")
            data += [{"system": system, "label": label, "temperature": temperature, "model": model, "time": t,
                      "metric": metric, "mean": m, "stderr": s} for t, m, s in curve]
        log_time_axis(ax)
        ax.set_ylabel(f"{METRIC_SYMBOLS.get(metric, metric)} ({LABEL_SYMBOLS.get(label, label)})")
        ax.set_title(f"{model_name(model)}, {system}")
        ax.legend(loc="best")
    return Plot(figure, data, [])


def _temperature_colours(temperatures):
    """Cold blue to hot red, as the papers colour their temperatures."""
    import matplotlib

    cmap = matplotlib.colormaps["coolwarm"]
    n = len(temperatures)
    return {t: cmap(0.0 if n == 1 else k / (n - 1)) for k, t in enumerate(temperatures)}


def _nearest_to_tau_alpha(rows):
    """The rows at the time closest to tau_alpha (in log t / tau_alpha)."""
    ratios = {r["time_index"]: as_float(r["t_over_tau_alpha"]) for r in rows}
    ratios = {k: v for k, v in ratios.items() if v > 0}
    if not ratios:
        return []
    best = min(ratios, key=lambda k: abs(math.log(ratios[k])))
    return [r for r in rows if r["time_index"] == best]


@styled
def learning_curve(rows, *, metric: str = "pearson", label: str = "propensity", particle_type: str = "0",
                   models=None) -> Plot:
    """A score at t ~ tau_alpha against the number N_S of training structures (roadmap SI
    Fig. 6): the learning-curve trainings ``n<N_S>``, one panel per system and temperature."""
    chosen = [r for r in _select(rows, metric=metric, label=label, particle_type=particle_type)
              if str(r.get("training", "")).startswith("n") and r["model"] != "noise_ceiling"]
    notes = _missing_note("models", models, {r["model"] for r in chosen})
    if models is not None:
        chosen = [r for r in chosen if r["model"] in models]
    if not chosen:
        return empty_plot("no learning-curve trainings (studies.learning_curve) in the results")
    points = _order([(r["system"], r["temperature"]) for r in chosen])
    figure, axes = new_figure(len(points), sharey=True)
    data = []
    for ax, (system, temperature) in zip(axes, points):
        here = _select(chosen, system=system, temperature=temperature)
        for model in _order([r["model"] for r in here], models):
            at_tau = _nearest_to_tau_alpha(_select(here, model=model))
            curve = sorted((int(r["training"][1:]), as_float(r["mean"]), as_float(r.get("stderr")), as_float(r["time"]))
                           for r in at_tau)
            _errorbar(ax, curve, marker="o", label=model_name(model))
            data += [{"system": system, "temperature": temperature, "model": model, "n_structures": n, "time": t,
                      "metric": metric, "mean": m, "stderr": s} for n, m, s, t in curve]
        ax.set_xscale("log")
        ax.set_xlabel(r"$N_S$")
        ax.set_title(f"{system}, $T = {temperature}$")
    axes[0].set_ylabel(f"{METRIC_SYMBOLS.get(metric, metric)} at $t \\approx \\tau_\\alpha$")
    axes[0].legend(loc="best")
    return Plot(figure, data, notes)


@styled
def transferability(rows, *, model: str = "glassmlp", metric: str = "pearson", label: str = "propensity",
                    particle_type: str = "0") -> Plot:
    """Transfer in temperature (roadmap Fig. 6, SI Fig. 7): the score at t ~ tau_alpha of the
    model trained at T_train (lines) applied at T (x), one panel per system; the model trained
    at T itself (``all``) gives the points where T_train = T."""
    chosen = [r for r in _select(rows, model=model, metric=metric, label=label, particle_type=particle_type)
              if r["training"] == "all" or str(r["training"]).startswith("T")]
    if not any(str(r["training"]).startswith("T") for r in chosen):
        return empty_plot(f"no transfers of {model_name(model)} (studies.transfer) in the results")
    systems = _order([r["system"] for r in chosen])
    figure, axes = new_figure(len(systems), sharey=True)
    data = []
    for ax, system in zip(axes, systems):
        here = _select(chosen, system=system)
        by_source = defaultdict(list)
        for temperature in {r["temperature"] for r in here}:
            for training in {r["training"] for r in here if r["temperature"] == temperature}:
                source = temperature if training == "all" else training[1:]
                for r in _nearest_to_tau_alpha(_select(here, temperature=temperature, training=training)):
                    by_source[source].append((float(temperature), as_float(r["mean"]), as_float(r.get("stderr"))))
        sources = sorted(by_source, key=float)
        colours = _temperature_colours(sources)
        for source in sources:
            curve = sorted(by_source[source])
            _errorbar(ax, curve, marker="o", color=colours[source], label=f"trained at $T = {source}$")
            data += [{"system": system, "model": model, "trained_at": source, "temperature": t, "metric": metric,
                      "mean": m, "stderr": s} for t, m, s in curve]
        ax.set_xlabel(r"$T$")
        ax.set_title(f"{model_name(model)}, {system}")
    axes[0].set_ylabel(f"{METRIC_SYMBOLS.get(metric, metric)} at $t \\approx \\tau_\\alpha$")
    axes[0].legend(loc="best")
    return Plot(figure, data, [])


def parameter_value(training: str, parameter: str) -> float:
    """The value of ``parameter`` in a study's training name ``<parameter>=<value>`` (NaN: not one)."""
    name, _, value = str(training).partition("=")
    return as_float(value) if name == parameter else math.nan


@styled
def score_vs_parameter(rows, parameter: str, *, model: str = "botan", metrics=("pearson",), label: str = "propensity",
                       particle_type: str = "0", edge_type: str = "0-0") -> Plot:
    """Scores against one hyperparameter of a model, a line per time and metric (BOTAN Fig. 9:
    rho_P against the number n of message-passing cycles at t = 0.03 and 1 tau_alpha; Fig. 10:
    rho_P of S_i and of E_ij against the loss weight p). The study's trainings are named
    ``<parameter>=<value>`` in the table's ``training`` column; ``edge_pearson`` rows are
    those of ``edge_type``. One panel per system and temperature."""
    chosen = []
    for metric in metrics:
        kind = edge_type if metric == "edge_pearson" else particle_type
        chosen += [r for r in _select(rows, model=model, metric=metric, label=label, particle_type=kind)
                   if math.isfinite(parameter_value(r["training"], parameter))]
    if not chosen:
        return empty_plot(f"no {parameter} study of {model_name(model)} in the results")
    points = _order([(r["system"], r["temperature"]) for r in chosen])
    figure, axes = new_figure(len(points), sharey=True)
    data = []
    for ax, (system, temperature) in zip(axes, points):
        here = _select(chosen, system=system, temperature=temperature)
        for metric in [m for m in metrics if _select(here, metric=m)]:
            for time in sorted({as_float(r["time"]) for r in _select(here, metric=metric)}):
                curve = sorted((parameter_value(r["training"], parameter), as_float(r["mean"]), as_float(r.get("stderr")))
                               for r in _select(here, metric=metric) if as_float(r["time"]) == time)
                _errorbar(ax, curve, marker="o", label=f"{METRIC_SYMBOLS.get(metric, metric)}, $t = {time:g}$")
                data += [{"system": system, "temperature": temperature, "model": model, "metric": metric, "time": time,
                          parameter: v, "mean": m, "stderr": e} for v, m, e in curve]
        ax.set_xlabel(f"${parameter}$" if len(parameter) == 1 else parameter)
        ax.set_title(f"{model_name(model)}, {system}, $T = {temperature}$")
    axes[0].set_ylabel(r"$\rho$")
    axes[0].legend(loc="best")
    return Plot(figure, data, [])
