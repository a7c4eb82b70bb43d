"""Exponentially weighted neighbourhood averages: GlassMLP's coarse-graining.

For a particle i, a type group beta (one species, or all particles) and a length L
(tGlassMLP PRB eqs. 1-4, GlassMLP PRL; roadmap SI I.F and I.I)::

    rho_{L,beta}^i   = sum_{j in beta, r_ij < r_cut} exp(-r_ij / L)                (density)
    mean_{L,beta}^i  = sum_j v_j exp(-r_ij / L) / rho_{L,beta}^i                   (average of v)
    var_{L,beta}^i   = sum_j (v_j - mean_{L,beta}^i)^2 exp(-r_ij / L) / rho_{L,beta}^i

The sums include j = i (r = 0, weight 1) and run over all periodic images within
r_cut (20 sigma_11 in the papers; the 4096-particle KA box is only 15 sigma wide).
L = 0 means "the particle itself": weight 1 at r = 0 and 0 elsewhere, so rho is 1 for i's own
group and 0 for the others, the mean is v_i (0 for other groups) and the variance is 0.
Groups without any weight (a species absent within r_cut) give 0, never NaN.

The kernel visits each pair once and accumulates, per particle and species, sum w,
sum w (v_j - v_i) and sum w (v_j - v_i)^2; shifting by the particle's own value keeps the
variance free of cancellation. The all-types group is the sum of the species groups.
"""

from __future__ import annotations

import numba
import numpy as np

from glassdyn.descriptors.neighbours import CellGrid, _neighbour_cell


@numba.njit(cache=True, fastmath=True)
def _accumulate(positions, box, cutoff, n_cells, offsets, cell_of, cell_start, types, n_types,
                inverse_lengths, values, want_square, s0, s1, s2):
    """Half-pair sweep over particles sorted by cell (cell c holds cell_start[c]:cell_start[c+1]);
    s0 (N, T, nL), s1/s2 (N, T, F, nL), L innermost so the per-pair updates are contiguous."""
    n, d = positions.shape
    n_l = inverse_lengths.shape[0]
    n_f = values.shape[1]
    rc2 = cutoff * cutoff
    other = np.empty(d, dtype=np.int64)
    shift = np.empty(d, dtype=np.float64)
    w = np.empty(n_l)
    for i in range(n):
        ti = types[i]
        for o in range(offsets.shape[0]):
            c, zero = _neighbour_cell(cell_of[i], offsets[o], n_cells, box, other, shift)
            for j in range(cell_start[c], cell_start[c + 1]):
                if zero and j <= i:
                    continue
                r2 = 0.0
                for k in range(d):
                    dx = positions[j, k] + shift[k] - positions[i, k]
                    r2 += dx * dx
                if r2 >= rc2:
                    continue
                r = np.sqrt(r2)
                tj = types[j]
                for l in range(n_l):
                    w[l] = np.exp(-r * inverse_lengths[l])
                    s0[i, tj, l] += w[l]
                    s0[j, ti, l] += w[l]
                for f in range(n_f):
                    dv = values[j, f] - values[i, f]
                    for l in range(n_l):
                        wd = w[l] * dv
                        s1[i, tj, f, l] += wd
                        s1[j, ti, f, l] -= wd
                    if want_square[f]:
                        dv2 = dv * dv
                        for l in range(n_l):
                            s2[i, tj, f, l] += w[l] * dv2
                            s2[j, ti, f, l] += w[l] * dv2


