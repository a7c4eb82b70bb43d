"""Collective observables of dynamic heterogeneity, from labels or predictions alike.

All functions take one particle type's values (the papers use type 1 only; select it with
``types == 0`` before calling). Definitions:

- chi_4(t) = N_1 (<Xbar^2> - <Xbar>^2), Xbar = N_1^-1 sum_i X_i(t), <.> over structures
  (tGlassMLP PRB eq. 9; GlassMLP PRL). For independent particles chi_4 equals the variance of
  a single X_i: it counts correlated particles.
- Overlap form for displacements (GlassMLP PRL SM VI): each R_i is mapped to
  w_i = [1 - tanh(k (R_i - a))] / 2 (k = 20, a = 0.44; 1 for particles that stayed, 0 for
  those that moved) and chi_4 is taken of w. The printed formula tanh(20(R - 0.44) + 1)/2
  is read as (tanh(...) + 1)/2; chi_4 does not depend on the sign or offset, only on a.
- S_4(q, t) = N_1^-1 <W(q) W(-q)>, W(q) = sum_i (X_i - <Xbar>) exp(i q . R_i(0)) (PRB eq. 10)
  over all wave vectors allowed by the periodic box, radially binned. Fits: Ornstein-Zernike
  chi/(1 + (q xi)^2) (PRB eq. 11) and chi/(1 + (q xi)^2 + A (q xi)^3) (PRL; PRB eq. C1).
- G_4(r) = V/N_1 <sum_{i != j} dX_i dX_j delta(r - R_ij)> (PRL SM eq. 8), radially binned.
- Average chord length (PRB Sec. V.B): particles below the median value are active (a = 0),
  the others passive (a = 1); a is averaged on a lattice, sites with a < 0.5 are mobile,
  and chords are runs of adjacent mobile sites along every lattice row (periodic).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.spatial import cKDTree

from glassdyn.geometry import wrap


# -- chi_4 -----------------------------------------------------------------------------------
def chi4(values) -> np.ndarray:
    """chi_4 from per-structure values: (n_structures, ..., N_1) -> (...)."""
    values = np.asarray(values, dtype=float)
    return chi4_from_means(values.mean(axis=-1), values.shape[-1])


def chi4_from_means(means, n_particles) -> np.ndarray:
    """chi_4 = N_1 x variance over structures of the structure means Xbar: (n_structures, ...) -> (...)."""
    return np.asarray(n_particles) * np.asarray(means, dtype=float).var(axis=0)


def overlap(propensity, a: float = 0.44, sharpness: float = 20.0) -> np.ndarray:
    """Smooth overlap w = [1 - tanh(sharpness (R - a))] / 2 of displacement propensities."""
    return 0.5 * (1.0 - np.tanh(sharpness * (np.asarray(propensity, dtype=float) - a)))


# -- S_4(q) ----------------------------------------------------------------------------------
def _wave_vectors(box, q_max):
    """Integer indices of the half space of wave vectors 0 < |q| <= q_max: (M, d) and |q| (M,)."""
    box = np.asarray(box, dtype=float)
    n_max = np.floor(q_max * box / (2 * np.pi)).astype(int)
    axes = [np.arange(0, n_max[0] + 1)] + [np.arange(-m, m + 1) for m in n_max[1:]]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(box))
    # Half space: first nonzero component positive (W(-q) = W(q)*, same |W|^2).
    nz = grid != 0
    lead = np.where(nz.any(axis=1), grid[np.arange(len(grid)), nz.argmax(axis=1)], 0)
    grid = grid[lead > 0]
    q = 2 * np.pi * np.linalg.norm(grid / box, axis=1)
    keep = q <= q_max * (1 + 1e-12)
    return grid[keep], q[keep], n_max


def _fourier_amplitudes(positions, weights, box, q_max):
    """W(q) = sum_i w_i exp(i q . r_i) on the half space of allowed q: (n_sets, M), |q| (M,).

    Separable in the Cartesian components: W[n_x, n_y, (n_z)] is a (batched) matrix product of
    per-axis phase tables, O(N n_max^d) instead of O(N M) complex exponentials per q.
    """
    box = np.asarray(box, dtype=float)
    d = len(box)
    grid, q, n_max = _wave_vectors(box, q_max)
    phases = []
    for k in range(d):
        lo = 0 if k == 0 else -n_max[k]
        n = np.arange(lo, n_max[k] + 1)
        phases.append(np.exp(1j * np.outer(positions[:, k], 2 * np.pi * n / box[k])))
    weights = np.atleast_2d(weights)
    out = np.empty((len(weights), len(grid)), dtype=complex)
    for s, w in enumerate(weights):
        a = phases[0] * w[:, None]  # (N, n_x)
        if d == 2:
            full = a.T @ phases[1]  # (n_x, n_y)
            out[s] = full[grid[:, 0], grid[:, 1] + n_max[1]]
        else:
            full = np.empty((phases[0].shape[1], phases[1].shape[1], phases[2].shape[1]), dtype=complex)
            for z in range(phases[2].shape[1]):
                full[:, :, z] = (a * phases[2][:, z : z + 1]).T @ phases[1]
            out[s] = full[grid[:, 0], grid[:, 1] + n_max[1], grid[:, 2] + n_max[2]]
    return out, q


def _binned_power(positions, values, box, q_max, edges):
    """Radially binned Fourier power of ``values`` and of the density, per structure.

    With A(q) = sum_i X_i exp(i q . r_i) and B(q) = sum_i exp(i q . r_i), the power of the
    field less any constant m is |A - m B|^2 = |A|^2 - 2 m Re(A B*) + m^2 |B|^2: binning the
    three terms separately lets the ensemble mean (known only after the last structure) and
    the jackknife's leave-out means be subtracted afterwards, exactly.

    values: (n_sets, N). Returns the bin edges, the wave vectors per bin (n_bins,), the summed
    |q| per bin, and the binned [|A|^2, Re(A B*)] (2, n_sets, n_bins) and |B|^2 (n_bins,),
    each divided by N.
    """
    n = values.shape[1]
    amplitudes, q = _fourier_amplitudes(positions, np.vstack([values, np.ones((1, n))]), box, q_max)
    field, density = amplitudes[:-1], amplitudes[-1]
    index = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, len(edges) - 2)
    n_bins = len(edges) - 1

    def binned(weights):
        return np.bincount(index, weights, minlength=n_bins)

    counts = np.bincount(index, minlength=n_bins)
    cross = np.stack([[binned(np.abs(a) ** 2) for a in field], [binned((a * density.conj()).real) for a in field]])
    return counts, binned(q), cross / n, binned(np.abs(density) ** 2) / n


def _centred_s4(cross, density, counts, mean, n_structures):
    """S_4 per bin of the field less ``mean`` from the binned terms of :func:`_binned_power`
    summed over ``n_structures``: (|A|^2 - 2 m Re(A B*) + m^2 |B|^2) / (counts n), NaN where a
    bin has no wave vector."""
    power = cross[0] - 2 * mean * cross[1] + mean**2 * density
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, power / (counts * n_structures), np.nan)


def _mean_wavenumbers(q_sum, counts):
    """Mean |q| per bin, NaN where a bin has no wave vector."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, q_sum / counts, np.nan)


