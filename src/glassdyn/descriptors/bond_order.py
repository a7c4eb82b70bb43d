"""Bond-order descriptors: Steinhardt's Psi_l and the smooth bond order (SBO).

All lengths are in units of sigma_11, types are 0-based, ``box`` holds the edges of an
orthorhombic periodic box. Both descriptors are sums over neighbours j of particle i over
*all* periodic images (:func:`glassdyn.descriptors.neighbours.pair_list`), so boxes smaller
than twice the cutoff are handled exactly (a particle's own images count as neighbours too).

Psi_l (roadmap SI I.I, eqs. 3-6)
--------------------------------
Neighbours of i: every particle j (all types) with r_ij < r_cut = 2.0 sigma_11. The roadmap
gives this cutoff for the 3D Psi_6; the 2D Psi_4 uses the same value here.

- 3D: q_lm(i) = 1/N_b sum_j Y_lm(r_ij),  Psi_l(i) = sqrt(4 pi / (2l + 1) sum_m |q_lm(i)|^2)
- 2D: q_l(i) = 1/N_b sum_j exp(i l theta_ij),  Psi_l(i) = |q_l(i)|

Defaults: l = 6 in 3D, l = 4 in 2D. Coarse-grained form (roadmap SI I.I): L = 5, all types.

SBO (Coslovich, Jack & Paret, JCP 157, 204503 (2022); roadmap SI I.H)
-------------------------------------------------------------------
As ``partycls.descriptors.SmoothedBondOrientationalDescriptor`` (partycls 2.0) computes it:

    q_lm^S(i) = sum_j f(r_ij) Y_lm(r_ij) / sum_j f(r_ij),
    f(r) = exp[-(r / r_ab^c)^gamma] H(xi r_ab^c - r),
    Q_l^S(i) = sqrt(4 pi / (2l + 1) sum_m |q_lm^S(i)|^2),
    X^SBO(i) = (Q_{l_min}^S(i), ..., Q_{l_max}^S(i)),

with a, b the species of i and j, gamma = 8, xi = 1.3 (strict inequality r < xi r_ab^c),
l_min = 1 and l_max = 8 (partycls' defaults). Q_0^S = 1 identically, so the roadmap's
"(Q_0^S, ..., Q_8^S)" (SI eq. 2) carries the same information; a constant column also drops
out of the PCA (it has zero variance). r_ab^c is the first minimum of the partial g_ab(r),
found as partycls' ``Trajectory.compute_nearest_neighbors_cutoffs(dr=0.1)`` does (see
:func:`first_minimum_cutoffs`). Differences from partycls: partycls uses the minimum-image
convention, here all images count (identical whenever xi r_ab^c < L/2, always the case for
the benchmark systems); a particle without neighbours gives NaN in both.

The projection on the first principal component, per species (:func:`first_principal_component`),
and its coarse-grained version (L = 1, same species, roadmap SI I.H) complete the SBO baseline.
"""

from __future__ import annotations

import numba
import numpy as np

from glassdyn.descriptors.angular import bond_order_invariants
from glassdyn.descriptors.coarse_grain import coarse_grain
from glassdyn.descriptors.neighbours import CellGrid, PairList, _as_inputs, _neighbour_cell, pair_list

__all__ = [
    "BondOrientationalOrder",
    "SmoothBondOrder",
    "first_minimum_cutoffs",
    "first_principal_component",
    "partial_rdf",
]


def _check_types(types, n_particles):
    types = np.asarray(types)
    if types.shape != (n_particles,):
        raise ValueError(f"types must have shape ({n_particles},), got {types.shape}")
    if not np.issubdtype(types.dtype, np.integer):
        if not np.all(types == np.round(types)):
            raise ValueError("types must be integers")
    types = types.astype(np.int64)
    if n_particles and types.min() < 0:
        raise ValueError("types must be 0-based non-negative integers")
    return types


# --------------------------------------------------------------------------------------------
# partial g_ab(r) and its first minimum, as partycls computes them
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _minimum_image_histogram(positions, box, types, r_max, bin_width, n_bins,
                             n_cells, offsets, order, cell_of, cell_start, hist):
    """hist[a, b, m] += number of ordered pairs (i of type a, j of type b, i != j) whose
    minimum-image distance r satisfies floor(r / bin_width) = m, for r < r_max."""
    n, d = positions.shape
    rc2 = r_max * r_max
    other = np.empty(d, dtype=np.int64)
    shift = np.empty(d, dtype=np.float64)
    v = np.empty(d, dtype=np.float64)
    for i in range(n):
        for o in range(offsets.shape[0]):
            c, zero = _neighbour_cell(cell_of[i], offsets[o], n_cells, box, other, shift)
            for s in range(cell_start[c], cell_start[c + 1]):
                j = order[s]
                if zero and j <= i:
                    continue
                if j == i:
                    continue  # own images are never a minimum image
                r2 = 0.0
                minimum = True
                for k in range(d):
                    v[k] = positions[j, k] + shift[k] - positions[i, k]
                    r2 += v[k] * v[k]
                    if abs(v[k]) > 0.5 * box[k]:
                        minimum = False
                if not minimum or r2 >= rc2:
                    continue
                m = int(np.floor(np.sqrt(r2) / bin_width))
                if m < n_bins:
                    hist[types[i], types[j], m] += 1
                    hist[types[j], types[i], m] += 1


