"""A :class:`~glassdyn.systems.potentials.PairPotential` as plain arrays for numba kernels.

Shared by the kernels that need exact pair energies outside LAMMPS: the cage-state Monte
Carlo (:mod:`glassdyn.descriptors.cage`) and swap Monte Carlo (:mod:`glassdyn.md.swap`).
:func:`pair_energy` is the same U(r) as :meth:`PairPotential.energy` (tests check both
against each other and against LAMMPS).

Units: lengths sigma_11, energies epsilon_11.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from glassdyn.systems.potentials import PairPotential

#: form codes of the numba kernels (branches of :func:`pair_energy`)
FORM_CODES = {"force_shifted": 0, "truncated_shifted": 1, "polynomial": 2}


@dataclass(frozen=True)
class PotentialTables:
    """A :class:`PairPotential` as plain arrays for the numba kernels.

    form : :data:`FORM_CODES` of the potential form
    epsilon, sigma_squared, cutoff, cutoff_squared : (n_types, n_types)
    energy_shift : U(r_c) of the unshifted form per type pair: u_LJ(r_c) (force_shifted,
        truncated_shifted), the residual of the printed C0 (polynomial, ~1e-9)
    force_shift : -u_LJ'(r_c) per type pair (force_shifted)
    polynomial : (C0, C2, C4) of the polynomial smoothing
    """

    form: int
    epsilon: np.ndarray
    sigma_squared: np.ndarray
    cutoff: np.ndarray
    cutoff_squared: np.ndarray
    energy_shift: np.ndarray
    force_shift: np.ndarray
    polynomial: np.ndarray

    @classmethod
    def from_potential(cls, potential: PairPotential) -> "PotentialTables":
        m = potential.mixture
        eps, sig, rc = m.epsilon_matrix, m.sigma_matrix, m.cutoff_matrix
        sr6 = (sig / rc) ** 6
        shift = 4.0 * eps * (sr6 * sr6 - sr6)
        if potential.form == "polynomial":
            shift = potential.polynomial_residual()
        return cls(
            form=FORM_CODES[potential.form],
            epsilon=np.ascontiguousarray(eps),
            sigma_squared=np.ascontiguousarray(sig**2),
            cutoff=np.ascontiguousarray(rc),
            cutoff_squared=np.ascontiguousarray(rc**2),
            energy_shift=np.ascontiguousarray(shift),
            force_shift=np.ascontiguousarray(24.0 * eps * (2.0 * sr6 * sr6 - sr6) / rc),
            polynomial=np.asarray(m.polynomial, dtype=np.float64),
        )

    def arrays(self) -> tuple:
        return (self.form, self.epsilon, self.sigma_squared, self.cutoff, self.cutoff_squared,
                self.energy_shift, self.force_shift, self.polynomial)


@numba.njit(cache=True)
def pair_energy(r2, form, eps, sig2, rc, e_shift, f_shift, c0, c2, c4):
    """U(r) of the three forms (see glassdyn.systems.potentials) inside the cutoff.

    Scalar arguments (not the tables) so that LLVM inlines it into the neighbour loop.
    """
    s2 = sig2 / r2
    s6 = s2 * s2 * s2
    u = 4.0 * eps * (s6 * s6 - s6)
    if form == 0:  # force_shifted
        u += -e_shift + (np.sqrt(r2) - rc) * f_shift
    elif form == 1:  # truncated_shifted
        u -= e_shift
    else:  # polynomial
        x2 = r2 / sig2
        u += 4.0 * eps * (c0 + c2 * x2 + c4 * x2 * x2) - e_shift
    return u


@numba.njit(cache=True)
def pair_force_over_r(r2, form, eps, sig2, rc, f_shift, c2, c4):
    """F(r) / r of the three forms inside the cutoff, F = -dU/dr (positive: repulsive).

    The force on particle p from k is F(r) / r * (r_p - r_k).
    """
    s2 = sig2 / r2
    s6 = s2 * s2 * s2
    f = 24.0 * eps * (2.0 * s6 * s6 - s6) / r2
    if form == 0:  # force_shifted: F(r) - F(r_c)
        f -= f_shift / np.sqrt(r2)
    elif form == 2:  # polynomial: -4 eps (2 C2 r / s^2 + 4 C4 r^3 / s^4) / r
        f -= 4.0 * eps * (2.0 * c2 + 4.0 * c4 * r2 / sig2) / sig2
    return f


@numba.njit(cache=True)
def pair_energy_reciprocal(r2, inv_r2, form, eps, sig2, inv_sig2, rc, e_shift, f_shift, c0, c2, c4):
    """:func:`pair_energy` from r^2 and the reciprocals 1 / r^2, 1 / sigma^2: no division.

    For hot loops that evaluate several type pairs at one distance (swap Monte Carlo); equal
    to :func:`pair_energy` up to rounding (a few ulp).
    """
    s2 = sig2 * inv_r2
    s6 = s2 * s2 * s2
    u = 4.0 * eps * (s6 * s6 - s6)
    if form == 0:  # force_shifted
        u += -e_shift + (np.sqrt(r2) - rc) * f_shift
    elif form == 1:  # truncated_shifted
        u -= e_shift
    else:  # polynomial
        x2 = r2 * inv_sig2
        u += 4.0 * eps * (c0 + c2 * x2 + c4 * x2 * x2) - e_shift
    return u
