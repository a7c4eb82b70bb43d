"""Pair potentials of the model mixtures: reference NumPy evaluation and LAMMPS set-up.

The NumPy functions are the specification the LAMMPS set-up is tested against
(``tests/test_potentials.py``); they are O(N^2) and meant for small systems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassdyn.geometry import minimum_image
from glassdyn.systems.mixtures import Mixture

#: Potential forms. All are Lennard-Jones 4 eps [(s/r)^12 - (s/r)^6] inside r_c = cutoff_factor * sigma_ab,
#: zero outside, and differ in how they are made continuous at r_c:
#:
#: - ``force_shifted``: U(r) = u(r) - u(r_c) - (r - r_c) u'(r_c); energy and force vanish at r_c
#:   (BOTAN eq. 8; LAMMPS ``lj/smooth/linear``).
#: - ``truncated_shifted``: U(r) = u(r) - u(r_c); energy continuous, force jumps
#:   (standard KA; LAMMPS ``lj/cut`` with ``pair_modify shift yes``).
#: - ``polynomial``: U(r) = 4 eps [(s/r)^12 - (s/r)^6 + C0 + C2 (r/s)^2 + C4 (r/s)^4], continuous to
#:   the second derivative at r_c = 2.5 s (KA2D, GlassMLP PRL SM I). The PRL prints the C terms
#:   outside the 4 eps bracket, but its constants make U, U' and U'' vanish at r_c only inside it
#:   (tests/test_systems.py checks this), which is also the form of the KA2 family it builds on.
#:   The printed 11-digit C0 leaves U(r_c) = -1.3e-9 eps; glassdyn subtracts that residual so
#:   that U(r_c) = 0 exactly, which is what LAMMPS' ``pair_modify shift yes`` does with the
#:   native styles that evaluate this form (``lj/cut`` + ``nm/cut``, see ``lammps_commands``).
POTENTIAL_FORMS = ("force_shifted", "truncated_shifted", "polynomial")


def _lj(r, eps, sig):
    sr6 = (sig / r) ** 6
    return 4.0 * eps * (sr6 * sr6 - sr6)


def _lj_force(r, eps, sig):
    """-du/dr of the bare LJ potential."""
    sr6 = (sig / r) ** 6
    return 24.0 * eps * (2.0 * sr6 * sr6 - sr6) / r


@dataclass(frozen=True)
class PairPotential:
    """Pair potential of ``mixture`` in the given ``form``.

    Energies in epsilon_11, distances in sigma_11, forces in epsilon_11 / sigma_11.
    """

    mixture: Mixture
    form: str = "force_shifted"

    def __post_init__(self):
        if self.form not in POTENTIAL_FORMS:
            raise ValueError(f"unknown potential form {self.form!r}; known: {POTENTIAL_FORMS}")
        if self.form == "polynomial" and not any(self.mixture.polynomial):
            raise ValueError(f"mixture {self.mixture.name} has no polynomial smoothing coefficients")

    @property
    def max_cutoff(self) -> float:
        return float(self.mixture.cutoff_matrix.max())

    def energy(self, r, type_a, type_b) -> np.ndarray:
        """Pair energy U_ab(r); arrays broadcast, types 0-based."""
        r = np.asarray(r, dtype=float)
        eps = self.mixture.epsilon_matrix[type_a, type_b]
        sig = self.mixture.sigma_matrix[type_a, type_b]
        rc = self.mixture.cutoff_matrix[type_a, type_b]
        u = _lj(r, eps, sig)
        if self.form == "force_shifted":
            u = u - _lj(rc, eps, sig) + (r - rc) * _lj_force(rc, eps, sig)
        elif self.form == "truncated_shifted":
            u = u - _lj(rc, eps, sig)
        elif self.form == "polynomial":
            c0, c2, c4 = self.mixture.polynomial
            x2 = (r / sig) ** 2
            u = u + 4.0 * eps * (c0 + c2 * x2 + c4 * x2 * x2) - self.polynomial_residual()[type_a, type_b]
        return np.where(r < rc, u, 0.0)

    def force(self, r, type_a, type_b) -> np.ndarray:
        """Radial force -dU_ab/dr; positive means repulsive."""
        r = np.asarray(r, dtype=float)
        eps = self.mixture.epsilon_matrix[type_a, type_b]
        sig = self.mixture.sigma_matrix[type_a, type_b]
        rc = self.mixture.cutoff_matrix[type_a, type_b]
        f = _lj_force(r, eps, sig)
        if self.form == "force_shifted":
            f = f - _lj_force(rc, eps, sig)
        elif self.form == "polynomial":
            _, c2, c4 = self.mixture.polynomial
            f = f - 4.0 * eps * (2.0 * c2 * r / sig**2 + 4.0 * c4 * r**3 / sig**4)
        return np.where(r < rc, f, 0.0)

    def polynomial_residual(self) -> np.ndarray:
        """U(r_c) of the polynomial form with the printed C0, (n_types, n_types) epsilon_11.

        Subtracted from U(r) so that U(r_c) = 0 exactly (about 1e-9 eps for KA2D).
        """
        m = self.mixture
        c0, c2, c4 = m.polynomial
        x = m.cutoff_matrix / m.sigma_matrix
        return 4.0 * m.epsilon_matrix * (x**-12 - x**-6 + c0 + c2 * x**2 + c4 * x**4)

    # -- brute-force references -------------------------------------------------------------
    def _pair_table(self, positions, types, box):
        positions = np.asarray(positions, dtype=float)
        box = np.asarray(box, dtype=float)
        if self.max_cutoff >= 0.5 * box.min():
            raise ValueError("brute-force reference needs cutoff < L/2 (minimum image)")
        i, j = np.triu_indices(len(positions), k=1)
        d = minimum_image(positions[i] - positions[j], box)
        r = np.linalg.norm(d, axis=1)
        return i, j, d, r

    def particle_energies(self, positions, types, box) -> np.ndarray:
        """Per-particle energy E_i = 1/2 sum_j U(r_ij), brute force with minimum image: shape (N,)."""
        types = np.asarray(types)
        i, j, _, r = self._pair_table(positions, types, box)
        u = self.energy(r, types[i], types[j])
        e = np.zeros(len(types))
        np.add.at(e, i, 0.5 * u)
        np.add.at(e, j, 0.5 * u)
        return e

    def forces(self, positions, types, box) -> np.ndarray:
        """Total force on each particle, brute force with minimum image: shape (N, d)."""
        types = np.asarray(types)
        i, j, d, r = self._pair_table(positions, types, box)
        fr = self.force(r, types[i], types[j])
        fij = (fr / r)[:, None] * d
        f = np.zeros_like(np.asarray(positions, dtype=float))
        np.add.at(f, i, fij)
        np.add.at(f, j, -fij)
        return f

    # -- LAMMPS ------------------------------------------------------------------------------
    def lammps_commands(self, uniform_neighbour_cutoff: bool = False) -> list[str]:
        """``pair_style`` / ``pair_coeff`` / ``pair_modify`` commands (LAMMPS types are 1-based).

        ``uniform_neighbour_cutoff``: overlay ``pair_style zero`` at the largest cutoff for every
        type pair. LAMMPS' neighbour lists then hold every pair within that cutoff (plus skin)
        whatever the types, so they stay valid when types change (swap Monte Carlo); the
        energies and forces are unchanged.
        """
        m = self.mixture
        eps, sig, rc = m.epsilon_matrix, m.sigma_matrix, m.cutoff_matrix
        # (style, per-pair coefficients) of each overlaid style
        if self.form == "force_shifted":
            styles = [("lj/smooth/linear", lambda a, b: f"{eps[a, b]:.17g} {sig[a, b]:.17g} {rc[a, b]:.17g}")]
        elif self.form == "truncated_shifted":
            styles = [("lj/cut", lambda a, b: f"{eps[a, b]:.17g} {sig[a, b]:.17g} {rc[a, b]:.17g}")]
        else:
            # Two native styles overlaid, 3.3x faster than pair_style lepton on the expression
            # (KA2D, N = 1290): lj/cut gives the LJ term, and nm/cut, E0 / (n - m) [m (r0/r)^n -
            # n (r0/r)^m] with n = -2, m = -4, is E0 [(r/r0)^4 - 2 (r/r0)^2] = 4 eps [C2 (r/s)^2 +
            # C4 (r/s)^4] for r0^2 = -C2 s^2 / (2 C4), E0 = eps C2^2 / C4. pair_modify shift
            # makes the sum vanish at r_c, which is the role of C0 (see polynomial_residual).
            _, c2, c4 = m.polynomial
            if not (c2 < 0 < c4):
                raise ValueError(f"the nm/cut form of the polynomial needs C2 < 0 < C4, got {c2}, {c4}")
            r0, e0 = sig * np.sqrt(-c2 / (2.0 * c4)), eps * c2**2 / c4
            styles = [("lj/cut", lambda a, b: f"{eps[a, b]:.17g} {sig[a, b]:.17g} {rc[a, b]:.17g}"),
                      ("nm/cut", lambda a, b: f"{e0[a, b]:.17g} {r0[a, b]:.17g} -2 -4 {rc[a, b]:.17g}")]
        if uniform_neighbour_cutoff:
            styles.append(("zero", None))
        cutoff = f"{self.max_cutoff:.17g}"
        if len(styles) == 1:
            cmds = [f"pair_style {styles[0][0]} {cutoff}"]
        else:
            cmds = ["pair_style hybrid/overlay " + " ".join(f"{name} {cutoff}" for name, _ in styles)]
        for name, coefficients in styles:
            if coefficients is None:
                cmds.append(f"pair_coeff * * {name}")
                continue
            for a in range(m.n_types):
                for b in range(a, m.n_types):
                    label = f" {name}" if len(styles) > 1 else ""
                    cmds.append(f"pair_coeff {a + 1} {b + 1}{label} {coefficients(a, b)}")
        if self.form in ("truncated_shifted", "polynomial"):
            cmds.append("pair_modify shift yes")
        return cmds