def partial_rdf(positions, types, box, bin_width: float = 0.1, n_types: int | None = None):
    """Partial radial distribution functions g_ab(r) on partycls' grid.

    The grid is ``r = arange(dr/2, L_min/2, dr)`` (bin centres, L_min the shortest box edge);
    bin m counts pairs with floor(r_ij / dr) = m, r_ij the minimum-image distance, exactly as
    ``partycls.descriptors.RadialDescriptor(dr=dr, bounds=(0, L_min/2))`` bins them, and the
    normalisation is partycls' "gr" one: g_ab(r_m) = n_ab(m) V / (N_a N_b v_m) with n_ab(m)
    the number of ordered pairs (i in a, j in b, i != j) in bin m and v_m the volume (area)
    of the spherical (circular) shell [m dr, (m + 1) dr).

    Parameters
    ----------
    positions : (N, d) sigma_11
    types : (N,) 0-based species
    box : (d,) sigma_11
    bin_width : dr, sigma_11
    n_types : number of species (default: max(types) + 1)

    Returns
    -------
    r : (n_bins,) bin centres, sigma_11
    g : (n_types, n_types, n_bins); NaN for a pair with an absent species
    """
    positions, box = _as_inputs(positions, box)
    n, d = positions.shape
    types = _check_types(types, n)
    n_types = int(types.max()) + 1 if n_types is None else int(n_types)
    r = np.arange(bin_width / 2.0, box.min() / 2.0, bin_width, dtype=np.float64)
    n_bins = len(r)
    hist = np.zeros((n_types, n_types, n_bins), dtype=np.int64)
    if n_bins and n > 1:
        r_max = n_bins * bin_width
        grid = CellGrid(positions, box, r_max)
        _minimum_image_histogram(grid.positions, grid.box, types, r_max, float(bin_width), n_bins,
                                 grid.n_cells, grid.offsets, grid.order, grid.cell_of, grid.cell_start, hist)
    counts = np.bincount(types, minlength=n_types).astype(float)
    b = np.arange(1, n_bins + 1, dtype=float)
    unit = np.pi if d == 2 else 4.0 * np.pi / 3.0
    shell = unit * bin_width**d * (b**d - (b - 1.0) ** d)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = hist * np.prod(box) / (counts[:, None, None] * counts[None, :, None] * shell)
    return r, g


def first_minimum_cutoffs(positions, types, box, bin_width: float = 0.1, n_types: int | None = None):
    """Nearest-neighbour cutoffs r_ab^c = first minimum of g_ab(r), partycls' rule.

    As ``partycls.Trajectory.compute_nearest_neighbors_cutoffs(dr=0.1)``: on the grid of
    :func:`partial_rdf`, m_max = argmax_m g_ab, m_min = m_max + argmin_{m >= m_max} g_ab, and
    r_ab^c = r[m_min] (a bin centre; the first occurrence wins ties). One configuration only:
    partycls averages the histogram over the frames of its trajectory.

    Returns
    -------
    (n_types, n_types) symmetric, sigma_11; NaN for pairs involving an absent species.
    """
    r, g = partial_rdf(positions, types, box, bin_width, n_types)
    n_types = g.shape[0]
    cutoffs = np.full((n_types, n_types), np.nan)
    for a in range(n_types):
        for b in range(a, n_types):
            gab = g[a, b]
            if len(gab) == 0 or not np.all(np.isfinite(gab)):
                continue
            first_max = int(np.argmax(gab))
            first_min = int(np.argmin(gab[first_max:])) + first_max
            cutoffs[a, b] = cutoffs[b, a] = r[first_min]
    return cutoffs


# --------------------------------------------------------------------------------------------
# PCA per species
# --------------------------------------------------------------------------------------------


def _species_pca(features, types):
    features = np.asarray(features, dtype=float)
    if features.ndim != 2:
        raise ValueError(f"features must be (N, F), got shape {features.shape}")
    types = _check_types(types, len(features))
    if not np.all(np.isfinite(features)):
        raise ValueError("features contain NaN or inf (a particle without neighbours?)")
    projection = np.zeros(len(features))
    components, means, ratios = {}, {}, {}
    for t in np.unique(types):
        rows = types == t
        x = features[rows]
        mean = x.mean(axis=0)
        centred = x - mean
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        v = vt[0]
        # scikit-learn's svd_flip (u_based_decision=False): largest-|loading| entry positive
        if v[np.argmax(np.abs(v))] < 0:
            v = -v
        projection[rows] = centred @ v
        variance = s**2
        components[int(t)], means[int(t)] = v, mean
        ratios[int(t)] = variance[0] / variance.sum() if variance.sum() > 0 else np.nan
    return projection, components, means, ratios


