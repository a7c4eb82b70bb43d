"""GlassMLP / tGlassMLP physics-inspired descriptors (PRL 130, 238202; PRB 109, 064205).

From the inherent structure R_i, four per-particle observables (PRB eqs. 1-4)

- density 1 -> rho_{L,beta}^i = sum_j exp(-R_ij / L)
- potential energy E^i = 1/2 sum_j V(R_ij) -> E_{L,beta}^i (normalised average)
- Voronoi perimeter p^i (2D) / surface area s^i (3D, PRL SM VI) -> p_{L,beta}^i
- local energy variance -> Delta E_{L,beta}^i = sum_j (E^j - E_{L,beta}^i)^2 e^{-R_ij/L} / rho

each coarse-grained for every species beta and for all particles, over every length L, with
R_ij < 20 sigma_11 over all periodic images (see :mod:`glassdyn.descriptors.coarse_grain`).
The roadmap (SI I.F) adds the distance to the thermal position, Delta r^inh_i =
|R_i - r_i|, coarse-grained in the same way; the SI's formula writes Delta r_i inside the sum
over j, which would only rescale rho, so it is read as Delta r_j, normalised like the others.

Columns are ordered observable-major, then group (type0, ..., all), then L, as in the
authors' StructDynGlass output; names look like ``epot_type1_L2.5``. Standardisation
belongs to the model (fitted on training data), not here.
"""

from __future__ import annotations

import numpy as np

from glassdyn.descriptors.coarse_grain import CoarseGraining
from glassdyn.geometry import minimum_image

#: Coarse-graining lengths of each paper, sigma_11.
GLASSMLP_PRL_LENGTHS = tuple(0.5 * k for k in range(16))  # 0.0, 0.5, ..., 7.5 (M_CG = 16)
TGLASSMLP_PRB_LENGTHS = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 9.0)  # M_CG = 11


class GlassMLPDescriptors:
    """Coarse-grained density, energy, Voronoi size and energy variance (and optionally Delta r^inh).

    Parameters
    ----------
    lengths : coarse-graining lengths L, sigma_11 (0 = the particle itself)
    include_displacement : add the roadmap's coarse-grained Delta r^inh
    cutoff : R_ij cutoff of the sums, sigma_11 (20 in the papers)

    After :meth:`compute`: ``values`` (N, M) float64 and ``names`` (M,) with
    M = K x len(lengths) x (n_types + 1), K = 4 (5 with the displacement).
    """

    def __init__(self, lengths=GLASSMLP_PRL_LENGTHS, include_displacement: bool = False, cutoff: float = 20.0):
        self.lengths = tuple(float(x) for x in lengths)
        self.include_displacement = bool(include_displacement)
        self.cutoff = float(cutoff)

    def n_descriptors(self, n_types: int) -> int:
        return (5 if self.include_displacement else 4) * len(self.lengths) * (n_types + 1)

    def column_names(self, n_types: int, dimension: int) -> list[str]:
        groups = [f"type{t}" for t in range(n_types)] + ["all"]
        size = "voronoi_perimeter" if dimension == 2 else "voronoi_surface"
        observables = ["density", "epot", size, "epot_variance"] + (["displacement_inh"] if self.include_displacement else [])
        return [f"{o}_{g}_L{L:g}" for o in observables for g in groups for L in self.lengths]

    def compute(self, positions, types, box, particle_energies, cell_sizes, *, thermal_positions=None,
                n_types: int | None = None):
        """Descriptors of one inherent structure.

        positions : (N, d) inherent-structure positions, sigma_11
        types : (N,) 0-based species; box : (d,) sigma_11
        particle_energies : (N,) E^i = 1/2 sum_j V(R_ij), epsilon_11
        cell_sizes : (N,) Voronoi perimeter (2D) or surface area (3D) of the inherent structure
        thermal_positions : (N, d) positions before the quench, continuous with ``positions``
            (needed with ``include_displacement``)
        n_types : number of species of the mixture (default max(types) + 1)
        """
        positions = np.asarray(positions, dtype=float)
        types = np.asarray(types)
        n, d = positions.shape
        n_types = int(types.max()) + 1 if n_types is None else int(n_types)
        fields = {"epot": particle_energies, "size": cell_sizes}
        if self.include_displacement:
            if thermal_positions is None:
                raise ValueError("include_displacement needs thermal_positions")
            thermal_positions = np.asarray(thermal_positions, dtype=float)
            if thermal_positions.shape != positions.shape:
                raise ValueError(f"thermal_positions {thermal_positions.shape} != positions {positions.shape}")
            # the inherent structure is continuous from the thermal one: no minimum image needed,
            # but imported data may be wrapped independently, so take the nearest image anyway
            delta = minimum_image(positions - thermal_positions, box)
            fields["displacement"] = np.linalg.norm(delta, axis=1)
        cg = CoarseGraining(self.lengths, self.cutoff).compute(
            positions, types, box, fields, variance_of=["epot"], n_types=n_types
        )
        blocks = [cg.density, cg.mean["epot"], cg.mean["size"], cg.variance["epot"]]
        if self.include_displacement:
            blocks.append(cg.mean["displacement"])
        self.values = np.concatenate([b.reshape(n, -1) for b in blocks], axis=1)
        self.names = self.column_names(n_types, d)
        return self