def _shells(edges, dimension: int) -> np.ndarray:
    """Area (2D) or volume (3D) of the radial shells between ``edges``."""
    return np.pi * np.diff(edges**2) if dimension == 2 else 4.0 / 3.0 * np.pi * np.diff(edges**3)


def _q_edges(box, q_max, n_bins):
    """Linear |q| bins from the smallest allowed wavenumber 2 pi / L_max to q_max."""
    q_min = 2 * np.pi / np.max(box)
    return np.linspace(q_min * (1 - 1e-9), q_max * (1 + 1e-9), n_bins + 1)


class FourPointStructureFactor:
    """S_4(q) of a scalar field carried by particles, radially averaged, accumulated over structures.

    S_4(q) = N_1^-1 <W(q) W(-q)>, W(q) = sum_i (X_i - <Xbar>) exp(i q . R_i(0)): the ensemble
    mean <Xbar> over all structures is subtracted, not each structure's own mean (PRB eq. 10;
    the own mean would force W(0) = 0 and suppress S_4 at small q).

    Parameters
    ----------
    q_max : float
        Largest wavenumber (1/sigma_11).
    n_bins : int
        Linear bins of |q| from the smallest allowed wavenumber to q_max.

    ``compute(positions, values, box, mean=None)``: positions (N_1, d) at t = 0, values
    (N_1,) or (n_sets, N_1) (e.g. several times); ``mean`` fixes the value subtracted (for
    fields of known mean) instead of the ensemble mean of all calls. Accumulates over calls
    (one per structure); ``wavenumbers`` (n_bins,) and ``s4`` ((n_bins,) or (n_sets, n_bins))
    hold the averages, NaN for bins without an allowed wave vector; ``counts`` the wave vectors
    per bin.
    """

    def __init__(self, q_max: float = 2.0, n_bins: int = 50):
        self.q_max, self.n_bins = float(q_max), int(n_bins)
        self._cross = None

    def compute(self, positions, values, box, mean=None):
        positions = wrap(positions, box)
        values = np.asarray(values, dtype=float)
        single = values.ndim == 1
        values = np.atleast_2d(values)
        if self._cross is not None and not np.allclose(box, self._box):
            raise ValueError(f"box {box} differs from the first structure's {self._box}: use one instance per box")
        if self._cross is None:
            self._box = np.asarray(box, dtype=float).copy()
            self.edges = _q_edges(self._box, self.q_max, self.n_bins)
            self._fixed = mean is not None
            self._single, self._calls = single, 0
            self._means = []
        if (mean is not None) != self._fixed:
            raise ValueError("pass mean= on every call or on none")
        shift = 0.0 if mean is None else np.reshape(np.asarray(mean, dtype=float), (-1, 1))
        counts, q_sum, cross, density = _binned_power(positions, values - shift, box, self.q_max, self.edges)
        if self._cross is None:
            self.counts, self._q_sum = counts, q_sum
            self._cross, self._density = np.zeros_like(cross), np.zeros_like(density)
        self._cross += cross
        self._density += density
        self._means.append((values - shift).mean(axis=1))
        self._calls += 1
        return self

    @property
    def wavenumbers(self) -> np.ndarray:
        return _mean_wavenumbers(self._q_sum, self.counts)

    @property
    def s4(self) -> np.ndarray:
        m = 0.0 if self._fixed else np.mean(self._means, axis=0)[:, None]
        s = _centred_s4(self._cross, self._density, self.counts, m, self._calls)
        return s[0] if self._single else s


