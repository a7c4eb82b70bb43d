"""Tong & Tanaka's packing order parameter Theta (2D).

Definition (Tong & Tanaka, Phys. Rev. X 8, 011041 (2018) and Nat. Commun. 10, 5596 (2019);
roadmap SI I.I): for particle i with N_i Voronoi neighbours,

    Theta_i = (1 / N_i) sum_<jk> |theta_1^{jk} - theta_2^{jk}|      (radians)

where the sum runs over the pairs <jk> of neighbours of i that are also neighbours of each
other, i.e. over the Delaunay triangles (i, j, k) around i (N_i of them in a periodic
triangulation, one per Voronoi neighbour), theta_1^{jk} is the measured angle j-i-k, and
theta_2^{jk} is the same angle in the ideal triangle of three mutually touching particles.
Tong & Tanaka use additive diameters (side lengths (d_i + d_j)/2 ...); the KA mixtures are
non-additive, so the ideal side lengths here are the pair diameters of the potential,
sigma_ij, sigma_ik and sigma_jk, and by the law of cosines

    cos theta_2^{jk} = (sigma_ij^2 + sigma_ik^2 - sigma_jk^2) / (2 sigma_ij sigma_ik).

(For an additive mixture sigma_ab = (d_a + d_b)/2 and this is Tong & Tanaka's construction.)
Theta_i = 0 for a perfect triangular lattice of equal particles whose diameter equals the
lattice spacing; larger Theta means a local packing further from the ideal one.

The periodic Delaunay triangulation is built with scipy (Qhull) on the particles plus the
periodic images within a margin of the box; the margin grows until every triangle touching
an original particle has its circumcircle inside the replicated region, which guarantees
that these triangles are exactly those of the infinite periodic tessellation.
Coarse-grained form (roadmap SI I.I): L = 5, all types (:meth:`TanakaTheta.coarse_grained`).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from glassdyn.descriptors.coarse_grain import coarse_grain
from glassdyn.descriptors.neighbours import _as_inputs

__all__ = ["TanakaTheta", "periodic_delaunay", "ideal_angles"]


def ideal_angles(sigma) -> np.ndarray:
    """theta_2[a, b, c]: angle at the vertex of type a in the triangle of touching particles
    of types a, b, c with side lengths sigma_ab, sigma_ac, sigma_bc (radians)."""
    s = np.asarray(sigma, dtype=float)
    if s.ndim != 2 or s.shape[0] != s.shape[1] or not np.allclose(s, s.T) or not np.all(s > 0):
        raise ValueError(f"sigma must be a symmetric positive (T, T) matrix, got {s}")
    sab, sac, sbc = s[:, :, None], s[:, None, :], s[None, :, :]
    cos = (sab**2 + sac**2 - sbc**2) / (2.0 * sab * sac)
    if np.any(np.abs(cos) > 1.0 + 1e-12):
        raise ValueError("sigma violates the triangle inequality for some triple of types")
    return np.arccos(np.clip(cos, -1.0, 1.0))


def periodic_delaunay(positions, box, margin: float | None = None):
    """Delaunay triangles of a 2D periodic system that touch the central box.

    Parameters
    ----------
    positions : (N, 2) sigma_11
    box : (2,) sigma_11
    margin : initial width of the image layer (default: 3 mean spacings); doubled until the
        triangulation around every particle is exact (see the module docstring)

    Returns
    -------
    triangles : (M, 3) particle indices of each triangle incident to at least one particle
        in the central box, one row per (triangle, image) that has a central vertex
    vectors : (M, 3, 2) vertex positions (with image shifts) of those triangles, sigma_11
    central : (M, 3) bool, vertex is the central-box copy of its particle
    """
    positions, box = _as_inputs(positions, box)
    n, d = positions.shape
    if d != 2:
        raise ValueError(f"periodic_delaunay is 2D only, got d = {d}")
    if n < 3:
        raise ValueError("need at least 3 particles")
    if margin is None:
        margin = 3.0 * np.sqrt(np.prod(box) / n)
    while True:
        reach = np.ceil(margin / box).astype(int)
        shifts = np.stack(np.meshgrid(*[np.arange(-k, k + 1) for k in reach], indexing="ij"), -1).reshape(-1, 2)
        shifts = shifts[np.argsort(np.abs(shifts).sum(axis=1), kind="stable")]  # (0, 0) first
        pts = (positions[None, :, :] + shifts[:, None, :] * box).reshape(-1, 2)
        index = np.tile(np.arange(n), len(shifts))
        inside = np.all((pts >= -margin) & (pts < box + margin), axis=1)
        pts, index = pts[inside], index[inside]
        is_central = np.zeros(len(pts), dtype=bool)
        is_central[:n] = True  # the (0, 0) image comes first and is always inside
        tri = Delaunay(pts).simplices
        tri = tri[is_central[tri].any(axis=1)]
        a, b, c = pts[tri[:, 0]], pts[tri[:, 1]], pts[tri[:, 2]]
        centre, radius = _circumcircles(a, b, c)
        if np.all(centre - radius[:, None] >= -margin) and np.all(centre + radius[:, None] <= box + margin):
            return index[tri], pts[tri], is_central[tri]
        margin *= 2.0


def _circumcircles(a, b, c):
    ab, ac = b - a, c - a
    den = 2.0 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
    ab2, ac2 = np.einsum("pk,pk->p", ab, ab), np.einsum("pk,pk->p", ac, ac)
    ux = (ac[:, 1] * ab2 - ab[:, 1] * ac2) / den
    uy = (ab[:, 0] * ac2 - ac[:, 0] * ab2) / den
    u = np.stack([ux, uy], axis=1)
    return a + u, np.sqrt(np.einsum("pk,pk->p", u, u))


class TanakaTheta:
    """Tong & Tanaka's Theta_i (2D), see the module docstring for the definition.

    Parameters
    ----------
    sigma : (T, T) pair diameters sigma_ab (sigma_11 units) giving the ideal triangles, or the
        name of a mixture in :func:`glassdyn.systems.get_mixture` (its ``sigma_matrix``).
        Default: the roadmap's 2D ternary Kob-Andersen mixture.

    Attributes (after :meth:`compute`)
    ----------------------------------
    theta : (N,) Theta_i, radians
    n_neighbours : (N,) N_i, number of Delaunay triangles (= Voronoi neighbours) around i
    """

    def __init__(self, sigma="kob_andersen_2d_ternary"):
        if isinstance(sigma, str):
            from glassdyn.systems import get_mixture

            sigma = get_mixture(sigma).sigma_matrix
        self.sigma = np.asarray(sigma, dtype=float)
        self._theta2 = ideal_angles(self.sigma)
        self.theta = None
        self.n_neighbours = None
        self.positions = self.types = self.box = None

    def compute(self, positions, types, box):
        """Theta of every particle. positions (N, 2) sigma_11, types (N,) 0-based, box (2,).

        Returns self.
        """
        positions, box = _as_inputs(positions, box)
        n, d = positions.shape
        if d != 2:
            raise ValueError(f"TanakaTheta is defined for 2D systems only (Tong & Tanaka's 2D Theta); got d = {d}")
        types = np.asarray(types)
        if types.shape != (n,) or (n and (types.min() < 0 or types.max() >= len(self.sigma))):
            raise ValueError(f"types must be (N,) integers in [0, {len(self.sigma)}), one per particle")
        types = types.astype(np.int64)
        tri, verts, central = periodic_delaunay(positions, box)
        total = np.zeros(n)
        count = np.zeros(n, dtype=np.int64)
        for v in range(3):
            o, p, q = v, (v + 1) % 3, (v + 2) % 3
            rows = central[:, o]
            e1 = verts[rows, p] - verts[rows, o]
            e2 = verts[rows, q] - verts[rows, o]
            cross = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
            theta1 = np.arctan2(np.abs(cross), np.einsum("pk,pk->p", e1, e2))
            i, j, k = tri[rows, o], tri[rows, p], tri[rows, q]
            theta2 = self._theta2[types[i], types[j], types[k]]
            np.add.at(total, i, np.abs(theta1 - theta2))
            np.add.at(count, i, 1)
        self.theta = total / np.maximum(count, 1)
        self.n_neighbours = count
        self.positions, self.types, self.box = positions, types, box
        return self

    def coarse_grained(self, length: float = 5.0, cutoff: float = 20.0):
        """sum_j Theta_j e^{-r_ij/L} / sum_j e^{-r_ij/L} over all types (j = i included)
        within ``cutoff`` over all images: the roadmap's bar Theta_{L=5, beta=all}. Returns (N,)."""
        if self.theta is None:
            raise RuntimeError("call TanakaTheta.compute(positions, types, box) first")
        return coarse_grain(self.positions, self.box, self.theta, length, cutoff=cutoff)
