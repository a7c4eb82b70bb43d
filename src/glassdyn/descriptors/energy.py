"""Per-particle potential energy E^i = 1/2 sum_j V(r_ij) for any box size and N.

The inherent-structure files already carry LAMMPS' per-atom energies; this is for thermal
configurations, imported data and tests. Pairs come from the periodic cell list, so it is
O(N) and valid also when the cutoff exceeds half the box.
"""

from __future__ import annotations

import numpy as np

from glassdyn.descriptors.neighbours import pair_list
from glassdyn.systems.potentials import PairPotential


def particle_energies(potential: PairPotential, positions, types, box) -> np.ndarray:
    """E^i = 1/2 sum_{j != i} V_{t_i t_j}(r_ij) over all periodic images: shape (N,), epsilon_11."""
    types = np.asarray(types, dtype=np.int64)
    pairs = pair_list(positions, box, potential.max_cutoff)
    u = potential.energy(pairs.distances, types[pairs.i], types[pairs.j])
    n = len(types)
    # each unordered pair once: half to each end (a particle's own image counts fully for itself)
    return 0.5 * (np.bincount(pairs.i, weights=u, minlength=n) + np.bincount(pairs.j, weights=u, minlength=n))