def first_principal_component(features, types):
    """Projection of each particle's feature vector on its species' first principal component.

    For each species separately: centre the features of that species' particles, take the
    SVD, and project on the first right-singular vector (the direction of largest variance).
    The sign is fixed as scikit-learn's ``svd_flip`` does (entry of largest magnitude
    positive), so the result is deterministic. The PCA is fitted on exactly the particles
    passed in: concatenate several structures (features and types) to fit one PCA on all
    of them. No feature scaling is applied.

    Parameters
    ----------
    features : (N, F)
    types : (N,) 0-based species

    Returns
    -------
    (N,) projections (zero mean within each species)
    """
    return _species_pca(features, types)[0]


# --------------------------------------------------------------------------------------------
# descriptors
# --------------------------------------------------------------------------------------------


class _Descriptor:
    """Shared state: the structure last passed to ``compute``."""

    positions: np.ndarray | None = None
    types: np.ndarray | None = None
    box: np.ndarray | None = None

    def _store(self, positions, types, box):
        positions, box = _as_inputs(positions, box)
        self.positions, self.box = positions, box
        self.types = None if types is None else _check_types(types, len(positions))
        return positions, box

    def _need_compute(self):
        if self.positions is None:
            raise RuntimeError(f"call {type(self).__name__}.compute(positions, types, box) first")


class BondOrientationalOrder(_Descriptor):
    """Steinhardt bond-orientational order Psi_l with a hard cutoff (roadmap SI I.I).

    Parameters
    ----------
    l : order; default None = 6 in 3D, 4 in 2D (the roadmap's Psi_6 and Psi_4)
    cutoff : neighbours are all particles (any type, any periodic image) with
        r_ij < cutoff, sigma_11. Default 2.0 (roadmap, given for 3D; used in 2D as well).

    Attributes (after :meth:`compute`)
    ----------------------------------
    psi : (N,) Psi_l per particle, in [0, 1]; NaN for a particle without neighbours
    n_neighbours : (N,) int, N_b
    l_used : the order actually used
    """

    def __init__(self, l: int | None = None, cutoff: float = 2.0):
        if l is not None and (int(l) != l or l < 0):
            raise ValueError(f"l must be a non-negative integer, got {l}")
        if not cutoff > 0:
            raise ValueError(f"cutoff must be positive, got {cutoff}")
        self.l = None if l is None else int(l)
        self.cutoff = float(cutoff)
        self.psi = None
        self.n_neighbours = None
        self.l_used = None

    def compute(self, positions, types=None, box=None):
        """Psi_l of every particle. ``types`` is not used (all types are neighbours).

        positions : (N, d) sigma_11, d = 2 or 3; box : (d,) sigma_11. Returns self.
        """
        if box is None:
            raise ValueError("box is required")
        positions, box = self._store(positions, types, box)
        n, d = positions.shape
        self.l_used = self.l if self.l is not None else (6 if d == 3 else 4)
        pairs = pair_list(positions, box, self.cutoff)
        inv, z = bond_order_invariants(n, pairs, np.ones((len(pairs), 1)), [self.l_used], d)
        self.n_neighbours = np.rint(z[:, 0]).astype(np.int64)
        psi = inv[:, 0, 0]
        psi[self.n_neighbours == 0] = np.nan
        self.psi = psi
        return self

    def coarse_grained(self, length: float = 5.0, cutoff: float = 20.0):
        """sum_j Psi_j e^{-r_ij/L} / sum_j e^{-r_ij/L} over all types (j = i included),
        within ``cutoff`` over all images: the roadmap's bar Psi_{L=5, beta=all}. Returns (N,)."""
        self._need_compute()
        return coarse_grain(self.positions, self.box, self.psi, length, cutoff=cutoff)


