"""Numba versions of :mod:`glassdyn.geometry`, one Cartesian component at a time, for kernels.

Separate from :mod:`glassdyn.geometry` so that importing the numpy geometry does not import
numba. Each helper is ``inline="always"``: numba pastes its body into the calling kernel
before compilation, so a loop that calls it compiles to the machine code of the hand-written
expression (checked for the swap kernel's ``_cell_list`` and ``_collect_neighbours``: the same
instructions). A plain njit helper is compiled separately and called; in the swap kernel that
made a phase 1.7x slower. The expressions are those of :mod:`glassdyn.geometry` and of the
kernels they replace, term for term, so results are bit-identical.

Units: lengths sigma_11; ``length`` is one box edge L_k, ``x`` one coordinate and ``dx`` one
component of a separation, all scalars (float64).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(inline="always", cache=True)
def wrap_component(x, length):
    """x folded into [0, L): x - L floor(x / L), and L (x a tiny negative number) folded to 0.

    The floor form of :func:`glassdyn.geometry.wrap_floor` followed by the fold that makes
    it strict; returns a float in [0, L).
    """
    y = x - length * np.floor(x / length)
    if y >= length:  # x = -1e-17 wraps to L in floating point
        y -= length
    return y


@numba.njit(inline="always", cache=True)
def minimum_image_component(dx, length):
    """dx - L rint(dx / L): one component of :func:`glassdyn.geometry.minimum_image`, any dx."""
    return dx - length * np.rint(dx / length)


@numba.njit(inline="always", cache=True)
def minimum_image_wrapped(dx, length):
    """The minimum image of dx = y_j - y_i with both coordinates wrapped into [0, L).

    Then |dx| < L and one conditional shift is enough (no division): dx - L if dx > L/2,
    dx + L if dx < -L/2, dx otherwise. A component of exactly +-L/2 is kept, as
    :func:`minimum_image_component` keeps it.
    """
    if dx > 0.5 * length:
        return dx - length
    if dx < -0.5 * length:
        return dx + length
    return dx


# -- short-range periodic pair list -------------------------------------------------------------
def periodic_pairs(positions, box, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair i < j with |r_j - r_i| < ``cutoff`` in the minimum image, sorted by (i, j).

    A cell list with cells no smaller than the cut-off, so the 3^d neighbour cells of a
    particle's cell hold every partner (cut-off below half the shortest edge, one image per
    pair); O(N). Separations are ``minimum_image(r_j - r_i)`` bit for bit (the same
    expression). For N = 4096 at KA density and r_c = 2 it takes a few ms, a tenth of a
    k-d tree query with its sort (``benchmarks/graph_speed.py``).

    Parameters
    ----------
    positions : (N, d) sigma_11 (wrapped into [0, L) here, as :func:`glassdyn.geometry.wrap`)
    box : (d,) box edges, sigma_11; cutoff : sigma_11, below half the shortest edge

    Returns
    -------
    pairs : (P, 2) int64, i < j, sorted by i then j
    vectors : (P, d) float64 r_j - r_i in the minimum image, sigma_11
    """
    box = np.ascontiguousarray(box, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != len(box):
        raise ValueError(f"positions must be (N, d) with d = len(box); got {positions.shape} and box {box.shape}")
    positions = np.ascontiguousarray(_wrapped(positions, box))
    if not 0 < cutoff < 0.5 * box.min():
        raise ValueError(f"pair cutoff {cutoff:.3f} must be positive and below half the box edge {0.5 * box.min():.3f}")
    # at least 3 cells per axis, so the 3^d stencil never visits a cell twice
    n_cells = np.maximum(3, np.floor(box / cutoff)).astype(np.int64)
    if np.any(box / n_cells < cutoff):
        n_cells = np.maximum(1, np.floor(box / cutoff)).astype(np.int64)  # short box: fewer, wider cells
    cells = _cells(positions, box, n_cells)
    d = len(box)
    first = np.zeros(len(positions) + 1, np.int64)
    counts = _pair_pass(positions, box, float(cutoff), n_cells, *cells, False, first, np.empty((0, 2), np.int64),
                        np.empty((0, d)))
    np.cumsum(counts, out=first[1:])
    pairs = np.empty((first[-1], 2), np.int64)
    vectors = np.empty((first[-1], d), np.float64)
    _pair_pass(positions, box, float(cutoff), n_cells, *cells, True, first, pairs, vectors)
    return pairs, vectors


@numba.njit(inline="always", cache=True)
def _near_image(dx, length, half):
    """Minimum image of a separation of two wrapped coordinates (|dx| < L): the value of
    :func:`minimum_image_component` bit for bit wherever |dx| != L/2 (there rint(dx/L) is
    -1, 0 or 1 and L * 1.0 == L), without its division."""
    if dx > half:
        return dx - length
    if dx < -half:
        return dx + length
    return dx


@numba.njit(cache=True)
def _cells(positions, box, n_cells):
    """(cell of each particle, particles sorted by cell, start of each cell in that order)."""
    n, d = positions.shape
    cell = np.empty(n, np.int64)
    total = 1
    for k in range(d):
        total *= n_cells[k]
    for i in range(n):
        c = 0
        for k in range(d):
            x = wrap_component(positions[i, k], box[k])
            ck = int(x / box[k] * n_cells[k])
            if ck >= n_cells[k]:
                ck = n_cells[k] - 1
            c = c * n_cells[k] + ck
        cell[i] = c
    start = np.zeros(total + 1, np.int64)
    for i in range(n):
        start[cell[i] + 1] += 1
    for c in range(total):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        order[fill[cell[i]]] = i
        fill[cell[i]] += 1
    return cell, order, start


@numba.njit(cache=True)
def _stencil(c, n_cells, out):
    """The (up to) 3^d distinct cells around cell c (periodic); returns how many."""
    d = len(n_cells)
    coord = np.empty(d, np.int64)
    rest = c
    for k in range(d - 1, -1, -1):
        coord[k] = rest % n_cells[k]
        rest //= n_cells[k]
    m = 0
    for s in range(3 ** d):
        code, flat = s, 0
        for k in range(d):
            step = code % 3 - 1
            code //= 3
            flat = flat * n_cells[k] + (coord[k] + step) % n_cells[k]
        duplicate = False
        for q in range(m):
            if out[q] == flat:
                duplicate = True
        if not duplicate:
            out[m] = flat
            m += 1
    return m


@numba.njit(cache=True)
def _pair_pass(positions, box, cutoff, n_cells, cell, order, start, fill, first, pairs, vectors):
    """Count (fill=False: returns the (N,) partners j > i of each i) or write (fill=True, from
    ``first``) the pairs of :func:`periodic_pairs`."""
    n, d = positions.shape
    stencil = np.empty(3 ** d, np.int64)
    counts = np.zeros(n, np.int64)
    rc2 = cutoff * cutoff
    half = 0.5 * box
    dx = np.empty(d)
    for i in range(n):
        m = _stencil(cell[i], n_cells, stencil)
        p = first[i] if fill else 0
        for q in range(m):
            c = stencil[q]
            for s in range(start[c], start[c + 1]):
                j = order[s]
                if j <= i:
                    continue
                r2 = 0.0
                for k in range(d):
                    dx[k] = _near_image(positions[j, k] - positions[i, k], box[k], half[k])
                    r2 += dx[k] * dx[k]
                if r2 < rc2:
                    if fill:
                        pairs[p, 0] = i
                        pairs[p, 1] = j
                        for k in range(d):
                            vectors[p, k] = dx[k]
                    p += 1
        counts[i] = p - (first[i] if fill else 0)
        if not fill:
            continue
        # partners of i sorted by j (insertion sort: a few tens per particle)
        for a in range(first[i] + 1, p):
            b = a
            while b > first[i] and pairs[b - 1, 1] > pairs[b, 1]:
                for k in range(2):
                    tmp = pairs[b - 1, k]
                    pairs[b - 1, k] = pairs[b, k]
                    pairs[b, k] = tmp
                for k in range(d):
                    tv = vectors[b - 1, k]
                    vectors[b - 1, k] = vectors[b, k]
                    vectors[b, k] = tv
                b -= 1
    return counts


def _wrapped(positions, box):
    from glassdyn.geometry import wrap

    return wrap(positions, box)
