"""Recursive radial and angular shell descriptors (Boattini et al.; Alkemade et al.) and CAGE features.

Zeroth generation, for particle i (Alkemade, Smallenburg, Filion, JCP 156, 204503 (2022),
Sec. I.C, eqs. 2-5; roadmap SI I.E for 2D):

- radial, type-resolved: G_i(r, delta, s) = sum_{j != i, s_j = s} exp(-(r_ij - r)^2 / (2 delta^2));
- angular, species-blind, l = 1..12: in 3D
  q_i(l, r, delta) = sqrt(4 pi / (2l + 1) sum_m |sum_j w_ij Y_l^m(r_ij) / sum_j w_ij|^2),
  in 2D Phi_i^l(r, delta) = |sum_j w_ij exp(i l theta_ij) / sum_j w_ij|, with the Gaussian
  shell weight w_ij = exp(-(r_ij - r)^2 / (2 delta^2)) (:func:`bond_order_invariants`).

Generations (eq. 6): x_i^(n) = sum_{j: r_ij < r_c} x_j^(n-1) e^{-r_ij / r_c} / sum_{j: r_ij < r_c} e^{-r_ij / r_c},
the sum including i itself (weight 1), r_c = 2.1 sigma_11; generations 0, 1, 2.

All sums run over every periodic image (boxes of small systems are smaller than the reach).
Truncation: the radial sums run over neighbours with r_ij < max_k(r_k + 8 delta_k) over the
radial shells, the angular ones over r_ij < max_k(r_k + 8 delta_k) over the angular shells;
a neighbour further away weighs less than exp(-32) ~ 1e-14 of a shell's peak in every shell.

Shell sets (distances in sigma_11; delta equals the spacing of each list, up to the 0.0253
spacing of the 3D [0.86, 2.0] list, whose delta is 0.025):

- KA2D (roadmap SI I.E): radial 60 equally spaced in (0.5, 2.0] with delta = 0.025, 20 in
  (2.0, 3.0] with 0.05, 18 in (3.0, 4.8] with 0.1: 98 per type x 3 types = 294; angular 14
  shells at 1.0, 1.1, ..., 2.3 with delta = 0.1 and l = 1..12: 168. 462 per generation.
- KA 3D: the roadmap uses "exactly the same set of descriptors as in Ref. [9]" (Alkemade
  2023), which is not spelled out in the papers here; only the count, 366 per generation,
  is. We take the radial list of Alkemade 2022: 46 equally spaced in [0.86, 2.0] (both
  ends) with delta = 0.025, 20 in (2.0, 3.0] with 0.05, 15 in (3.0, 4.5] with 0.1: 81 per
  type x 2 types = 162; and angular l = 1..12 on 17 shells at 1.0, 1.1, ..., 2.6 with
  delta = 0.1 (Alkemade 2022's 16 shells over [1, 2.5] plus one, to reach 366): 204.

The full CAGE feature vector (:class:`CageFeatures`) is three generations of these for the
initial and for the cage state, plus Delta r_cage: 2773 columns for KA2D, 2197 for KA 3D.
(The roadmap SI prints the two totals the other way round; 6 x 462 + 1 = 2773 is the 2D one.)
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse

from glassdyn.descriptors.angular import bond_order_invariants
from glassdyn.descriptors.neighbours import PairList, pair_list
from glassdyn.geometry import minimum_image

#: Gaussian sums stop at r_k + TRUNCATION_WIDTHS * delta_k of the furthest shell
TRUNCATION_WIDTHS = 8.0
#: exp(-x) is exactly 0.0 in double precision for x > 745.14
_EXP_UNDERFLOW = 746.0
#: bytes of bond-order coefficients held at once (the angular shells are done in groups)
_ANGULAR_MEMORY = 128 * 2**20


def _open_grid(lower, upper, count, width):
    """``count`` shells equally spaced in (lower, upper], all of Gaussian width ``width``."""
    radii = lower + (upper - lower) * np.arange(1, count + 1) / count
    return np.column_stack([radii, np.full(count, width)])


def _closed_grid(lower, upper, count, width):
    """``count`` shells equally spaced in [lower, upper] (both ends), width ``width``."""
    return np.column_stack([np.linspace(lower, upper, count), np.full(count, width)])


#: Shell sets of the roadmap systems, keyed by mixture name (see the module docstring).
PRESETS: dict[str, dict] = {
    "kob_andersen_2d_ternary": dict(
        dimension=2,
        n_types=3,
        radial_shells=np.vstack([_open_grid(0.5, 2.0, 60, 0.025), _open_grid(2.0, 3.0, 20, 0.05),
                                 _open_grid(3.0, 4.8, 18, 0.1)]),
        angular_shells=_closed_grid(1.0, 2.3, 14, 0.1),
    ),
    "kob_andersen_3d": dict(
        dimension=3,
        n_types=2,
        radial_shells=np.vstack([_closed_grid(0.86, 2.0, 46, 0.025), _open_grid(2.0, 3.0, 20, 0.05),
                                 _open_grid(3.0, 4.5, 15, 0.1)]),
        angular_shells=_closed_grid(1.0, 2.6, 17, 0.1),
    ),
}


@numba.njit(cache=True)
def _radial_kernel(pi, pj, distances, types, centres, inv_two_var, cutoff, bin_width, bin_start, bin_shells, out):
    """out[i, s_j, k] += exp(-(r_ij - r_k)^2 / (2 delta_k^2)) for both ends of each half-list pair.

    Only the shells listed for the distance bin of r_ij are visited: for the others the
    Gaussian is exactly 0.0 in double precision, so the sums are bitwise those over all shells.
    """
    for p in range(pi.shape[0]):
        r = distances[p]
        if r >= cutoff:
            continue
        i, j = pi[p], pj[p]
        ti, tj = types[i], types[j]
        b = int(r / bin_width)
        for q in range(bin_start[b], bin_start[b + 1]):
            k = bin_shells[q]
            dr = r - centres[k]
            w = np.exp(-dr * dr * inv_two_var[k])
            out[i, tj, k] += w
            out[j, ti, k] += w


def _shell_bins(shells, cutoff, bin_width=0.05):
    """For each distance bin of [0, cutoff), the shells whose Gaussian is not 0.0 somewhere in it (CSR)."""
    reach = np.sqrt(2.0 * _EXP_UNDERFLOW) * shells[:, 1]
    n_bins = int(np.ceil(cutoff / bin_width)) + 1
    lower = np.arange(n_bins) * bin_width
    r = shells[None, :, 0]
    hits = (r + reach[None, :] >= lower[:, None]) & (r - reach[None, :] <= lower[:, None] + bin_width)
    bin_start = np.concatenate([[0], np.cumsum(hits.sum(axis=1))]).astype(np.int64)
    return bin_start, np.nonzero(hits)[1].astype(np.int64)


def _subset(pairs: PairList, mask) -> PairList:
    return PairList(pairs.i[mask], pairs.j[mask], pairs.vectors[mask], pairs.distances[mask])


def _check_shells(shells, what):
    shells = np.ascontiguousarray(shells, dtype=np.float64)
    if shells.ndim != 2 or shells.shape[1] != 2 or len(shells) == 0:
        raise ValueError(f"{what} must be a non-empty (K, 2) array of (r, delta), got shape {shells.shape}")
    if np.any(shells[:, 0] < 0) or np.any(shells[:, 1] <= 0):
        raise ValueError(f"{what}: radii must be non-negative and widths positive")
    return shells


def _check_configuration(positions, types, box, dimension, n_types):
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    box = np.ascontiguousarray(box, dtype=np.float64).reshape(-1)
    types = np.ascontiguousarray(types, dtype=np.int64).reshape(-1)
    if positions.ndim != 2 or positions.shape[1] != dimension or len(box) != dimension:
        raise ValueError(f"expected {dimension}D positions (N, {dimension}) and box ({dimension},); "
                         f"got {positions.shape} and {box.shape}")
    if len(types) != len(positions):
        raise ValueError(f"types has {len(types)} entries for {len(positions)} particles")
    if len(types) and (types.min() < 0 or types.max() >= n_types):
        raise ValueError(f"types must be 0-based below {n_types}, got range [{types.min()}, {types.max()}]")
    return positions, types, box


class GenerationAverage:
    """Eq. 6: average of per-particle features over neighbours r_ij < cutoff, i itself included.

    Weights e^{-r_ij / cutoff} over all periodic images (a particle's own images included when
    the box is that small); the particle itself has weight 1.
    """

    def __init__(self, cutoff: float = 2.1):
        if not cutoff > 0:
            raise ValueError(f"cutoff must be positive, got {cutoff}")
        self.cutoff = float(cutoff)

    def matrix(self, n_particles: int, pairs: PairList) -> scipy.sparse.csr_matrix:
        """Row-normalised (N, N) averaging matrix from a half pair list (longer pairs are ignored)."""
        near = pairs.distances < self.cutoff
        i, j = pairs.i[near], pairs.j[near]
        w = np.exp(-pairs.distances[near] / self.cutoff)
        diagonal = np.arange(n_particles)
        rows = np.concatenate([i, j, diagonal])
        cols = np.concatenate([j, i, diagonal])
        weights = np.concatenate([w, w, np.ones(n_particles)])
        m = scipy.sparse.csr_matrix((weights, (rows, cols)), shape=(n_particles, n_particles))  # sums duplicates
        norm = np.asarray(m.sum(axis=1)).ravel()
        return scipy.sparse.diags(1.0 / norm) @ m

    def generations(self, features, n_particles: int, pairs: PairList, n_generations: int) -> list[np.ndarray]:
        """[x^(0), x^(1), ..., x^(n_generations - 1)], each (N, F)."""
        average = self.matrix(n_particles, pairs)
        out = [np.asarray(features, dtype=np.float64)]
        for _ in range(n_generations - 1):
            out.append(average @ out[-1])
        return out


class BoattiniDescriptors:
    """Radial and angular Gaussian-shell descriptors and their generation averages.

    Parameters
    ----------
    radial_shells : (K, 2) shells (r, delta) of the type-resolved radial densities, sigma_11
    angular_shells : (S, 2) shells (r, delta) of the species-blind bond-order invariants, sigma_11
    n_types : number of particle types (radial densities are resolved by the neighbour's type)
    dimension : 2 or 3
    l_values : orders of the angular invariants (default 1..12)
    n_generations : generations 0 .. n_generations - 1 (default 3)
    generation_cutoff : r_c of eq. 6, sigma_11 (default 2.1)

    Attributes
    ----------
    names : list of M feature names, generation-major: radial (type-major, then shell), then
        angular (shell-major, then l), e.g. "radial_t0_r0.525_g1", "angular_l6_r1.500_g0"
    values : (N, M) float64, after :meth:`compute`
    radial_cutoff, angular_cutoff : truncation distances of the Gaussian sums, sigma_11
    """

    def __init__(self, radial_shells, angular_shells, *, n_types: int, dimension: int,
                 l_values=tuple(range(1, 13)), n_generations: int = 3, generation_cutoff: float = 2.1):
        if dimension not in (2, 3):
            raise ValueError(f"dimension must be 2 or 3, got {dimension}")
        if n_types < 1 or n_generations < 1:
            raise ValueError("need n_types >= 1 and n_generations >= 1")
        self.radial_shells = _check_shells(radial_shells, "radial_shells")
        self.angular_shells = _check_shells(angular_shells, "angular_shells")
        self.l_values = np.asarray(l_values, dtype=np.int64).reshape(-1)
        if len(self.l_values) == 0 or np.any(self.l_values < 0):
            raise ValueError("l_values must be non-empty and non-negative")
        self.n_types = int(n_types)
        self.dimension = int(dimension)
        self.n_generations = int(n_generations)
        self.averaging = GenerationAverage(generation_cutoff)
        self.radial_cutoff = float(np.max(self.radial_shells[:, 0] + TRUNCATION_WIDTHS * self.radial_shells[:, 1]))
        self.angular_cutoff = float(np.max(self.angular_shells[:, 0] + TRUNCATION_WIDTHS * self.angular_shells[:, 1]))

    @classmethod
    def from_preset(cls, name: str, **options) -> "BoattiniDescriptors":
        """Shells of a roadmap system by mixture name (:data:`PRESETS`); ``options`` go to __init__."""
        if name not in PRESETS:
            raise ValueError(f"no descriptor preset for {name!r}; known: {sorted(PRESETS)}")
        return cls(**{**PRESETS[name], **options})

    @classmethod
    def for_mixture(cls, mixture, **options) -> "BoattiniDescriptors":
        """Preset of a :class:`~glassdyn.systems.Mixture` (looked up by its name)."""
        return cls.from_preset(mixture.name, **options)

    @property
    def generation_cutoff(self) -> float:
        """r_c of the generation averages (eq. 6), sigma_11."""
        return self.averaging.cutoff

    @property
    def generation_names(self) -> list[str]:
        """Names of one generation's features, without the generation suffix."""
        radial = [f"radial_t{t}_r{r:.3f}" for t in range(self.n_types) for r in self.radial_shells[:, 0]]
        angular = [f"angular_l{l}_r{r:.3f}" for r in self.angular_shells[:, 0] for l in self.l_values]
        return radial + angular

    @property
    def names(self) -> list[str]:
        return [f"{name}_g{g}" for g in range(self.n_generations) for name in self.generation_names]

    @property
    def n_features(self) -> int:
        """Columns per generation."""
        return self.n_types * len(self.radial_shells) + len(self.angular_shells) * len(self.l_values)

    def radial(self, n_particles: int, types, pairs: PairList) -> np.ndarray:
        """Type-resolved radial densities from a half pair list: (N, n_types * K)."""
        centres = np.ascontiguousarray(self.radial_shells[:, 0])
        inv_two_var = 1.0 / (2.0 * self.radial_shells[:, 1] ** 2)
        bin_width = 0.05
        bin_start, bin_shells = _shell_bins(self.radial_shells, self.radial_cutoff, bin_width)
        out = np.zeros((n_particles, self.n_types, len(centres)))
        _radial_kernel(pairs.i, pairs.j, pairs.distances, types, centres, inv_two_var, self.radial_cutoff,
                       bin_width, bin_start, bin_shells, out)
        return out.reshape(n_particles, -1)

    def angular(self, n_particles: int, pairs: PairList) -> np.ndarray:
        """Shell bond-order invariants from a half pair list: (N, S * len(l_values))."""
        pairs = _subset(pairs, pairs.distances < self.angular_cutoff)
        r, delta = self.angular_shells[:, 0], self.angular_shells[:, 1]
        weights = np.exp(-((pairs.distances[:, None] - r[None, :]) ** 2) / (2.0 * delta[None, :] ** 2))
        # shells in groups: the kernel holds (N, shells, l_max + 1, l_max + 1) complex coefficients in 3D
        per_shell = 16 * n_particles * (int(self.l_values.max()) + 1) ** (2 if self.dimension == 3 else 1)
        group = max(1, _ANGULAR_MEMORY // max(per_shell, 1))
        invariants = [
            bond_order_invariants(n_particles, pairs, np.ascontiguousarray(weights[:, s:s + group]),
                                  self.l_values, self.dimension)[0]
            for s in range(0, len(r), group)
        ]
        return np.concatenate(invariants, axis=1).reshape(n_particles, -1)

    def compute(self, positions, types, box) -> "BoattiniDescriptors":
        """Descriptors of ``positions`` (N, d), ``types`` (N,) 0-based, ``box`` (d,) edges (sigma_11)."""
        positions, types, box = _check_configuration(positions, types, box, self.dimension, self.n_types)
        n = len(positions)
        reach = max(self.radial_cutoff, self.angular_cutoff, self.averaging.cutoff)
        pairs = pair_list(positions, box, reach)
        zeroth = np.hstack([self.radial(n, types, pairs), self.angular(n, pairs)])
        generations = self.averaging.generations(zeroth, n, pairs, self.n_generations)
        self.values = np.hstack(generations)
        return self


class CageFeatures:
    """The CAGE feature vector: descriptors of the initial and of the cage state, plus Delta r_cage.

    Columns: "initial_<name>" for every descriptor name, then "cage_<name>", then
    "delta_r_cage" = |r_cage - r_init| (minimum image, so wrapped cage positions work too;
    a cage displacement is far below half the box).
    """

    def __init__(self, descriptors: BoattiniDescriptors):
        self.descriptors = descriptors

    @property
    def names(self) -> list[str]:
        base = self.descriptors.names
        return [f"initial_{n}" for n in base] + [f"cage_{n}" for n in base] + ["delta_r_cage"]

    def compute(self, initial_positions, cage_positions, types, box) -> "CageFeatures":
        """values: (N, 2 M + 1) float64 for ``initial_positions`` and ``cage_positions`` (N, d)."""
        initial = np.asarray(initial_positions, dtype=np.float64)
        cage = np.asarray(cage_positions, dtype=np.float64)
        if initial.shape != cage.shape:
            raise ValueError(f"initial and cage positions differ in shape: {initial.shape} vs {cage.shape}")
        initial_values = self.descriptors.compute(initial, types, box).values
        cage_values = self.descriptors.compute(cage, types, box).values
        box = np.asarray(box, dtype=np.float64).reshape(-1)
        delta = minimum_image(cage - initial, box)
        self.values = np.hstack([initial_values, cage_values, np.linalg.norm(delta, axis=1)[:, None]])
        return self


def cage_features(initial_positions, cage_positions, types, box, descriptors: BoattiniDescriptors):
    """CAGE feature matrix (N, 2 M + 1) and its column names (see :class:`CageFeatures`)."""
    features = CageFeatures(descriptors).compute(initial_positions, cage_positions, types, box)
    return features.values, features.names