def ornstein_zernike(q, chi, xi):
    return chi / (1.0 + (q * xi) ** 2)


def cubic_ornstein_zernike(q, chi, xi, a):
    return chi / (1.0 + (q * xi) ** 2 + a * (q * xi) ** 3)


def fit_s4(q, s4, q_range=(0.0, np.inf), form: str = "ornstein_zernike", counts=None, xi=None) -> dict:
    """Fit S_4(q) on q_range: 'ornstein_zernike' -> chi, xi; 'cubic' -> chi, xi, A (PRB eq. C1).

    ``counts`` (wave vectors per bin, as in :class:`FourPointStructureFactor`) weights the
    bins: |W(q)|^2 of one wave vector scatters by ~100 %, so a bin's relative error is
    1/sqrt(counts). Starting values come from 1/S_4 = 1/chi + (xi^2/chi) q^2. ``xi`` fixes
    the length (cubic form: PRB Fig. 14 takes A "after fitting the length scale xi_S4").
    """
    q, s4 = np.asarray(q, dtype=float), np.asarray(s4, dtype=float)
    counts = np.ones_like(q) if counts is None else np.asarray(counts, dtype=float)
    sel = (q >= q_range[0]) & (q <= q_range[1]) & np.isfinite(s4) & (s4 > 0) & (counts > 0)
    if sel.sum() < 3:
        raise ValueError(f"only {sel.sum()} usable points of S_4 in q range {q_range}")
    q, s4, counts = q[sel], s4[sel], counts[sel]
    slope, intercept = np.polyfit(q**2, 1.0 / s4, 1, w=np.sqrt(counts) * s4)
    chi0 = 1.0 / intercept if intercept > 0 else s4.max()
    xi0 = np.sqrt(max(slope * chi0, 1e-6))
    # Relative errors 1/sqrt(counts) of the *model* (weights from the noisy data itself would
    # favour bins that fluctuated low and bias chi and xi down): refit with updated weights.
    if form not in ("ornstein_zernike", "cubic"):
        raise ValueError(f"form must be 'ornstein_zernike' or 'cubic', got {form!r}")
    full = ornstein_zernike if form == "ornstein_zernike" else cubic_ornstein_zernike
    names = ("chi", "xi", "A")[: 2 if form == "ornstein_zernike" else 3]
    params = [chi0, xi0, 0.1][: len(names)]
    free = list(names)
    if xi is not None:  # the length fixed: fit the others
        free.remove("xi")
        params = [p for n, p in zip(names, params) if n != "xi"]

    def model(q, *p):
        values = dict(zip(free, p), **({} if xi is None else {"xi": float(xi)}))
        return full(q, *(values[n] for n in names))

    bounds = ([0] * len(free), [np.inf] * len(free))
    sigma = s4 / np.sqrt(counts)
    for _ in range(3):
        params, _ = optimize.curve_fit(model, q, s4, p0=params, sigma=sigma, bounds=bounds, maxfev=20000)
        sigma = model(q, *params) / np.sqrt(counts)
    out = dict(zip(free, (float(v) for v in params)))
    if xi is not None:
        out["xi"] = float(xi)
    return {n: out[n] for n in names}


