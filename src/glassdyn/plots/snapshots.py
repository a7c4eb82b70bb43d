"""Snapshots of a structure coloured by per-particle values (roadmap SI Fig. 4, GlassMLP PRL
Fig. 3a, BOTAN Fig. 4).

Particles are drawn as discs of their diameter sigma_aa in the box's units; in 3D, as a slab
of the box (|z - z_0| < thickness / 2, seen along z), as BOTAN Fig. 4 shows its structures.
"""

from __future__ import annotations

import numpy as np

from glassdyn.plots.base import Plot, empty_plot, model_name, new_figure, styled

__all__ = ["snapshot"]


def slab(positions, box, thickness: float = 1.0, centre: float | None = None) -> np.ndarray:
    """(N,) mask of the particles of a 3D structure within ``thickness`` of z = ``centre``
    (default: half the box), periodic in z."""
    positions = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    centre = 0.5 * box[2] if centre is None else float(centre)
    dz = positions[:, 2] - centre
    dz -= box[2] * np.round(dz / box[2])
    return np.abs(dz) < 0.5 * thickness


def box_panel(ax, box, title: str) -> None:
    """A panel showing the box's x-y projection: equal aspect, no ticks, a title."""
    ax.set_xlim(0, box[0])
    ax.set_ylim(0, box[1])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.minorticks_off()
    ax.set_title(title)


@styled
def snapshot(positions, types, box, fields: dict, *, diameters=(1.0, 0.88, 0.94), particle_types=(0,),
             own_scale=(), thickness: float = 1.0, label: str = r"$\mathcal{R}$") -> Plot:
    """One panel per field (MD, each model, a descriptor), the same particles in each.

    positions (N, d), types (N,), box (d,); fields: name -> (N,) values (NaN: not drawn);
    diameters: sigma_aa per type; particle_types: the types shown (the roadmap shows type A);
    own_scale: fields with their own colour bar (e.g. the inherent-structure energy), the others
    share one (range: 1st to 99th percentile of their pooled values).
    """
    positions = np.asarray(positions, dtype=float)
    types = np.asarray(types)
    box = np.asarray(box, dtype=float)
    shown = np.isin(types, particle_types)
    if positions.shape[1] == 3:
        shown &= slab(positions, box, thickness)
    fields = {name: np.asarray(v, dtype=float) for name, v in fields.items() if np.isfinite(np.asarray(v, float)[shown]).any()}
    if not fields:
        return empty_plot("no per-particle values to draw")
    shared = [n for n in fields if n not in own_scale]
    pooled = np.concatenate([fields[n][shown] for n in shared]) if shared else np.zeros(1)
    pooled = pooled[np.isfinite(pooled)]
    shared_range = (np.percentile(pooled, 1), np.percentile(pooled, 99)) if pooled.size else (0.0, 1.0)
    from matplotlib.collections import EllipseCollection

    figure, axes = new_figure(len(fields), panel_size=(2.3, 2.3), columns=4)
    size = np.asarray(diameters, dtype=float)[types[shown]]
    xy = positions[shown, :2]
    data = []
    image = None
    for ax, (name, values) in zip(axes, fields.items()):
        v = values[shown]
        low, high = (np.nanpercentile(v, 1), np.nanpercentile(v, 99)) if name in own_scale else shared_range
        discs = EllipseCollection(size, size, np.zeros(len(size)), units="xy", offsets=xy,
                                  offset_transform=ax.transData, cmap="plasma", linewidths=0)
        discs.set_array(np.ma.masked_invalid(v))
        discs.set_clim(low, high)
        ax.add_collection(discs)
        box_panel(ax, box, model_name(name))
        if name in own_scale:
            figure.colorbar(discs, ax=ax, location="bottom", shrink=0.8)
        else:
            image = discs
        data += [{"panel": name, "particle": int(i), "x": float(p[0]), "y": float(p[1]), "value": float(x)}
                 for i, p, x in zip(np.flatnonzero(shown), xy, v)]
    if image is not None:
        figure.colorbar(image, ax=[ax for ax, n in zip(axes, fields) if n not in own_scale], shrink=0.8, label=label)
    notes = [f"slab |z - L/2| < {thickness / 2:g}"] if positions.shape[1] == 3 else []
    return Plot(figure, data, notes)
