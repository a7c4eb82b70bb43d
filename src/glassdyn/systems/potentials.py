"""Pair potentials of the model mixtures: reference NumPy evaluation and LAMMPS set-up.

The NumPy functions are the specification the LAMMPS set-up is tested against
(``tests/test_potentials.py``); they are O(N^2) and meant for small systems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
            u = u + 4.0 * eps * (c0 + c2 * x2 + c4 * x2 * x2)
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

    # -- brute-force references -------------------------------------------------------------
    def _pair_table(self, positions, types, box):
        positions = np.asarray(positions, dtype=float)
        box = np.asarray(box, dtype=float)
        if self.max_cutoff >= 0.5 * box.min():
            raise ValueError("brute-force reference needs cutoff < L/2 (minimum image)")
        i, j = np.triu_indices(len(positions), k=1)
        d = positions[i] - positions[j]
        d -= box * np.round(d / box)
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
    def lammps_commands(self) -> list[str]:
        """``pair_style`` / ``pair_coeff`` / ``pair_modify`` commands (LAMMPS types are 1-based)."""
        m = self.mixture
        eps, sig, rc = m.epsilon_matrix, m.sigma_matrix, m.cutoff_matrix
        if self.form == "force_shifted":
            cmds = [f"pair_style lj/smooth/linear {self.max_cutoff:.17g}"]
        elif self.form == "truncated_shifted":
            cmds = [f"pair_style lj/cut {self.max_cutoff:.17g}"]
        else:
            # Lepton evaluates the exact expression; a native kernel for KA2D comes with the
            # swap Monte Carlo stage.
            cmds = [f"pair_style lepton {self.max_cutoff:.17g}"]
        for a in range(m.n_types):
            for b in range(a, m.n_types):
                if self.form == "polynomial":
                    c0, c2, c4 = m.polynomial
                    s, e = sig[a, b], eps[a, b]
                    expr = (
                        f"4*{e:.17g}*(({s:.17g}/r)^12-({s:.17g}/r)^6"
                        f"+{c0:.17g}+({c2:.17g})*(r/{s:.17g})^2+({c4:.17g})*(r/{s:.17g})^4)"
                    )
                    cmds.append(f'pair_coeff {a + 1} {b + 1} "{expr}" {rc[a, b]:.17g}')
                else:
                    cmds.append(f"pair_coeff {a + 1} {b + 1} {eps[a, b]:.17g} {sig[a, b]:.17g} {rc[a, b]:.17g}")
        if self.form == "truncated_shifted":
            cmds.append("pair_modify shift yes")
        return cmds