class SmoothBondOrder(_Descriptor):
    """Smooth bond-order descriptor X^SBO (Coslovich, Jack & Paret 2022; partycls' SBO).

    Parameters
    ----------
    l_min, l_max : orders l_min..l_max (partycls defaults 1 and 8)
    orders : explicit list of orders; overrides l_min and l_max
    exponent : gamma in f(r) = exp[-(r / r_ab^c)^gamma] (default 8)
    cutoff_enlargement : xi; pairs with r >= xi r_ab^c do not count (default 1.3)
    cutoffs : (T, T) symmetric r_ab^c, sigma_11; default None = first minimum of the partial
        g_ab(r) of the configuration passed to :meth:`compute` (:func:`first_minimum_cutoffs`)
    bin_width : dr of that g_ab(r) histogram, sigma_11 (partycls default 0.1)

    Attributes (after :meth:`compute`)
    ----------------------------------
    features : (N, n_l) Q_l^S(i) for l in ``orders_``; NaN rows for particles without neighbours
    orders_ : (n_l,) the orders l
    cutoffs_ : (T, T) r_ab^c used, sigma_11
    normalisation : (N,) Z(i) = sum_j f(r_ij)
    """

    def __init__(self, l_min: int = 1, l_max: int = 8, *, orders=None, exponent: int = 8,
                 cutoff_enlargement: float = 1.3, cutoffs=None, bin_width: float = 0.1):
        if orders is None:
            if not 0 <= l_min <= l_max:
                raise ValueError(f"need 0 <= l_min <= l_max, got {l_min}, {l_max}")
            orders = np.arange(l_min, l_max + 1)
        orders = np.asarray(orders, dtype=np.int64).ravel()
        if len(orders) == 0 or np.any(orders < 0):
            raise ValueError(f"orders must be non-negative integers, got {orders}")
        if not cutoff_enlargement > 0:
            raise ValueError(f"cutoff_enlargement must be positive, got {cutoff_enlargement}")
        self.orders = orders
        self.exponent = exponent
        self.cutoff_enlargement = float(cutoff_enlargement)
        self.cutoffs = None if cutoffs is None else np.asarray(cutoffs, dtype=float)
        if self.cutoffs is not None and (self.cutoffs.ndim != 2 or not np.allclose(self.cutoffs, self.cutoffs.T, equal_nan=True)):
            raise ValueError("cutoffs must be a symmetric (T, T) matrix")
        self.bin_width = float(bin_width)
        self.features = None
        self.orders_ = None
        self.cutoffs_ = None
        self.normalisation = None
        self._pca = None

    def compute(self, positions, types, box):
        """X^SBO of every particle. positions (N, d) sigma_11, types (N,) 0-based, box (d,).

        Returns self.
        """
        positions, box = self._store(positions, types, box)
        types = self.types
        n, d = positions.shape
        if self.cutoffs is None:
            cutoffs = first_minimum_cutoffs(positions, types, box, self.bin_width)
        else:
            cutoffs = self.cutoffs
            if n and types.max() >= len(cutoffs):
                raise ValueError(f"types go up to {types.max()} but cutoffs is {cutoffs.shape}")
        present = np.unique(types)
        rc_present = cutoffs[np.ix_(present, present)]
        if not (np.all(np.isfinite(rc_present)) and np.all(rc_present > 0)):
            raise ValueError(f"cutoffs between present species must be positive and finite, got {rc_present}")
        reach = self.cutoff_enlargement * rc_present.max()
        pairs = pair_list(positions, box, reach)
        rc = cutoffs[types[pairs.i], types[pairs.j]]
        r2 = np.einsum("pk,pk->p", pairs.vectors, pairs.vectors)
        keep = r2 < (self.cutoff_enlargement * rc) ** 2
        pairs = PairList(pairs.i[keep], pairs.j[keep], pairs.vectors[keep], pairs.distances[keep])
        weights = np.exp(-((pairs.distances / rc[keep]) ** self.exponent))
        inv, z = bond_order_invariants(n, pairs, weights[:, None], self.orders, d)
        features = inv[:, 0, :]
        features[z[:, 0] == 0] = np.nan
        self.features, self.normalisation = features, z[:, 0]
        self.orders_, self.cutoffs_ = self.orders.copy(), cutoffs
        self._pca = None
        return self

    def _fit_pca(self):
        self._need_compute()
        if self._pca is None:
            self._pca = _species_pca(self.features, self.types)
        return self._pca

    def first_principal_component(self):
        """X~_1^SBO: projection on the first principal component of this structure's
        features, per species (see :func:`first_principal_component`). Returns (N,)."""
        return self._fit_pca()[0]

    @property
    def components_(self) -> dict:
        """{species: (n_l,) first principal axis (unit vector, sign-fixed)}."""
        return self._fit_pca()[1]

    @property
    def explained_variance_ratio_(self) -> dict:
        """{species: fraction of that species' feature variance along the first axis}."""
        return self._fit_pca()[3]

    def coarse_grained(self, length: float = 1.0, cutoff: float = 20.0):
        """X~^CG = sum_j X~_1(j) e^{-r_ij/L} / sum_j e^{-r_ij/L}, j of i's species (j = i
        included), within ``cutoff`` over all images: roadmap SI I.H with L = 1. Returns (N,)."""
        x1 = self.first_principal_component()
        return coarse_grain(self.positions, self.box, x1, length, types=self.types, same_type=True, cutoff=cutoff)
