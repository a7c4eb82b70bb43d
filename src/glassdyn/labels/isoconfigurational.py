"""Per-particle and per-edge labels from isoconfigurational replica trajectories.

Conventions (shapes): replica positions ``positions`` are (N_R, n_t, N, d), *unwrapped* and
continuous from the structure's ``initial_positions`` (N, d), so ``positions - initial`` is
each particle's true displacement even after it crossed a periodic boundary. A pair keeps
the periodic image it had at t = 0: its separation at time t is

    r_ij(t) = r_ij^min(0) + Delta r_j(t) - Delta r_i(t),

which follows the same two particles however far they move (a minimum image taken at time t
would silently swap in another image of j once i and j drift apart by more than L/2).

Labels (roadmap SI Sec. I.C; GlassMLP PRL SM I.C; BOTAN eq. 11):

- propensity of displacement R_i(t) = <|r_i(t) - r_i(0)|>_iso;
- bond-breaking propensity C_B^i(t) = <n_t^i / n_0^i>_iso, with n_0^i the neighbours within
  ``inner`` sigma_ab at t = 0 and n_t^i those of them still within ``outer`` sigma_ab at t;
- edge propensity E_ij(t) = <r_ij(t) - r_ij(0)>_iso on the edges r_ij(0) < ``edge_cutoff`` (BOTAN writes <=; equal distances have measure zero).
"""

from __future__ import annotations

import numpy as np

# periodic geometry is glassdyn.geometry's; wrap and minimum_image stay importable from here
from glassdyn.geometry import minimum_image, wrap
from glassdyn.geometry_kernels import periodic_pairs


