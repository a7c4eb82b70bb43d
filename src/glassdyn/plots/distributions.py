"""Figures of per-particle values: distributions, predicted-vs-MD histograms, cross-correlations.

Arrays in: ``md`` the simulated label of the particles shown (1D, pooled over structures),
``predictions`` a dict model -> array of the same shape (NaN where a model does not predict,
dropped pairwise).
"""

from __future__ import annotations

import numpy as np

from glassdyn.analysis.metrics import pearson
from glassdyn.plots.base import LABEL_SYMBOLS, Plot, empty_plot, model_name, new_figure, styled

__all__ = ["label_distribution", "label_distributions_over_time", "prediction_histograms", "cross_correlations"]


def _finite(*arrays):
    arrays = [np.asarray(a, dtype=float).ravel() for a in arrays]
    keep = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    return [a[keep] for a in arrays]


def _bin_edges(arrays, bins: int, *, few: bool = True):
    """One bin grid for every array: their pooled range; with ``few``, at most sqrt(n) bins for
    the smallest array (labels of a few hundred particles are discrete, C_B being neighbour
    counts over few replicas, and a finer grid aliases their values)."""
    if few:
        bins = int(np.clip(np.sqrt(min(a.size for a in arrays)), 8, bins))
    low, high = min(a.min() for a in arrays), max(a.max() for a in arrays)
    return np.linspace(low, high if high > low else low + 1.0, bins + 1)


def _histogram(values, edges):
    counts, _ = np.histogram(values, bins=edges)
    width = np.diff(edges)
    return counts / max(1, counts.sum()) / width


@styled
def label_distribution(md, predictions: dict, *, label: str = "propensity", bins: int = 40, inset: bool = True) -> Plot:
    """p(X) of the simulated and the predicted labels at one time (roadmap SI Fig. 2), with an
    inset of the tail on a logarithmic axis. One bin grid for every curve: that of MD and the
    predictions together; densities normalised to unit area."""
    (md,) = _finite(md)
    if not md.size:
        return empty_plot(f"no simulated {label} values to draw")
    series = {"MD": md}
    for name, values in predictions.items():
        (values,) = _finite(values)
        if values.size:
            series[model_name(name)] = values
    edges = _bin_edges(list(series.values()), bins)
    high = max(v.max() for v in series.values())
    centres = 0.5 * (edges[1:] + edges[:-1])
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    tail = ax.inset_axes([0.55, 0.5, 0.4, 0.42]) if inset else None
    data = []
    for name, values in series.items():
        density = _histogram(values, edges)
        style = {"color": "k", "lw": 1.4} if name == "MD" else {}
        line, = ax.plot(centres, density, label=name, **style)
        if tail is not None:
            tail.plot(centres, np.where(density > 0, density, np.nan), color=line.get_color(), lw=line.get_linewidth())
        data += [{"source": name, "bin_centre": c, "density": d} for c, d in zip(centres, density)]
    if tail is not None:
        from matplotlib.ticker import NullFormatter

        tail.set_yscale("log")
        tail.yaxis.set_minor_formatter(NullFormatter())
        tail.set_xlim(np.median(md), high)
        tail.tick_params(labelsize=6)
    symbol = LABEL_SYMBOLS.get(label, label)
    ax.set_xlabel(symbol)
    ax.set_ylabel(f"$p$({symbol})")
    ax.legend(loc="upper left")
    return Plot(figure, data, [])


