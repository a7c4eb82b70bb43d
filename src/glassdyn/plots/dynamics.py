"""Figures of the averaged dynamics: F_s(q, t), chi_4(t), the relaxation times.

Arrays in: curves as dicts name -> (times, values), one line each.
"""

from __future__ import annotations

import numpy as np

from glassdyn.plots.base import Plot, empty_plot, log_time_axis, model_name, new_figure, styled
from glassdyn.plots.scores import _temperature_colours

__all__ = ["self_scattering", "chi4_vs_time", "relaxation_times", "mean_label_vs_time"]


def _curves(curves):
    out = {}
    for name, (t, v) in curves.items():
        t, v = np.asarray(t, dtype=float), np.asarray(v, dtype=float)
        keep = np.isfinite(t) & np.isfinite(v) & (t > 0)
        if keep.any():
            out[name] = (t[keep], v[keep])
    return out


@styled
def self_scattering(curves: dict, *, wavenumber: float | None = None, particle_type: int = 0) -> Plot:
    """F_s(q, t) against t at each temperature (BOTAN Fig. 2), cold to hot; the dotted line
    is F_s = 1/e, which defines tau_alpha. ``curves``: temperature -> (times, F_s)."""
    curves = _curves(curves)
    if not curves:
        return empty_plot("no F_s(q, t) to draw")
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    temperatures = sorted(curves, key=float)
    colours = _temperature_colours(temperatures)
    data = []
    for temperature in temperatures:
        t, f = curves[temperature]
        order = np.argsort(t)
        ax.plot(t[order], f[order], "o-", color=colours[temperature], label=f"$T = {temperature}$")
        data += [{"temperature": temperature, "time": a, "F_s": b} for a, b in zip(t[order], f[order])]
    ax.axhline(np.exp(-1), color="0.4", ls=":", lw=0.8)
    log_time_axis(ax)
    ax.set_ylabel(r"$F_s(q, t)$")
    ax.set_title(f"type {particle_type}" + ("" if wavenumber is None else f", $q = {wavenumber:.3g}$"))
    ax.legend(loc="lower left")
    return Plot(figure, data, [])


@styled
def chi4_vs_time(curves: dict, *, ylabel: str = r"$\chi_4(t)$", spread: dict | None = None) -> Plot:
    """chi_4(t) from MD against chi_4 of the predictions of each model (GlassMLP PRL Figs. 3b,
    5b; tGlassMLP PRB Figs. 4 and 6, whose spread between networks is ``spread``: name ->
    (times, low, high), drawn as a band). ``curves``: name -> (times, chi_4)."""
    curves = _curves(curves)
    if not curves:
        return empty_plot("no chi_4 to draw")
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data = []
    for name, (t, chi) in curves.items():
        order = np.argsort(t)
        style = {"color": "k", "lw": 1.4} if name == "MD" else {}
        line, = ax.plot(t[order], chi[order], "o-", label=model_name(name), **style)
        data += [{"source": name, "time": a, "chi4": b} for a, b in zip(t[order], chi[order])]
        if spread and name in spread:
            ts, low, high = (np.asarray(x, dtype=float) for x in spread[name])
            ax.fill_between(ts, low, high, color=line.get_color(), alpha=0.25, lw=0)
    log_time_axis(ax)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    return Plot(figure, data, [])


@styled
def relaxation_times(temperatures, times: dict) -> Plot:
    """Relaxation times against 1/T on a log scale (GlassMLP PRL SM Fig. 1: tau_alpha^SWAP,
    tau_alpha^ISF, tau_alpha^BB). ``times``: name -> (n_T,) values (NaN: not reached)."""
    temperatures = np.asarray(temperatures, dtype=float)
    series = {n: np.asarray(v, dtype=float) for n, v in times.items() if np.isfinite(np.asarray(v, float)).any()}
    if not series or not temperatures.size:
        return empty_plot("no relaxation times to draw")
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data = []
    for name, tau in series.items():
        keep = np.isfinite(tau) & (tau > 0)
        ax.plot(1.0 / temperatures[keep], tau[keep], "o-", label=name)
        data += [{"quantity": name, "temperature": t, "tau": v} for t, v in zip(temperatures[keep], tau[keep])]
    ax.set_yscale("log")
    ax.set_xlabel(r"$1/T$")
    ax.set_ylabel(r"$\tau$")
    ax.legend(loc="best")
    return Plot(figure, data, [])


@styled
def mean_label_vs_time(curves: dict, relaxation_times: dict | None = None, *, label: str = "bond_breaking") -> Plot:
    """The average label against t (top) and against t / tau_alpha (bottom), a line per
    temperature (tGlassMLP PRB Fig. 13: <C_B(t)> and t / tau_alpha^BB). ``curves``:
    temperature -> (times, mean label); ``relaxation_times``: temperature -> tau_alpha (a
    temperature without one is left out of the bottom panel and named)."""
    curves = _curves(curves)
    if not curves:
        return empty_plot(f"no mean {label} to draw")
    temperatures = sorted(curves, key=float)
    colours = _temperature_colours(temperatures)
    relaxation_times = relaxation_times or {}
    rescaled = any(np.isfinite(float(relaxation_times.get(T, np.nan))) for T in temperatures)
    # without any tau_alpha (<C_B> never reached 1/2 on the grid) only the top panel is drawn
    figure, axes = new_figure(2 if rescaled else 1, columns=1, panel_size=(3.4, 2.2))
    data, notes = [], []
    symbol = {"bond_breaking": r"$\langle C_B(t) \rangle$", "propensity": r"$\langle \mathcal{R}(t) \rangle$"}.get(label, label)
    for temperature in temperatures:
        t, v = curves[temperature]
        order = np.argsort(t)
        t, v = t[order], v[order]
        axes[0].plot(t, v, "o-", ms=3, color=colours[temperature], label=f"$T = {temperature}$")
        tau = float(relaxation_times.get(temperature, np.nan))
        if rescaled and np.isfinite(tau) and tau > 0:
            axes[1].plot(t / tau, v, "o-", ms=3, color=colours[temperature])
        else:
            notes.append(f"T = {temperature}: no tau_alpha, left out of the rescaled panel.")
        data += [{"temperature": temperature, "time": a, "t_over_tau_alpha": a / tau if tau > 0 else np.nan, "mean": b}
                 for a, b in zip(t, v)]
    log_time_axis(axes[0])
    if rescaled:
        log_time_axis(axes[1], r"$t / \tau_\alpha$")
    for ax in axes:
        ax.set_ylabel(symbol)
    axes[0].legend(loc="best", fontsize="x-small")
    return Plot(figure, data, notes)
