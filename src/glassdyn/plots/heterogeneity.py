"""Figures of dynamic heterogeneity: S_4(q, t) and its fits, xi_4(t), G_4(r), chord lengths,
the tGlassMLP attention lengths (GlassMLP PRL Fig. 4 and SM Figs. 2c, 5; tGlassMLP PRB Figs.
7, 8, 9, 12, 14).

They read one long table, the heterogeneity table, one row per value:

==============  =================================================================================
column          meaning
==============  =================================================================================
``source``      ``MD`` (the labels) or the model whose predictions it is computed from
``system``      the system (optional; a panel or line per system and temperature)
``temperature`` T
``time``        t
``quantity``    ``chi4``, ``S4`` (x = q), ``xi4``, ``chi4_oz`` (S_4(q -> 0) of the
                Ornstein-Zernike fit), ``A`` (the cubic prefactor, PRB eq. C1), ``G4``
                (x = r), ``chord_length``, ``P_int`` (x = L), ``xi_int``, ``mean_label``
``x``           q, r or L (empty for scalars)
``value``       the value
``error``       its standard error (empty: none)
``spread``      standard deviation between a model's networks (empty: one network, or MD)
==============  =================================================================================

Values arrive as strings or numbers (:func:`read_rows` or the heterogeneity stage's rows).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from glassdyn.plots.base import Plot, as_float, empty_plot, log_time_axis, model_name, new_figure, styled

__all__ = ["HETEROGENEITY_COLUMNS", "four_point_structure_factor", "scaled_structure_factor", "heterogeneity_vs_time",
           "four_point_correlation", "length_scales_vs_temperature", "attention_lengths"]

HETEROGENEITY_COLUMNS = ("source", "system", "temperature", "time", "quantity", "x", "value", "error", "spread")

#: axis labels of the quantities
SYMBOLS = {
    "chi4": r"$\chi_4(t)$", "S4": r"$S_4(q, t)$", "xi4": r"$\xi_4(t)$", "chi4_oz": r"$\chi_4^{\rm OZ}(t)$",
    "A": r"$A(t)$", "G4": r"$G_4(r, t)$", "chord_length": r"$\langle \xi_{\rm chord} \rangle$",
    "P_int": r"$P_{\rm int}(L)$", "xi_int": r"$\xi_{\rm int}$", "mean_label": r"$\langle \bar C_B \rangle$",
}


def _state(row) -> tuple[str, str]:
    return (str(row.get("system", "") or ""), str(row["temperature"]))


def _state_name(state) -> str:
    system, temperature = state
    return (f"{system}, " if system else "") + f"$T = {temperature}$"


def _values(rows, quantity, **match):
    """Rows of one quantity (and the match), as floats: list of dicts."""
    out = []
    for r in rows:
        if r["quantity"] != quantity or any(str(r.get(k, "")) != str(v) for k, v in match.items()):
            continue
        out.append({"source": r["source"], "state": _state(r), "time": as_float(r.get("time")),
                    "x": as_float(r.get("x")), "value": as_float(r["value"]), "error": as_float(r.get("error")),
                    "spread": as_float(r.get("spread"))})
    return [r for r in out if math.isfinite(r["value"])]


def _sources(rows, sources=None) -> list[str]:
    present = list(dict.fromkeys(r["source"] for r in rows))
    first = ["MD"] if "MD" in present else []
    ordered = first + [s for s in present if s != "MD"]
    return [s for s in (sources or ordered) if s in present]


def _temperature_colours(states):
    from glassdyn.plots.scores import _temperature_colours as by_temperature

    from matplotlib.colors import to_rgb

    colours = by_temperature(sorted({s[1] for s in states}, key=float))
    out = {}
    for s in states:
        # several systems at one T (system sizes, PRL Fig. 4a-b): the later ones lighter
        k = sorted({x[0] for x in states if x[1] == s[1]}).index(s[0])
        out[s] = tuple(c + (1 - c) * min(0.6, 0.3 * k) for c in to_rgb(colours[s[1]]))
    return out


LINESTYLES = ("-", "--", "-.", ":")


def _source_style(sources):
    """MD: full line with points; models: the other line styles, no markers."""
    out, k = {}, 0
    for s in sources:
        if s == "MD":
            out[s] = {"ls": "-", "marker": "o", "ms": 3}
        else:
            out[s] = {"ls": LINESTYLES[1 + k % 3], "marker": None}
            k += 1
    return out


def _missing(kind, wanted, present) -> list[str]:
    gone = [w for w in (wanted or []) if w not in present]
    return [f"{kind} not in the results, left out: {', '.join(map(str, gone))}."] if gone else []


def _nearest_time(times, wanted) -> float:
    times = np.asarray(sorted(set(times)), dtype=float)
    return float(times[np.argmin(np.abs(np.log(times / wanted)))])


@styled
def four_point_structure_factor(rows, *, times=None, sources=None, fits: bool = True) -> Plot:
    """S_4(q, t) against q on log-log axes, a panel per time, a line per state point and
    source (GlassMLP PRL Fig. 4a: below tau_alpha^BB / 3, several T and N; SM Fig. 2c:
    GlassMLP, MLP(mae) and Ridge at tau/30 and tau/3). With ``fits``, the Ornstein-Zernike
    fit chi4_oz / (1 + (q xi4)^2) of the same source, state point and time is drawn thin.
    ``times``: the times to show (each matched to the nearest in the rows; default all)."""
    s4 = _values(rows, "S4")
    s4 = [r for r in s4 if math.isfinite(r["x"]) and r["x"] > 0 and r["value"] > 0]
    if not s4:
        return empty_plot("no S_4(q, t) to draw")
    present = sorted({r["time"] for r in s4})
    panels = present if times is None else list(dict.fromkeys(_nearest_time(present, float(t)) for t in times))
    chosen = _sources(s4, sources)
    notes = _missing("sources", sources, {r["source"] for r in s4})
    states = sorted({r["state"] for r in s4}, key=lambda s: (s[0], float(s[1])))
    colours, styles = _temperature_colours(states), _source_style(chosen)
    fit_rows = {(r["source"], r["state"], r["time"], q): r["value"] for q in ("xi4", "chi4_oz") for r in _values(rows, q)}
    figure, axes = new_figure(len(panels), sharey=True, panel_size=(3.2, 2.6))
    data = []
    for ax, t in zip(axes, panels):
        for state in states:
            for source in chosen:
                here = sorted((r["x"], r["value"], r["error"]) for r in s4
                              if r["time"] == t and r["state"] == state and r["source"] == source)
                if not here:
                    continue
                q, v = np.array([h[0] for h in here]), np.array([h[1] for h in here])
                ax.plot(q, v, color=colours[state], label=f"{model_name(source)}, {_state_name(state)}", **styles[source])
                data += [{"source": source, "system": state[0], "temperature": state[1], "time": t, "quantity": "S4",
                          "x": a, "value": b, "error": c} for a, b, c in here]
                xi, chi = fit_rows.get((source, state, t, "xi4")), fit_rows.get((source, state, t, "chi4_oz"))
                if fits and xi is not None and chi is not None:
                    grid = np.geomspace(q.min(), q.max(), 60)
                    ax.plot(grid, chi / (1 + (grid * xi) ** 2), color=colours[state], lw=0.6, alpha=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$q$")
        ax.set_title(f"$t = {t:.3g}$")
    axes[0].set_ylabel(SYMBOLS["S4"])
    axes[0].legend(loc="lower left", fontsize="x-small")
    return Plot(figure, data, notes)


@styled
def scaled_structure_factor(rows, *, source: str | None = None) -> Plot:
    """S_4(q, t) / chi4_oz(t) against q xi4(t) for every state point and time of one source
    (GlassMLP PRL Fig. 4c: the MLP at N = 82560), with the Ornstein-Zernike form
    (1 + (q xi)^2)^-1 (dashed) and a (q xi)^-3 guide (dash-dotted, through the last OZ point)."""
    s4 = [r for r in _values(rows, "S4") if math.isfinite(r["x"]) and r["x"] > 0]
    fits = {(r["source"], r["state"], r["time"], q): r["value"] for q in ("xi4", "chi4_oz") for r in _values(rows, q)}
    sources = _sources(s4)
    if source is None:
        source = next((s for s in sources if s != "MD"), sources[0] if sources else None)
    keys = sorted({(r["state"], r["time"]) for r in s4 if r["source"] == source
                   and (source, r["state"], r["time"], "xi4") in fits and (source, r["state"], r["time"], "chi4_oz") in fits},
                  key=lambda k: (k[0][0], float(k[0][1]), k[1]))
    if not keys:
        return empty_plot(f"no S_4 with an Ornstein-Zernike fit of {source} to draw")
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.8))
    colours = _temperature_colours({k[0] for k in keys})
    data, largest = [], 0.0
    for state, t in keys:
        xi, chi = fits[(source, state, t, "xi4")], fits[(source, state, t, "chi4_oz")]
        here = sorted((r["x"] * xi, r["value"] / chi) for r in s4 if r["source"] == source and r["state"] == state
                      and r["time"] == t)
        ax.plot([h[0] for h in here], [h[1] for h in here], ".", ms=3, color=colours[state])
        largest = max(largest, max(h[0] for h in here))
        data += [{"source": source, "system": state[0], "temperature": state[1], "time": t, "q_xi": a, "S4_over_chi4": b}
                 for a, b in here]
    grid = np.geomspace(min(d["q_xi"] for d in data if d["q_xi"] > 0), max(largest, 1.0), 100)
    ax.plot(grid, 1 / (1 + grid ** 2), "k--", lw=1, label=r"$(1 + (q\xi)^2)^{-1}$")
    tail = grid[grid >= 1]
    if tail.size:
        ax.plot(tail, 0.5 * tail ** -3.0, "k-.", lw=1, label=r"$\sim (q\xi)^{-3}$")
    for state in colours:
        ax.plot([], [], ".", color=colours[state], label=_state_name(state))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$q\xi_4$")
    ax.set_ylabel(r"$S_4(q, t) / \chi_4^{\rm OZ}(t)$")
    ax.set_title(model_name(source))
    ax.legend(loc="lower left", fontsize="x-small")
    return Plot(figure, data, [])


def _in_label_range(rows, mean_label_range):
    """(source, state, time) whose <C_B> lies inside the range (PRB Fig. 8)."""
    low, high = mean_label_range
    return {(r["source"], r["state"], r["time"]) for r in _values(rows, "mean_label") if low < r["value"] < high}


@styled
def heterogeneity_vs_time(rows, quantity: str, *, sources=None, log_y: bool = False, mean_label_range=None,
                          ylabel: str | None = None, error: str = "error") -> Plot:
    """One quantity of the heterogeneity table against t, a line per state point (colour) and
    source (line style), error bars where the table has them: chi_4(t) (PRB Figs. 4, 6 with
    the spread between networks), xi_4(t) (PRL Fig. 4b, PRB Fig. 7), A(t) (PRL Fig. 4d, PRB
    Fig. 14), the average chord length (PRB Fig. 8, ``mean_label_range=(0.3, 0.95)``: only
    times with 0.3 < <C_B> < 0.95 of the same source). ``error="spread"``: error bars are the
    standard deviation between a model's networks where the table has it (PRB Figs. 6-7),
    else the jackknife error."""
    chosen = [r for r in _values(rows, quantity) if math.isfinite(r["time"]) and r["time"] > 0]
    if error == "spread":
        chosen = [{**r, "error": r["spread"] if math.isfinite(r["spread"]) else r["error"]} for r in chosen]
    if mean_label_range is not None:
        keep = _in_label_range(rows, mean_label_range)
        chosen = [r for r in chosen if (r["source"], r["state"], r["time"]) in keep]
    notes = _missing("sources", sources, {r["source"] for r in chosen})
    names = _sources(chosen, sources)
    chosen = [r for r in chosen if r["source"] in names]
    if not chosen:
        return empty_plot(f"no {quantity}(t) to draw")
    states = sorted({r["state"] for r in chosen}, key=lambda s: (s[0], float(s[1])))
    colours, styles = _temperature_colours(states), _source_style(names)
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data = []
    for state in states:
        for source in names:
            here = sorted((r["time"], r["value"], r["error"]) for r in chosen if r["state"] == state and r["source"] == source)
            if not here:
                continue
            ax.errorbar([h[0] for h in here], [h[1] for h in here],
                        yerr=[h[2] if math.isfinite(h[2]) else 0 for h in here], color=colours[state],
                        label=f"{model_name(source)}, {_state_name(state)}", **styles[source])
            data += [{"source": source, "system": state[0], "temperature": state[1], "time": t, "quantity": quantity,
                      "value": v, "error": e} for t, v, e in here]
    log_time_axis(ax)
    if log_y:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel or SYMBOLS.get(quantity, quantity))
    ax.legend(loc="best", fontsize="x-small")
    return Plot(figure, data, notes)


@styled
def four_point_correlation(rows, *, time: float | None = None, sources=None, fit_from: float = 4.0) -> Plot:
    """G_4(r, t) against r on a log scale at one time (GlassMLP PRL SM Fig. 5: tau_alpha^BB / 3),
    a line per state point and source; dashed: the long-range form A exp(-r / xi4) / sqrt(r)
    with xi4 of S_4 (same source, state point and time), A matched to G_4 at r > ``fit_from``."""
    g4 = [r for r in _values(rows, "G4") if math.isfinite(r["x"]) and r["x"] > 0]
    if not g4:
        return empty_plot("no G_4(r, t) to draw")
    present = sorted({r["time"] for r in g4})
    t = present[len(present) // 2] if time is None else _nearest_time(present, float(time))
    g4 = [r for r in g4 if r["time"] == t]
    names = _sources(g4, sources)
    notes = _missing("sources", sources, {r["source"] for r in g4})
    xis = {(r["source"], r["state"]): r["value"] for r in _values(rows, "xi4") if r["time"] == t}
    states = sorted({r["state"] for r in g4}, key=lambda s: (s[0], float(s[1])))
    colours, styles = _temperature_colours(states), _source_style(names)
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data = []
    for state in states:
        for source in names:
            here = sorted((r["x"], r["value"], r["error"]) for r in g4 if r["state"] == state and r["source"] == source)
            if not here:
                continue
            r_, g = np.array([h[0] for h in here]), np.array([h[1] for h in here])
            positive = g > 0
            ax.plot(r_[positive], g[positive], color=colours[state], label=f"{model_name(source)}, {_state_name(state)}",
                    **styles[source])
            data += [{"source": source, "system": state[0], "temperature": state[1], "time": t, "quantity": "G4",
                      "x": a, "value": b, "error": c} for a, b, c in here]
            xi = xis.get((source, state))
            tail = positive & (r_ > fit_from)
            if xi is not None and xi > 0 and tail.any():
                form = np.exp(-r_ / xi) / np.sqrt(r_)
                amplitude = float(np.exp(np.mean(np.log(g[tail] / form[tail]))))  # a fit in log G_4
                ax.plot(r_[r_ > 1], amplitude * form[r_ > 1], "--", color=colours[state], lw=0.7)
                data.append({"source": source, "system": state[0], "temperature": state[1], "time": t,
                             "quantity": "G4_long_range_amplitude", "x": xi, "value": amplitude, "error": math.nan})
    ax.set_yscale("log")
    ax.set_xlabel(r"$r$")
    ax.set_ylabel(SYMBOLS["G4"])
    ax.set_title(f"$t = {t:.3g}$")
    ax.legend(loc="best", fontsize="x-small")
    return Plot(figure, data, notes)


@styled
def length_scales_vs_temperature(rows, *, quantities=("xi4", "xi_int", "chord_length"), mean_label: float = 0.8,
                                 source: str | None = None) -> Plot:
    """Dynamic lengths against T at the time where <C_B> is nearest ``mean_label`` (tGlassMLP
    PRB Fig. 12: xi_4 from S_4, xi_int from the attention layer, the chord length, at
    <C_B> = 0.8), each of one source (default: the first model); ``xi_int`` has no time."""
    means = [r for r in _values(rows, "mean_label") if math.isfinite(r["time"])]
    names = _sources([r for r in _values(rows, quantities[0])] + means)
    if source is None:
        source = next((s for s in names if s != "MD"), names[0] if names else None)
    at = {}
    for state in {r["state"] for r in means if r["source"] == source}:
        here = [r for r in means if r["state"] == state and r["source"] == source]
        at[state] = min(here, key=lambda r: abs(r["value"] - mean_label))["time"]
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data, notes = [], []
    for quantity in quantities:
        values = [r for r in _values(rows, quantity) if r["source"] == source]
        points = []
        for state in sorted({r["state"] for r in values}, key=lambda s: float(s[1])):
            here = [r for r in values if r["state"] == state]
            here = [r for r in here if state in at and r["time"] == at[state]]
            if here:
                points.append((float(state[1]), here[0]["value"], here[0]["error"], state[0], here[0]["time"]))
        if not points:
            notes.append(f"{quantity}: not in the results, left out.")
            continue
        ax.errorbar([p[0] for p in points], [p[1] for p in points], yerr=[p[2] if math.isfinite(p[2]) else 0 for p in points],
                    marker="o", label=SYMBOLS.get(quantity, quantity))
        data += [{"source": source, "system": p[3], "temperature": p[0], "time": p[4], "quantity": quantity,
                  "value": p[1], "error": p[2]} for p in points]
    if not data:
        return empty_plot(f"no length scales of {source} to draw")
    ax.set_xlabel(r"$T$")
    ax.set_ylabel(r"$\xi$")
    ax.set_title(rf"{model_name(source)}, $\langle \bar C_B \rangle = {mean_label:g}$")
    ax.legend(loc="best")
    return Plot(figure, data, notes)


@styled
def attention_lengths(rows, *, source: str = "tglassmlp", mean_label: float = 0.8) -> Plot:
    """P_int(L), the normalised attention weight of each coarse-graining length L, a line per
    temperature at the time whose <C_B> is nearest ``mean_label`` (tGlassMLP PRB Fig. 9, at
    <C_B> = 0.8); xi_int = sum_L P_int(L) L in the legend."""
    weights = [r for r in _values(rows, "P_int") if r["source"] == source and math.isfinite(r["x"])]
    means = [r for r in _values(rows, "mean_label") if r["source"] == source and math.isfinite(r["time"])]
    at = {}
    for state in {r["state"] for r in means}:
        at[state] = min((r for r in means if r["state"] == state), key=lambda r: abs(r["value"] - mean_label))["time"]
    weights = [r for r in weights if r["state"] not in at or r["time"] == at[r["state"]]]
    if not weights:
        return empty_plot(f"no attention weights P_int(L) of {source} to draw")
    states = sorted({r["state"] for r in weights}, key=lambda s: (s[0], float(s[1])))
    colours = _temperature_colours(states)
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data = []
    grouped = defaultdict(list)
    for r in weights:
        grouped[r["state"]].append((r["x"], r["value"]))
    for state in states:
        here = sorted(grouped[state])
        length = np.array([h[0] for h in here])
        p = np.array([h[1] for h in here])
        xi_int = float(np.sum(p * length) / np.sum(p))
        ax.plot(length, p, "o-", color=colours[state], label=rf"{_state_name(state)}, $\xi_{{\rm int}} = {xi_int:.2f}$")
        data += [{"source": source, "system": state[0], "temperature": state[1], "L": a, "P_int": b, "xi_int": xi_int}
                 for a, b in here]
    ax.set_xlabel(r"$L$")
    ax.set_ylabel(SYMBOLS["P_int"])
    ax.legend(loc="best", fontsize="x-small")
    return Plot(figure, data, [])