# -- G_4(r) ----------------------------------------------------------------------------------
def four_point_correlation(positions, values, box, r_max: float, n_bins: int = 50, mean=None):
    """G_4(r) of one structure: (r centres (n_bins,), G_4 (n_bins,)).

    Uses weighted pair counting (no pair list), so it scales to N ~ 10^5 at r_max ~ 10.
    """
    box = np.asarray(box, dtype=float)
    if r_max >= 0.5 * box.min():
        raise ValueError(f"r_max {r_max} must be below half the box edge {0.5 * box.min():.3f}")
    positions = wrap(positions, box)
    values = np.asarray(values, dtype=float)
    dx = values - (values.mean() if mean is None else mean)
    tree = cKDTree(positions, boxsize=box)
    edges = np.linspace(0.0, r_max, n_bins + 1)
    sums = tree.count_neighbors(tree, edges, weights=(dx, dx), cumulative=False)[1:]
    return 0.5 * (edges[1:] + edges[:-1]), np.prod(box) / len(values) * sums / _shells(edges, len(box))


# -- chord length ----------------------------------------------------------------------------
def _run_lengths(mobile: np.ndarray) -> np.ndarray:
    """Lengths of runs of True along the last axis, periodic; a full row is one run of n."""
    rows = mobile.reshape(-1, mobile.shape[-1])
    n = rows.shape[1]
    full = rows.all(axis=1)
    lengths = [np.full(full.sum(), n)]
    rows = rows[~full]
    if len(rows):
        start = (~rows).argmax(axis=1)  # roll so every row begins on an immobile site
        rolled = np.take_along_axis(rows, (np.arange(n)[None] + start[:, None]) % n, axis=1)
        padded = np.concatenate([rolled, np.zeros((len(rolled), 1), bool)], axis=1).astype(np.int8)
        step = np.diff(padded, axis=1)
        lengths.append(np.nonzero(step == -1)[1] - np.nonzero(step == 1)[1])
    return np.concatenate(lengths)


