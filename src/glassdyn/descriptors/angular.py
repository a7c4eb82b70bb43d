"""Rotationally invariant bond-order parameters with arbitrary radial weights.

One kernel serves every angular descriptor of the benchmark: Steinhardt's Psi_6 (hard
cutoff), the 2D Psi_4, the CAGE/Boattini shell invariants (Gaussian shells, Alkemade 2022
eqs. 3-5; roadmap SI I.E in 2D) and the smooth bond order SBO (Coslovich et al. 2022).
Given pair weights w_ij^(s) for S "shells", it returns for every particle, shell and l

- 3D: q_l^(s)(i) = sqrt(4 pi / (2l + 1) sum_m |q_lm^(s)(i)|^2),
  q_lm^(s)(i) = sum_j w_ij^(s) Y_l^m(r_ij) / sum_j w_ij^(s);
- 2D: q_l^(s)(i) = |sum_j w_ij^(s) exp(i l theta_ij) / sum_j w_ij^(s)|,

with theta_ij the angle of r_ij to the x axis. A shell in which a particle has no weight
gives 0. The spherical harmonics come from the normalised associated-Legendre recursion,
so l up to a few tens is exact to round-off.
"""

from __future__ import annotations

import numba
import numpy as np

from glassdyn.descriptors.neighbours import PairList


@numba.njit(cache=True)
def _legendre_table(cos_t, sin_t, l_max, out):
    """Normalised associated Legendre functions: out[l, m] with Y_lm = out[l, m] e^{i m phi}."""
    out[0, 0] = np.sqrt(1.0 / (4.0 * np.pi))
    for m in range(1, l_max + 1):
        out[m, m] = -np.sqrt((2.0 * m + 1.0) / (2.0 * m)) * sin_t * out[m - 1, m - 1]
    for m in range(0, l_max):
        out[m + 1, m] = np.sqrt(2.0 * m + 3.0) * cos_t * out[m, m]
    for m in range(0, l_max + 1):
        for l in range(m + 2, l_max + 1):
            a = np.sqrt((4.0 * l * l - 1.0) / (l * l - m * m))
            b = np.sqrt(((l - 1.0) ** 2 - m * m) / (4.0 * (l - 1.0) ** 2 - 1.0))
            out[l, m] = a * (cos_t * out[l - 1, m] - b * out[l - 2, m])


@numba.njit(cache=True)
def _accumulate_3d(n, pi, pj, vectors, distances, weights, l_max, q, z):
    plm = np.zeros((l_max + 1, l_max + 1))
    phase = np.empty(l_max + 1, dtype=np.complex128)
    n_shells = weights.shape[1]
    for p in range(pi.shape[0]):
        r = distances[p]
        cos_t = vectors[p, 2] / r
        sin_t = np.sqrt(max(0.0, 1.0 - cos_t * cos_t))
        phi = np.arctan2(vectors[p, 1], vectors[p, 0])
        _legendre_table(cos_t, sin_t, l_max, plm)
        for m in range(l_max + 1):
            phase[m] = np.exp(1j * m * phi)
        i, j = pi[p], pj[p]
        for s in range(n_shells):
            w = weights[p, s]
            if w == 0.0:
                continue
            z[i, s] += w
            z[j, s] += w
            for l in range(l_max + 1):
                # r_ji = -r_ij: Y_lm(-r) = (-1)^l Y_lm(r)
                sign = 1.0 if l % 2 == 0 else -1.0
                for m in range(l + 1):
                    y = plm[l, m] * phase[m]
                    q[i, s, l, m] += w * y
                    q[j, s, l, m] += sign * w * y


@numba.njit(cache=True)
def _accumulate_2d(n, pi, pj, vectors, distances, weights, l_max, q, z):
    n_shells = weights.shape[1]
    for p in range(pi.shape[0]):
        theta = np.arctan2(vectors[p, 1], vectors[p, 0])
        i, j = pi[p], pj[p]
        for s in range(n_shells):
            w = weights[p, s]
            if w == 0.0:
                continue
            z[i, s] += w
            z[j, s] += w
            for l in range(l_max + 1):
                e = np.exp(1j * l * theta)
                # theta_ji = theta_ij + pi: exp(i l (theta + pi)) = (-1)^l exp(i l theta)
                sign = 1.0 if l % 2 == 0 else -1.0
                q[i, s, l, 0] += w * e
                q[j, s, l, 0] += sign * w * e


def bond_order_invariants(n_particles: int, pairs: PairList, weights, l_values, dimension: int):
    """Invariants q_l^(s)(i) for every particle, shell s and l in ``l_values``.

    Parameters
    ----------
    n_particles : N
    pairs : half pair list (:func:`glassdyn.descriptors.neighbours.pair_list`)
    weights : (P, S) weight of each pair in each shell; must be symmetric in i and j
    l_values : orders l (non-negative integers)
    dimension : 2 or 3

    Returns
    -------
    invariants : (N, S, len(l_values)) float64
    normalisation : (N, S) sum_j w_ij^(s)
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if weights.ndim == 1:
        weights = weights[:, None]
    if len(weights) != len(pairs):
        raise ValueError(f"weights has {len(weights)} rows for {len(pairs)} pairs")
    l_values = np.asarray(l_values, dtype=np.int64)
    if np.any(l_values < 0):
        raise ValueError("orders l must be non-negative")
    l_max = int(l_values.max())
    n_shells = weights.shape[1]
    z = np.zeros((n_particles, n_shells))
    if dimension == 3:
        q = np.zeros((n_particles, n_shells, l_max + 1, l_max + 1), dtype=np.complex128)
        _accumulate_3d(n_particles, pairs.i, pairs.j, pairs.vectors, pairs.distances, weights, l_max, q, z)
    elif dimension == 2:
        q = np.zeros((n_particles, n_shells, l_max + 1, 1), dtype=np.complex128)
        _accumulate_2d(n_particles, pairs.i, pairs.j, pairs.vectors, pairs.distances, weights, l_max, q, z)
    else:
        raise ValueError(f"dimension must be 2 or 3, got {dimension}")
    with np.errstate(invalid="ignore", divide="ignore"):
        q = q[:, :, l_values, :] / z[:, :, None, None]
    q = np.nan_to_num(q)
    power = np.abs(q) ** 2
    if dimension == 3:
        # sum over m = -l..l from m >= 0: |q_l,-m| = |q_lm| for real weights
        total = power[..., 0] + 2.0 * power[..., 1:].sum(axis=-1)
        return np.sqrt(4.0 * np.pi / (2.0 * l_values + 1.0) * total), z
    return np.sqrt(power[..., 0]), z