def pairs_within(positions, box, cutoff, search_radius: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j closer than ``cutoff`` under periodic boundaries.

    ``cutoff`` is a number, or a function ``cutoff(i, j) -> array`` of pair cutoffs (for
    type-dependent cutoffs) no larger than ``search_radius``. Returns (pairs (P, 2) int64,
    sorted; vectors (P, d) r_j - r_i in the minimum image), from the cell list
    :func:`~glassdyn.geometry_kernels.periodic_pairs`.
    """
    box = np.asarray(box, dtype=float)
    radius = float(cutoff) if search_radius is None else float(search_radius)
    if radius >= 0.5 * box.min():
        raise ValueError(f"pair cutoff {radius:.3f} must be below half the box edge {0.5 * box.min():.3f}")
    pairs, d = periodic_pairs(positions, box, radius)
    if not callable(cutoff):
        return pairs, d
    keep = np.einsum("pk,pk->p", d, d) < np.square(cutoff(pairs[:, 0], pairs[:, 1]))
    return pairs[keep], d[keep]


def neighbour_pairs(positions, types, box, sigma, factor) -> tuple[np.ndarray, np.ndarray]:
    """Pairs i < j with r_ij < factor * sigma[type_i, type_j]; see :func:`pairs_within`."""
    sigma = np.asarray(sigma, dtype=float)
    types = np.asarray(types)
    return pairs_within(
        positions, box, lambda i, j: factor * sigma[types[i], types[j]], search_radius=factor * sigma.max()
    )


def _pair_distances(d0, delta, pairs):
    """|r_ij(t)| with the t = 0 image: d0 (P, d), delta (..., N, d) -> (..., P)."""
    return np.linalg.norm(d0 + delta[..., pairs[:, 1], :] - delta[..., pairs[:, 0], :], axis=-1)


class IsoconfigurationalLabels:
    """Compute R_i(t), C_B^i(t) and E_ij(t) from one isoconfigurational ensemble.

    Parameters
    ----------
    sigma : (n_types, n_types) array
        Pair diameters sigma_ab of the mixture (sigma_11 units).
    inner, outer : float
        Bond-breaking cutoffs in units of sigma_ab (GlassMLP: 1.4 and 1.8).
    edge_cutoff : float
        Edges for E_ij are pairs with r_ij(0) < edge_cutoff (sigma_11 units; BOTAN: 2.0).

    After :meth:`compute`, per-replica labels are kept (``replica_propensity``,
    ``replica_bond_breaking``, both (N_R, n_t, N)) for the split-half noise ceiling, and the
    isoconfigurational averages in ``propensity``, ``bond_breaking`` ((n_t, N)),
    ``edges`` ((E, 2), i < j) and ``edge_propensity`` ((n_t, E)).
    """

    def __init__(self, sigma, inner: float = 1.4, outer: float = 1.8, edge_cutoff: float = 2.0):
        if not 0 < inner <= outer:
            raise ValueError(f"need 0 < inner <= outer, got inner={inner}, outer={outer}")
        self.sigma = np.asarray(sigma, dtype=float)
        self.inner, self.outer, self.edge_cutoff = float(inner), float(outer), float(edge_cutoff)

    def compute(self, initial_positions, positions, types, box, edges: bool = True):
        initial = np.asarray(initial_positions, dtype=float)
        positions = np.asarray(positions, dtype=float)
        types = np.asarray(types)
        box = np.asarray(box, dtype=float)
        if positions.ndim != 4 or positions.shape[2:] != initial.shape:
            raise ValueError(f"positions must be (N_R, n_t, N, d) with (N, d) = {initial.shape}, got {positions.shape}")
        n_r, n_t, n, _ = positions.shape
        if types.max() >= len(self.sigma):
            raise ValueError(f"particle type {types.max()} has no sigma (mixture has {len(self.sigma)} types)")

        # Bonds at t = 0 (both directions count for each particle).
        bonds, bond_d0 = neighbour_pairs(initial, types, box, self.sigma, self.inner)
        n0 = np.bincount(bonds.ravel(), minlength=n)
        if np.any(n0 == 0):
            lonely = np.flatnonzero(n0 == 0)
            raise ValueError(
                f"{len(lonely)} particles (first: {lonely[0]}) have no neighbour within {self.inner} sigma_ab "
                "at t = 0; check the box and the positions"
            )
        outer_cut = self.outer * self.sigma[types[bonds[:, 0]], types[bonds[:, 1]]]
        if edges:
            self.edges, edge_d0 = pairs_within(initial, box, self.edge_cutoff)
            edge_r0 = np.linalg.norm(edge_d0, axis=1)
            edge_sum = np.zeros((n_t, len(self.edges)))

        self.replica_propensity = np.empty((n_r, n_t, n))
        self.replica_bond_breaking = np.empty((n_r, n_t, n))
        flat_i = (np.arange(n_t)[:, None] * n + bonds[:, 0][None]).ravel()
        flat_j = (np.arange(n_t)[:, None] * n + bonds[:, 1][None]).ravel()
        for k in range(n_r):  # one replica at a time keeps memory at O(n_t * pairs)
            delta = positions[k] - initial[None]
            self.replica_propensity[k] = np.linalg.norm(delta, axis=-1)
            intact = (_pair_distances(bond_d0, delta, bonds) < outer_cut).astype(float).ravel()
            nt = np.bincount(flat_i, intact, minlength=n_t * n) + np.bincount(flat_j, intact, minlength=n_t * n)
            self.replica_bond_breaking[k] = nt.reshape(n_t, n) / n0
            if edges:
                edge_sum += _pair_distances(edge_d0, delta, self.edges) - edge_r0
        self.propensity = self.replica_propensity.mean(axis=0)
        self.bond_breaking = self.replica_bond_breaking.mean(axis=0)
        self.neighbour_count = n0
        if edges:
            self.edge_propensity = edge_sum / n_r
        else:
            self.edges, self.edge_propensity = None, None
        return self


def labels_from_ensemble(
    ensemble,
    sigma,
    *,
    inner: float = 1.4,
    outer: float = 1.8,
    edge_cutoff: float = 2.0,
    wavenumbers=(2 * np.pi, 7.25),
    n_splits: int = 16,
    seed: int = 0,
):
    """The :class:`~glassdyn.io.Labels` record of one isoconfigurational ensemble.

    Besides R, C_B and E_ij it stores, per type, F_s(q, t) at ``wavenumbers`` and the
    split-half correlation of R and C_B (mean over ``n_splits`` random halvings, seeded by
    ``seed``), so that ``summarize_dynamics`` never needs the replica trajectories again.
    """
    from glassdyn.analysis.dynamics import self_intermediate_scattering
    from glassdyn.analysis.metrics import split_half_correlation
    from glassdyn.io import Labels

    n_types = len(np.asarray(sigma))
    calc = IsoconfigurationalLabels(sigma, inner, outer, edge_cutoff).compute(
        ensemble.initial_positions, ensemble.positions, ensemble.types, ensemble.box
    )
    q = np.asarray(wavenumbers, dtype=float)
    f_s = self_intermediate_scattering(calc.replica_propensity, ensemble.types, q, len(ensemble.box), n_types)
    if ensemble.n_replicas >= 2:
        rng = np.random.default_rng(seed)
        halves = np.stack([
            _pad_types(split_half_correlation(calc.replica_propensity, ensemble.types, n_splits, rng), n_types),
            _pad_types(split_half_correlation(calc.replica_bond_breaking, ensemble.types, n_splits, rng), n_types),
        ])
    else:
        halves = None
    metadata = {
        k: v for k, v in ensemble.metadata.items()
        if k in ("temperature", "tau_alpha", "structure_index", "system_name", "potential", "mixture", "timestep")
    }
    metadata.update(
        n_replicas=int(ensemble.n_replicas),
        bond_breaking_cutoffs=[inner, outer],
        edge_cutoff=edge_cutoff,
        mean_neighbours=float(calc.neighbour_count.mean()),
    )
    return Labels(
        positions=wrap(ensemble.initial_positions, ensemble.box),
        types=np.asarray(ensemble.types),
        box=np.asarray(ensemble.box, dtype=float),
        times=np.asarray(ensemble.times, dtype=float),
        propensity=calc.propensity,
        bond_breaking=calc.bond_breaking,
        edges=calc.edges.astype(np.int32),
        edge_propensity=calc.edge_propensity.astype(np.float32),
        wavenumbers=q,
        self_intermediate_scattering=f_s,
        split_half_correlation=halves,
        metadata=metadata,
    )


def _pad_types(values, n_types):
    """(n_t, k) -> (n_t, n_types), NaN for types absent from this structure."""
    out = np.full((values.shape[0], n_types), np.nan)
    out[:, : values.shape[1]] = values
    return out