class CoarseGraining:
    """Coarse-grained density, averages and local variances of per-particle fields.

    Parameters
    ----------
    lengths : coarse-graining lengths L, sigma_11 (0 means the particle itself)
    cutoff : largest r_ij summed over, sigma_11 (20 in GlassMLP / tGlassMLP)

    After :meth:`compute`, with G = n_types + 1 groups (species 0..n_types-1, then all):

    - ``density``: (N, G, n_L) rho_{L,beta}
    - ``mean[name]``: (N, G, n_L) weighted average of field ``name``
    - ``variance[name]``: (N, G, n_L) weighted variance (only for fields in ``variance_of``)
    """

    def __init__(self, lengths, cutoff: float = 20.0):
        self.lengths = np.asarray(lengths, dtype=float).ravel()
        if self.lengths.size == 0 or np.any(self.lengths < 0) or not np.all(np.isfinite(self.lengths)):
            raise ValueError(f"lengths must be finite and >= 0, got {lengths}")
        if not cutoff > 0:
            raise ValueError(f"cutoff must be positive, got {cutoff}")
        self.cutoff = float(cutoff)

    def compute(self, positions, types, box, fields: dict | None = None, *, variance_of=(), n_types: int | None = None):
        """Coarse-grain ``fields`` (name -> (N,) array) around every particle.

        positions : (N, d) sigma_11; types : (N,) 0-based; box : (d,) sigma_11;
        n_types : number of species (default max(types) + 1; pass it so that a structure
        missing a species still gets the same columns).
        """
        fields = dict(fields or {})
        types = np.ascontiguousarray(types, dtype=np.int64)
        n = len(types)
        n_types = int(types.max()) + 1 if n_types is None else int(n_types)
        if n and (types.min() < 0 or types.max() >= n_types):
            raise ValueError(f"types must lie in 0..{n_types - 1}")
        unknown = set(variance_of) - set(fields)
        if unknown:
            raise ValueError(f"variance_of names fields that were not given: {sorted(unknown)}")
        names = list(fields)
        values = np.zeros((n, len(names)))
        for f, name in enumerate(names):
            v = np.asarray(fields[name], dtype=float)
            if v.shape != (n,):
                raise ValueError(f"field {name!r} has shape {v.shape}, expected ({n},)")
            if not np.all(np.isfinite(v)):
                raise ValueError(f"field {name!r} contains NaN or inf")
            values[:, f] = v
        grid = CellGrid(positions, box, self.cutoff)
        if len(grid.positions) != n:
            raise ValueError(f"{len(grid.positions)} positions but {n} types")

        positive = self.lengths > 0
        inverse = 1.0 / self.lengths[positive]
        n_l = len(inverse)
        s0 = np.zeros((n, n_types, n_l))
        s1 = np.zeros((n, n_types, len(names), n_l))
        s2 = np.zeros_like(s1)
        want_square = np.array([name in variance_of for name in names], dtype=np.bool_)
        if n_l:
            # sweep over particles sorted by cell, so neighbours sit close in memory
            o = grid.order
            _accumulate(np.ascontiguousarray(grid.positions[o]), grid.box, grid.cutoff, grid.n_cells, grid.offsets,
                        np.ascontiguousarray(grid.cell_of[o]), grid.cell_start,
                        types[o], n_types, inverse, np.ascontiguousarray(values[o]), want_square, s0, s1, s2)
        # back from cell order to particle order
        s0[grid.order] = s0.copy()
        s1[grid.order] = s1.copy()
        s2[grid.order] = s2.copy()
        # the particle itself (r = 0, weight 1)
        s0[np.arange(n), types, :] += 1.0

        def with_all(a):
            return np.concatenate([a, a.sum(axis=1, keepdims=True)], axis=1)

        s0, s1, s2 = with_all(s0), with_all(s1), with_all(s2)
        n_groups = n_types + 1
        shape = (n, n_groups, len(self.lengths))
        self.n_types = n_types
        self.density = np.zeros(shape)
        self.mean = {name: np.zeros(shape) for name in names}
        self.variance = {name: np.zeros(shape) for name in variance_of}
        own = np.zeros((n, n_groups), dtype=bool)
        own[np.arange(n), types] = True
        own[:, -1] = True
        # L = 0: the particle itself
        self.density[:, :, ~positive] = own[:, :, None]
        for f, name in enumerate(names):
            self.mean[name][:, :, ~positive] = np.where(own, values[:, f][:, None], 0.0)[:, :, None]
        # L > 0
        present = s0 > 0
        safe = np.where(present, s0, 1.0)
        self.density[:, :, positive] = s0
        for f, name in enumerate(names):
            shift = s1[:, :, f, :] / safe
            self.mean[name][:, :, positive] = np.where(present, values[:, f][:, None, None] + shift, 0.0)
            if name in self.variance:
                var = s2[:, :, f, :] / safe - shift**2
                self.variance[name][:, :, positive] = np.where(present, np.maximum(var, 0.0), 0.0)
        return self


def coarse_grain(positions, box, values, length: float, *, types=None, same_type: bool = False, cutoff: float = 20.0):
    """sum_j v_j exp(-r_ij/L) / sum_j exp(-r_ij/L) over j within ``cutoff`` (j = i included).

    With ``same_type`` only particles of i's species count (SBO-CG, roadmap SI I.H);
    otherwise all particles (the L = 5 baselines of roadmap SI I.I). Returns (N,).
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if types is None:
        if same_type:
            raise ValueError("same_type needs types")
        types = np.zeros(n, dtype=np.int64)
    types = np.asarray(types, dtype=np.int64)
    cg = CoarseGraining([length], cutoff).compute(positions, types, box, {"v": values})
    mean = cg.mean["v"][:, :, 0]
    return mean[np.arange(n), types] if same_type else mean[:, -1]
