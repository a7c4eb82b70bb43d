"""Parameters of the model mixtures, kept in one place.

All quantities are in reduced Lennard-Jones units of the majority species
(sigma_11 = epsilon_11 = m = k_B = 1). Types are 0-based in memory and in
files (type 0 is the paper's type 1 / A); LAMMPS sees them 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Mixture:
    """A multicomponent Lennard-Jones mixture.

    Parameters
    ----------
    name:
        Identifier used in configs and files.
    dimension:
        2 or 3.
    fractions:
        Number fraction of each species, shape (n_types,), summing to 1.
    epsilon, sigma:
        Symmetric interaction matrices, shape (n_types, n_types).
    cutoff_factor:
        Cutoff of pair (a, b) is ``cutoff_factor * sigma[a, b]``.
    masses:
        Mass of each species, shape (n_types,).
    smoothing:
        Default potential form (see :data:`glassdyn.systems.potentials.POTENTIAL_FORMS`).
    polynomial:
        (C0, C2, C4) of the polynomial smoothing, only for ``smoothing="polynomial"``.
    reference:
        Where the parameters come from.
    """

    name: str
    dimension: int
    fractions: tuple[float, ...]
    epsilon: tuple[tuple[float, ...], ...]
    sigma: tuple[tuple[float, ...], ...]
    cutoff_factor: float = 2.5
    masses: tuple[float, ...] = ()
    smoothing: str = "force_shifted"
    polynomial: tuple[float, float, float] = (0.0, 0.0, 0.0)
    reference: str = ""
    species_labels: tuple[str, ...] = field(default=())

    @property
    def n_types(self) -> int:
        return len(self.fractions)

    @property
    def epsilon_matrix(self) -> np.ndarray:
        return np.asarray(self.epsilon, dtype=float)

    @property
    def sigma_matrix(self) -> np.ndarray:
        return np.asarray(self.sigma, dtype=float)

    @property
    def cutoff_matrix(self) -> np.ndarray:
        return self.cutoff_factor * self.sigma_matrix

    @property
    def mass_array(self) -> np.ndarray:
        masses = self.masses or (1.0,) * self.n_types
        return np.asarray(masses, dtype=float)

    def counts(self, n_particles: int) -> np.ndarray:
        """Number of particles of each species for ``n_particles`` in total.

        Largest-remainder rounding of ``fractions * n_particles`` so that the
        counts sum to ``n_particles``; ties go to the lower type index. KA with
        N = 4096 gives 3277/819 as in the BOTAN data; KA2D with N = 1290 gives
        600/330/360 as in the GlassMLP PRL.
        """
        if n_particles < self.n_types:
            raise ValueError(f"{self.name}: need at least {self.n_types} particles, got {n_particles}")
        exact = np.asarray(self.fractions) * n_particles
        counts = np.floor(exact).astype(int)
        remainder = exact - counts
        order = np.lexsort((np.arange(self.n_types), -remainder))
        counts[order[: n_particles - counts.sum()]] += 1
        return counts

    def types(self, n_particles: int) -> np.ndarray:
        """Type of each particle, species in blocks: shape (n_particles,), int8, 0-based."""
        return np.repeat(np.arange(self.n_types, dtype=np.int8), self.counts(n_particles))

    def box_length(self, n_particles: int, density: float) -> float:
        """Edge of the cubic (square) periodic box at number density ``density``."""
        return float((n_particles / density) ** (1.0 / self.dimension))

    def __post_init__(self):
        eps, sig = self.epsilon_matrix, self.sigma_matrix
        n = self.n_types
        if eps.shape != (n, n) or sig.shape != (n, n):
            raise ValueError(f"{self.name}: epsilon and sigma must be {n}x{n}")
        if not (np.allclose(eps, eps.T) and np.allclose(sig, sig.T)):
            raise ValueError(f"{self.name}: epsilon and sigma must be symmetric")
        if not np.isclose(sum(self.fractions), 1.0):
            raise ValueError(f"{self.name}: fractions must sum to 1")


#: Kob-Andersen binary mixture, 3D (Kob & Andersen, PRE 51, 4626 (1995));
#: 80:20, cutoff 2.5 sigma_ab. BOTAN (JCP 158, 084503) shifts force and energy to zero at the cutoff.
KOB_ANDERSEN_3D = Mixture(
    name="kob_andersen_3d",
    dimension=3,
    fractions=(0.8, 0.2),
    epsilon=((1.0, 1.5), (1.5, 0.5)),
    sigma=((1.0, 0.8), (0.8, 0.88)),
    cutoff_factor=2.5,
    masses=(1.0, 1.0),
    smoothing="force_shifted",
    reference="Kob & Andersen PRE 51, 4626 (1995); BOTAN JCP 158, 084503 (2023) Sec. III",
    species_labels=("A", "B"),
)

#: KA2D ternary mixture of the GlassMLP PRL (SM I): N = 1290 = 600/330/360, L = 32.896,
#: cutoff 2.5 sigma_ab, polynomial smoothing continuous up to the second derivative.
KOB_ANDERSEN_2D_TERNARY = Mixture(
    name="kob_andersen_2d_ternary",
    dimension=2,
    fractions=(600 / 1290, 330 / 1290, 360 / 1290),
    epsilon=((1.0, 1.5, 0.75), (1.5, 0.5, 1.5), (0.75, 1.5, 0.75)),
    sigma=((1.0, 0.8, 0.9), (0.8, 0.88, 0.8), (0.9, 0.8, 0.94)),
    cutoff_factor=2.5,
    masses=(1.0, 1.0, 1.0),
    smoothing="polynomial",
    polynomial=(0.04049023795, -0.00970155098, 0.00062012616),
    reference="Jung, Biroli, Berthier PRL 130, 238202 (2023), SM I",
    species_labels=("1", "2", "3"),
)

MIXTURES: dict[str, Mixture] = {m.name: m for m in (KOB_ANDERSEN_3D, KOB_ANDERSEN_2D_TERNARY)}


def get_mixture(name: str) -> Mixture:
    """Look a mixture up by name, with a clear error for unknown names."""
    try:
        return MIXTURES[name]
    except KeyError:
        raise KeyError(f"unknown mixture {name!r}; known: {sorted(MIXTURES)}") from None