@styled
def label_distributions_over_time(md: dict, predictions: dict, *, label: str = "bond_breaking", bins: int = 30) -> Plot:
    """p(X) at several times, MD (solid) against each model (dashed, dotted, ...) (GlassMLP
    PRL Fig. 2b: p(C_B) of MD, GlassMLP and ridge). ``md``: time -> values; ``predictions``:
    model -> {time: values}."""
    times = [t for t in md if _finite(md[t])[0].size]
    if not times:
        return empty_plot(f"no simulated {label} values to draw")
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    colours = [f"C{k}" for k in range(len(times))]
    edges = _bin_edges([_finite(md[t])[0] for t in times], bins)
    centres = 0.5 * (edges[1:] + edges[:-1])
    styles = ["--", ":", "-."]
    data = []
    for colour, t in zip(colours, times):
        density = _histogram(_finite(md[t])[0], edges)
        ax.plot(centres, density, color=colour, label=f"MD, $t = {t:g}$")
        data += [{"source": "MD", "time": t, "bin_centre": c, "density": d} for c, d in zip(centres, density)]
        for k, (name, by_time) in enumerate(predictions.items()):
            if t not in by_time:
                continue
            density = _histogram(_finite(by_time[t])[0], edges)
            ax.plot(centres, density, styles[k % len(styles)], color=colour, label=f"{model_name(name)}" if t == times[0] else None)
            data += [{"source": model_name(name), "time": t, "bin_centre": c, "density": d} for c, d in zip(centres, density)]
    symbol = LABEL_SYMBOLS.get(label, label)
    ax.set_xlabel(symbol)
    ax.set_ylabel(f"$p$({symbol})")
    ax.legend(loc="best")
    return Plot(figure, data, [])


@styled
def prediction_histograms(md, predictions: dict, *, label: str = "propensity", bins: int = 40) -> Plot:
    """2D histograms of predicted (x) against simulated (y) labels, one panel per model, every
    particle one entry (roadmap SI Fig. 3); the panel title gives the Pearson correlation. Data
    rows: the non-empty bins (counts) of every panel."""
    panels = {}
    for name, values in predictions.items():
        x, y = _finite(values, md)
        if x.size:
            panels[name] = (x, y)
    if not panels:
        return empty_plot(f"no predicted {label} values to draw")
    figure, axes = new_figure(len(panels), panel_size=(2.4, 2.2), columns=4)
    y_all = np.concatenate([y for _, y in panels.values()])
    y_edges = _bin_edges([y_all], bins, few=False)
    symbol = LABEL_SYMBOLS.get(label, label)
    data = []
    for ax, (name, (x, y)) in zip(axes, panels.items()):
        x_edges = _bin_edges([x], bins, few=False)
        counts, _, _ = np.histogram2d(x, y, bins=(x_edges, y_edges))
        ax.pcolormesh(x_edges, y_edges, np.where(counts.T > 0, counts.T, np.nan), cmap="viridis")
        rho = pearson(x, y)
        ax.set_title(f"{model_name(name)}, $\\rho_P = {rho:.2f}$")
        ax.set_xlabel(f"{symbol} (ML)")
        ix, iy = np.nonzero(counts)
        data += [{"model": name, "x_low": x_edges[i], "x_high": x_edges[i + 1], "y_low": y_edges[j],
                  "y_high": y_edges[j + 1], "count": int(counts[i, j]), "pearson": rho} for i, j in zip(ix, iy)]
    axes[0].set_ylabel(f"{symbol} (MD)")
    return Plot(figure, data, [])


@styled
def cross_correlations(values: dict) -> Plot:
    """The matrix of Pearson correlations rho_P(X, Y) between models, descriptors and the MD
    label (roadmap SI Fig. 5). ``values``: name -> per-particle array, all of one shape; the
    pairs are taken where both are finite."""
    names = [n for n, v in values.items() if np.isfinite(np.asarray(v, dtype=float)).any()]
    if len(names) < 2:
        return empty_plot("fewer than two models or descriptors to correlate")
    n = len(names)
    matrix = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            x, y = _finite(values[names[i]], values[names[j]])
            matrix[i, j] = pearson(x, y) if x.size > 1 else np.nan
    figure, (ax,) = new_figure(1, panel_size=(0.45 * n + 1.6, 0.45 * n + 1.0))
    image = ax.imshow(matrix, vmin=-1, vmax=1, cmap="RdBu_r")
    labels = [model_name(name) for name in names]
    ax.set_xticks(range(n), labels, rotation=90)
    ax.set_yticks(range(n), labels)
    ax.minorticks_off()
    for i in range(n):
        for j in range(n):
            if np.isfinite(matrix[i, j]):
                ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=5,
                        color="w" if abs(matrix[i, j]) > 0.6 else "k")
    figure.colorbar(image, ax=ax, label=r"$\rho_P(X, Y)$")
    data = [{"x": names[i], "y": names[j], "pearson": matrix[i, j]} for i in range(n) for j in range(n)]
    return Plot(figure, data, [])