def chord_lengths(positions, values, box, spacing: float = 1.0, mobile: str = "low") -> np.ndarray:
    """Chord lengths (sigma_11) of the mobile regions of one structure (PRB Sec. V.B).

    values: (N_1,) labels; ``mobile='low'`` for C_B (low = moved), ``'high'`` for R.
    Particles on the mobile side of the median get a = 0, the others a = 1; each lattice site
    (edge ~ ``spacing``) takes the mean a of its particles, or the a of the particle nearest
    its centre when empty; sites with a < 0.5 are mobile.
    """
    if mobile not in ("low", "high"):
        raise ValueError(f"mobile must be 'low' (C_B) or 'high' (R), got {mobile!r}")
    box = np.asarray(box, dtype=float)
    positions = wrap(positions, box)
    values = np.asarray(values, dtype=float)
    median = np.median(values)
    active = values < median if mobile == "low" else values > median
    a = np.where(active, 0.0, 1.0)
    shape = np.maximum(np.rint(box / spacing).astype(int), 1)
    cell = np.minimum((positions / (box / shape)).astype(int), shape - 1)
    flat = np.ravel_multi_index(tuple(cell.T), tuple(shape))
    n_sites = int(np.prod(shape))
    count = np.bincount(flat, minlength=n_sites)
    site = np.bincount(flat, a, minlength=n_sites) / np.maximum(count, 1)
    empty = np.flatnonzero(count == 0)
    if len(empty):
        centres = (np.stack(np.unravel_index(empty, tuple(shape)), -1) + 0.5) * (box / shape)
        _, nearest = cKDTree(positions, boxsize=box).query(wrap(centres, box))
        site[empty] = a[nearest]
    grid = (site < 0.5).reshape(tuple(shape))
    lengths = []
    for axis in range(len(box)):
        lengths.append(_run_lengths(np.moveaxis(grid, axis, -1)) * (box[axis] / shape[axis]))
    return np.concatenate(lengths)


def average_chord_length(positions, values, box, spacing: float = 1.0, mobile: str = "low") -> float:
    """<xi_chord> of one structure; average over structures outside."""
    lengths = chord_lengths(positions, values, box, spacing, mobile)
    return float(lengths.mean()) if len(lengths) else 0.0


# -- all of them, over an ensemble, with jackknife errors --------------------------------------
def jackknife_error(estimates) -> np.ndarray:
    """Standard error from leave-one-block-out estimates (n_blocks, ...): sqrt((B-1)/B sum (x_b - x_mean)^2)."""
    estimates = np.asarray(estimates, dtype=float)
    b = len(estimates)
    if b < 2:
        return np.full(estimates.shape[1:], np.nan)
    with np.errstate(invalid="ignore"):
        return np.sqrt((b - 1) / b * np.sum((estimates - estimates.mean(axis=0)) ** 2, axis=0))


def _safe_fit(q, s4, counts, q_range, form, xi=None) -> dict:
    """fit_s4, NaN for every parameter where too few bins, the fit fails, or the data do not
    resolve it. With q_lo, q_hi the smallest and largest wavenumbers fitted: a fitted xi beyond
    1 / q_lo puts every bin in the tail q xi > 1, where S_4 ~ (chi / xi^2) q^-2 fixes only
    chi / xi^2 (a box too small for the length: xi_4 needs L >> xi_4, PRB Sec. V.A); one below
    0.5 / q_hi leaves S_4 flat to within 20 % over the range (shorter than it resolves); and
    A (the cubic form) needs q_hi xi >= 1, where (q xi)^3 competes with (q xi)^2."""
    names = ("chi", "xi") if form == "ornstein_zernike" else ("chi", "xi", "A")
    unresolved = dict.fromkeys(names, np.nan)
    if xi is not None and not np.isfinite(xi):
        return unresolved
    try:
        fit = fit_s4(q, s4, q_range, form=form, counts=counts, xi=xi)
    except (ValueError, RuntimeError):
        return unresolved
    used = (q >= q_range[0]) & (q <= q_range[1]) & np.isfinite(s4) & (s4 > 0)
    q_lo, q_hi = q[used].min(), q[used].max()
    if xi is None and not 0.5 / q_hi <= fit["xi"] <= 1.0 / q_lo:
        return unresolved
    if form == "cubic" and fit["xi"] * q_hi < 1.0:
        return unresolved
    return fit


