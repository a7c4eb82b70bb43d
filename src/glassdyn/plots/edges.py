"""Figures of BOTAN's pair-distance changes E_ij(t) (BOTAN JCP Figs. 4 and 6).

Arrays in: a structure's positions and box, its edges (pairs i < j, as the labels store
them) and per-edge values.
"""

from __future__ import annotations

import numpy as np

from glassdyn.plots.base import Plot, empty_plot, model_name, new_figure, styled
from glassdyn.plots.distributions import _bin_edges
from glassdyn.plots.snapshots import box_panel, slab

__all__ = ["edge_snapshot", "edge_distance_map", "pair_distances"]


def pair_distances(positions, box, edges) -> np.ndarray:
    """(E,) minimum-image distances r_ij of the pairs ``edges`` (E, 2)."""
    positions = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    edges = np.asarray(edges, dtype=int).reshape(-1, 2)
    delta = positions[edges[:, 1]] - positions[edges[:, 0]]
    delta -= box * np.round(delta / box)
    return np.linalg.norm(delta, axis=1)


@styled
def edge_snapshot(positions, types, box, edges, fields: dict, *, r_max: float = 1.35, pair_types=((0, 0),),
                  thickness: float = 1.0) -> Plot:
    """One panel per field (MD, each model): the pairs with r_ij(0) < ``r_max`` drawn as
    segments coloured by E_ij(t), in a slab of a 3D structure (BOTAN Fig. 4: |z - L/2| <
    thickness / 2, both ends inside, segments across the periodic boundary left out), the
    colour scale shared (1st to 99th percentile). ``fields``: name -> (E,) values;
    ``pair_types``: the (type_i, type_j) pairs shown (BOTAN: A-A)."""
    from matplotlib.collections import LineCollection

    positions = np.asarray(positions, dtype=float)
    types = np.asarray(types)
    box = np.asarray(box, dtype=float)
    edges = np.asarray(edges, dtype=int).reshape(-1, 2)
    r0 = pair_distances(positions, box, edges)
    wanted = {tuple(sorted(p)) for p in pair_types}
    kinds = np.sort(types[edges], axis=1)
    shown = (r0 < r_max) & np.array([tuple(k) in wanted for k in kinds], dtype=bool)
    if positions.shape[1] == 3:
        inside = slab(positions, box, thickness)
        shown &= inside[edges[:, 0]] & inside[edges[:, 1]]
    a, b = positions[edges[:, 0], :2], positions[edges[:, 1], :2]
    shown &= np.all(np.abs(b - a) < 0.5 * box[:2], axis=1)  # no segment across the box
    fields = {n: np.asarray(v, dtype=float) for n, v in fields.items() if np.isfinite(np.asarray(v, float)[shown]).any()}
    if not fields or not shown.any():
        return empty_plot("no pair-distance changes to draw")
    pooled = np.concatenate([v[shown] for v in fields.values()])
    pooled = pooled[np.isfinite(pooled)]
    low, high = np.percentile(pooled, 1), np.percentile(pooled, 99)
    figure, axes = new_figure(len(fields), panel_size=(2.3, 2.3), columns=4)
    segments = np.stack([a[shown], b[shown]], axis=1)
    data, image = [], None
    for ax, (name, values) in zip(axes, fields.items()):
        lines = LineCollection(segments, cmap="plasma", linewidths=1.2)
        lines.set_array(np.ma.masked_invalid(values[shown]))
        lines.set_clim(low, high)
        ax.add_collection(lines)
        box_panel(ax, box, model_name(name))
        image = lines
        data += [{"panel": name, "i": int(e[0]), "j": int(e[1]), "r0": float(r), "value": float(v)}
                 for e, r, v in zip(edges[shown], r0[shown], values[shown])]
    figure.colorbar(image, ax=axes, shrink=0.8, label=r"$\mathcal{E}_{ij}(t)$")
    notes = [f"pairs {', '.join(f'{p[0]}-{p[1]}' for p in sorted(wanted))} with r_ij(0) < {r_max:g}"]
    if positions.shape[1] == 3:
        notes.append(f"slab |z - L/2| < {thickness / 2:g}")
    return Plot(figure, data, notes)


@styled
def edge_distance_map(initial_distances, changes: dict, *, bins: int = 40) -> Plot:
    """The probability density of (r_ij(0), E_ij(t)), a panel per time (BOTAN Fig. 6: the
    nearest-neighbour A-A pairs of the training structures, t = 13 ... 13000 at T = 0.44; the
    anti-correlation at short times is the elastic strain). ``initial_distances``: (E,);
    ``changes``: time -> (E,) E_ij(t) of the same pairs. The table holds every non-empty bin."""
    r0 = np.asarray(initial_distances, dtype=float)
    changes = {float(t): np.asarray(v, dtype=float) for t, v in changes.items()}
    changes = {t: v for t, v in changes.items() if np.isfinite(v).any()}
    if not changes or not r0.size:
        return empty_plot("no pair-distance changes to draw")
    times = sorted(changes)
    r_edges = _bin_edges([r0], bins, few=False)
    figure, axes = new_figure(len(times), sharey=False, panel_size=(2.6, 2.3), columns=4)
    data = []
    for ax, t in zip(axes, times):
        v = changes[t]
        keep = np.isfinite(v) & np.isfinite(r0)
        e_edges = _bin_edges([v[keep]], bins, few=False)
        density, _, _ = np.histogram2d(r0[keep], v[keep], bins=(r_edges, e_edges), density=True)
        ax.pcolormesh(r_edges, e_edges, np.ma.masked_equal(density.T, 0), cmap="viridis", shading="flat")
        ax.set_xlabel(r"$r_{ij}(0)$")
        ax.set_title(f"$t = {t:g}$")
        ri, ei = np.nonzero(density)
        data += [{"time": t, "r0_low": r_edges[a], "r0_high": r_edges[a + 1], "E_low": e_edges[b], "E_high": e_edges[b + 1],
                  "density": density[a, b]} for a, b in zip(ri, ei)]
    axes[0].set_ylabel(r"$\mathcal{E}_{ij}(t)$")
    return Plot(figure, data, [])
