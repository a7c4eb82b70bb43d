import numpy as np
import pytest

from glassdyn.md.velocities import kinetic_temperature, maxwell_boltzmann_velocities


@pytest.mark.parametrize("dimension", [2, 3])
def test_target_temperature_and_zero_momentum(dimension):
    masses = np.ones(1000)
    v = maxwell_boltzmann_velocities(masses, 0.44, dimension, np.random.default_rng(3))
    assert v.shape == (1000, dimension)
    assert kinetic_temperature(v, masses) == pytest.approx(0.44, rel=1e-12)
    np.testing.assert_allclose((masses[:, None] * v).sum(axis=0), 0.0, atol=1e-10)


def test_components_are_gaussian_with_variance_kT_over_m():
    masses = np.r_[np.ones(50_000), 2 * np.ones(50_000)]
    v = maxwell_boltzmann_velocities(masses, 0.6, 3, np.random.default_rng(4), exact_temperature=False)
    heavy, light = v[masses == 2], v[masses == 1]
    assert light.var() == pytest.approx(0.6, rel=0.02)
    assert heavy.var() == pytest.approx(0.3, rel=0.02)
    z = light / np.sqrt(0.6)
    assert np.mean(z**4) == pytest.approx(3.0, rel=0.03)  # Gaussian kurtosis


def test_unrescaled_temperature_fluctuates_around_target():
    masses = np.ones(500)
    temps = [
        kinetic_temperature(maxwell_boltzmann_velocities(masses, 1.0, 3, np.random.default_rng(s), exact_temperature=False), masses)
        for s in range(200)
    ]
    # std of T for N_dof = 3 * 499 is sqrt(2 / N_dof) ~ 0.037
    assert np.mean(temps) == pytest.approx(1.0, abs=4 * 0.037 / np.sqrt(200))
    assert np.std(temps) == pytest.approx(np.sqrt(2 / (3 * 499)), rel=0.2)


def test_seeds_reproduce_and_differ():
    masses = np.ones(100)
    a = maxwell_boltzmann_velocities(masses, 1.0, 3, np.random.default_rng(1))
    b = maxwell_boltzmann_velocities(masses, 1.0, 3, np.random.default_rng(1))
    c = maxwell_boltzmann_velocities(masses, 1.0, 3, np.random.default_rng(2))
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_nonpositive_temperature_rejected():
    with pytest.raises(ValueError, match="temperature"):
        maxwell_boltzmann_velocities(np.ones(3), 0.0, 3, np.random.default_rng(0))
