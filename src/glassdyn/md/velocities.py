"""Maxwell-Boltzmann velocities for isoconfigurational replicas."""

from __future__ import annotations

import numpy as np


def kinetic_temperature(velocities, masses) -> float:
    """Instantaneous temperature 2 K / (k_B N_dof) with N_dof = d (N - 1) (zero total momentum).

    This matches LAMMPS' ``compute temp``, which removes ``dimension`` degrees of freedom.
    """
    v = np.asarray(velocities, dtype=float)
    m = np.asarray(masses, dtype=float)
    n, d = v.shape
    return float(np.sum(m[:, None] * v * v) / (d * (n - 1)))


def maxwell_boltzmann_velocities(
    masses,
    temperature: float,
    dimension: int,
    rng: np.random.Generator,
    *,
    zero_momentum: bool = True,
    exact_temperature: bool = True,
) -> np.ndarray:
    """Draw velocities from the Maxwell-Boltzmann distribution at ``temperature``.

    Parameters
    ----------
    masses: shape (N,)
    temperature: in epsilon_11 / k_B
    dimension: 2 or 3
    rng: source of randomness (one per replica keeps replicas reproducible and independent)
    zero_momentum: subtract the centre-of-mass velocity, as the total momentum is conserved in NVE
    exact_temperature: rescale so the kinetic temperature equals ``temperature`` exactly, as
        LAMMPS' ``velocity create`` does; for N ~ 10^3 the rescaling is a ~2 % correction.

    Returns
    -------
    velocities: shape (N, dimension), in sigma_11 / tau.
    """
    m = np.asarray(masses, dtype=float)
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    v = rng.standard_normal((len(m), dimension)) * np.sqrt(temperature / m)[:, None]
    if zero_momentum:
        v -= (m[:, None] * v).sum(axis=0) / m.sum()
    if exact_temperature:
        v *= np.sqrt(temperature / kinetic_temperature(v, m))
    return v