class DynamicHeterogeneity:
    """chi_4(t), S_4(q, t) and its fits, G_4(r, t) and the chord length of one particle type's
    field over an ensemble of structures, with jackknife errors over structures.

    Every observable subtracts the ensemble mean <Xbar(t)> (PRB eq. 10), known only after the
    last structure: each structure's contributions are kept as the terms of |A - m B|^2
    (:func:`_binned_power`) and of the weighted pair sums, so the full estimate and every
    leave-one-block-out estimate subtract their own mean exactly. Blocks are contiguous runs of
    structures, ``min(n_structures, jackknife_blocks)`` of them; with one block per structure
    the error is the leave-one-out jackknife's.

    Fits per time (PRB Sec. V.A, App. C): Ornstein-Zernike chi_4^OZ / (1 + (q xi_4)^2) on
    ``oz_q_range`` gives xi_4 and chi_4^OZ; the cubic form (eq. C1) on ``cubic_q_range`` with
    xi fixed at xi_4 gives A (Fig. 14: A "extracted from S_4 after fitting the length scale").
    A length the fitted q range does not resolve (beyond 1 / q_lo: the box is too small; below
    0.5 / q_hi: S_4 is flat) gives NaN, and so does A where q_hi xi_4 < 1 (:func:`_safe_fit`).

    Parameters
    ----------
    q_max : float
        Largest wavenumber of S_4 (1/sigma_11).
    n_q_bins : int
        Linear |q| bins from 2 pi / L to q_max.
    oz_q_range, cubic_q_range : (float, float)
        q ranges (1/sigma_11) of the two fits.
    g4_r_max : float or None
        Range of G_4(r) (sigma_11); clipped below half the box; None: no G_4.
    g4_bins : int
        Radial bins of G_4.
    chord_spacing : float or None
        Lattice edge of the chord lengths (sigma_11); None: no chords.
    chord_mobile : {'low', 'high'}
        Which side of the median is mobile: 'low' for C_B and the overlap, 'high' for R.
    jackknife_blocks : int
        Most blocks of the jackknife.

    ``compute(positions, values, box)``: positions (N_1, d) at t = 0, values (n_t, N_1) of one
    structure (NaN rows: times without a value, skipped); call once per structure. Then
    ``result()`` gives the estimates and errors as arrays.
    """

    def __init__(self, q_max: float = 2.0, n_q_bins: int = 50, oz_q_range=(0.0, 0.6), cubic_q_range=(0.2, 0.6),
                 g4_r_max: float | None = 10.0, g4_bins: int = 50, chord_spacing: float | None = 1.0,
                 chord_mobile: str = "low", jackknife_blocks: int = 50):
        self.q_max, self.n_q_bins = float(q_max), int(n_q_bins)
        self.oz_q_range, self.cubic_q_range = tuple(oz_q_range), tuple(cubic_q_range)
        self.g4_r_max, self.g4_bins = g4_r_max, int(g4_bins)
        self.chord_spacing, self.chord_mobile = chord_spacing, chord_mobile
        self.jackknife_blocks = int(jackknife_blocks)
        self._structures = []

    def compute(self, positions, values, box):
        box = np.asarray(box, dtype=float)
        positions = wrap(np.asarray(positions, dtype=float), box)
        values = np.atleast_2d(np.asarray(values, dtype=float))
        if values.shape[1] != len(positions):
            raise ValueError(f"values have {values.shape[1]} particles, positions {len(positions)}")
        if not self._structures:
            self.box_, self.n_particles_ = box.copy(), len(positions)
            self.edges_ = _q_edges(box, self.q_max, self.n_q_bins)
            r_max = self.g4_r_max
            if r_max is not None:
                r_max = min(float(r_max), 0.5 * box.min() * (1 - 1e-9))
                self.g4_edges_ = np.linspace(0.0, r_max, self.g4_bins + 1)
        elif not np.allclose(box, self.box_) or len(positions) != self.n_particles_ or len(values) != len(self._structures[0]["mean"]):
            raise ValueError(f"structure {len(self._structures)}: box, particle count or time grid differ from the first")
        finite = np.isfinite(values).all(axis=1)
        filled = np.where(finite[:, None], values, 0.0)
        counts, q_sum, cross, density = _binned_power(positions, filled, box, self.q_max, self.edges_)
        entry = {"mean": np.where(finite, filled.mean(axis=1), np.nan), "s4_cross": cross, "s4_density": density}
        if self.g4_r_max is not None:
            entry["g4_xx"], entry["g4_x1"], entry["g4_11"] = self._pair_sums(positions, filled, finite, box)
        if self.chord_spacing is not None:
            entry["chord"] = np.array([average_chord_length(positions, v, box, self.chord_spacing, self.chord_mobile)
                                       if ok else np.nan for v, ok in zip(filled, finite)])
        self.q_counts_, self._q_sum = counts, q_sum
        self._structures.append(entry)
        return self

    def _pair_sums(self, positions, values, finite, box):
        """Per time, binned sum_{i != j} X_i X_j, sum_{i != j} X_i and sum_{i != j} 1 over pairs at r."""
        tree = cKDTree(positions, boxsize=box)
        edges = self.g4_edges_
        ones = np.ones(len(positions))

        def pairs(a, b):  # ordered pairs; [1:] drops the self pairs at r = 0
            return tree.count_neighbors(tree, edges, weights=(a, b), cumulative=False)[1:]

        n_bins = len(edges) - 1
        xx = np.full((len(values), n_bins), np.nan)
        x1 = np.full((len(values), n_bins), np.nan)
        for k, (v, ok) in enumerate(zip(values, finite)):
            if ok:
                xx[k], x1[k] = pairs(v, v), pairs(v, ones)
        return xx, x1, pairs(ones, ones)

    # estimates of a set of structures, from their summed terms ---------------------------
    def _blocks(self):
        n = len(self._structures)
        b = max(1, min(n, self.jackknife_blocks))
        return np.arange(n) * b // n, b

    def _estimates(self, sums, n):
        """Every observable of a set of n structures from its summed per-structure terms."""
        mean = sums["mean"] / n  # (n_t,)
        # a variance over structures: undefined from one (NaN, so no jackknife error from
        # leave-outs of one structure either)
        chi = self.n_particles_ * (sums["mean_sq"] / n - mean**2)
        out = {"mean_label": mean, "chi4": chi if n >= 2 else np.full_like(chi, np.nan)}
        m = mean[:, None]
        out["S4"] = _centred_s4(sums["s4_cross"], sums["s4_density"], self.q_counts_, m, n)
        if "g4_xx" in sums:
            pair = sums["g4_xx"] - 2 * m * sums["g4_x1"] + m**2 * sums["g4_11"]
            shells = _shells(self.g4_edges_, len(self.box_))
            out["G4"] = np.prod(self.box_) / self.n_particles_ * pair / (shells * n)
        if "chord" in sums:
            out["chord_length"] = sums["chord"] / n
        q = self.wavenumbers_
        oz = [_safe_fit(q, s, self.q_counts_, self.oz_q_range, "ornstein_zernike") for s in out["S4"]]
        out["xi4"] = np.array([f["xi"] for f in oz])
        out["chi4_oz"] = np.array([f["chi"] for f in oz])
        out["A"] = np.array([_safe_fit(q, s, self.q_counts_, self.cubic_q_range, "cubic", xi=x)["A"]
                             for s, x in zip(out["S4"], out["xi4"])])
        return out

    @property
    def wavenumbers_(self) -> np.ndarray:
        return _mean_wavenumbers(self._q_sum, self.q_counts_)

    @property
    def distances_(self) -> np.ndarray:
        return 0.5 * (self.g4_edges_[1:] + self.g4_edges_[:-1])

    def result(self) -> dict:
        """{observable: (estimate, jackknife error)}: ``mean_label``, ``chi4``, ``xi4``,
        ``chi4_oz``, ``A``, ``chord_length`` (n_t,), ``S4`` (n_t, n_q_bins), ``G4`` (n_t, g4_bins);
        the axes are ``wavenumbers_`` and ``distances_``. chi_4 needs two structures and its
        error three or more (NaN otherwise)."""
        if not self._structures:
            raise ValueError("no structures: call compute() first")
        block, n_blocks = self._blocks()
        keys = [k for k in self._structures[0] if k != "mean"]
        terms = {k: np.stack([s[k] for s in self._structures]) for k in keys}
        terms["mean"] = np.stack([s["mean"] for s in self._structures])
        terms["mean_sq"] = terms["mean"] ** 2
        per_block = {k: np.stack([v[block == b].sum(axis=0) for b in range(n_blocks)]) for k, v in terms.items()}
        total = {k: v.sum(axis=0) for k, v in per_block.items()}
        n = len(self._structures)
        full = self._estimates(total, n)
        sizes = np.bincount(block, minlength=n_blocks)
        left_out = [self._estimates({k: total[k] - per_block[k][b] for k in total}, n - sizes[b])
                    for b in range(n_blocks)] if n_blocks > 1 else []
        return {k: (v, jackknife_error([e[k] for e in left_out]) if left_out else np.full_like(v, np.nan))
                for k, v in full.items()}
