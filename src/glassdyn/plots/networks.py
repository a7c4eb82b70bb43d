"""Figures of the networks themselves: loss curves (BOTAN JCP Fig. 3) and the two-dimensional
bottleneck of GlassMLP and tGlassMLP (tGlassMLP PRB Figs. 10 and 11).
"""

from __future__ import annotations

import numpy as np

from glassdyn.plots.base import LABEL_SYMBOLS, Plot, empty_plot, new_figure, styled

__all__ = ["training_loss", "bottleneck_scatter"]


@styled
def training_loss(histories: dict, *, columns=("loss", "node_loss", "edge_loss")) -> Plot:
    """Loss against epoch on log-log axes, a line per training and loss term (BOTAN Fig. 3:
    the edge pretraining, 2000 epochs at t = 13, T = 0.44, converged). ``histories``: name ->
    dict column -> (n_epochs,) values, with an ``epoch`` column (as the graph networks'
    ``history_``, :data:`glassdyn.models.gnn.HISTORY_COLUMNS`); all-zero or NaN terms are
    left out (the node loss of a pretraining with p = 0)."""
    figure, (ax,) = new_figure(1, panel_size=(3.4, 2.6))
    data, notes = [], []
    for name, history in histories.items():
        epochs = np.asarray(history["epoch"], dtype=float)
        for column in columns:
            if column not in history:
                continue
            values = np.asarray(history[column], dtype=float)
            keep = np.isfinite(values) & (values > 0) & (epochs > 0)
            if not keep.any():
                notes.append(f"{name}: no {column.replace('_', ' ')}, left out.")
                continue
            ax.plot(epochs[keep], values[keep], label=f"{name}, {column.replace('_', ' ')}")
            data += [{"training": name, "term": column, "epoch": int(e), "value": v}
                     for e, v in zip(epochs[keep], values[keep])]
    if not data:
        return empty_plot("no loss history to draw")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(loc="best", fontsize="x-small")
    return Plot(figure, data, notes)


@styled
def bottleneck_scatter(panels: dict, *, label: str = "bond_breaking", max_points: int = 20000, seed: int = 0) -> Plot:
    """Each particle at the coordinates of the two bottleneck neurons, coloured by its label,
    one panel per time or temperature (tGlassMLP PRB Fig. 10: T = 0.25 at several t; Fig. 11:
    <C_B> = 0.8 at several T), one shared colour bar. ``panels``: title -> (bottleneck (N, 2),
    label (N,)); at most ``max_points`` particles per panel are drawn (a fixed random subset)
    and tabulated."""
    panels = {k: (np.asarray(b, dtype=float), np.asarray(v, dtype=float)) for k, (b, v) in panels.items()}
    panels = {k: (b, v) for k, (b, v) in panels.items() if b.ndim == 2 and b.shape[1] == 2 and len(b) == len(v) and len(v)}
    if not panels:
        return empty_plot("no bottleneck values to draw")
    pooled = np.concatenate([v[np.isfinite(v)] for _, v in panels.values()])
    low, high = (np.percentile(pooled, 1), np.percentile(pooled, 99)) if pooled.size else (0.0, 1.0)
    figure, axes = new_figure(len(panels), panel_size=(2.6, 2.4), columns=4)
    rng = np.random.default_rng(seed)
    data, image = [], None
    for ax, (title, (bottleneck, values)) in zip(axes, panels.items()):
        chosen = np.arange(len(values)) if len(values) <= max_points else np.sort(rng.choice(len(values), max_points, replace=False))
        image = ax.scatter(bottleneck[chosen, 0], bottleneck[chosen, 1], c=values[chosen], s=2, cmap="plasma",
                           vmin=low, vmax=high, linewidths=0, rasterized=True)
        ax.set_xlabel("bottleneck 1")
        ax.set_title(str(title))
        data += [{"panel": title, "particle": int(i), "bottleneck_1": bottleneck[i, 0], "bottleneck_2": bottleneck[i, 1],
                  "value": values[i]} for i in chosen]
    axes[0].set_ylabel("bottleneck 2")
    figure.colorbar(image, ax=axes, shrink=0.8, label=LABEL_SYMBOLS.get(label, label))
    return Plot(figure, data, [])
