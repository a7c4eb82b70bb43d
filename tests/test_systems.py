import numpy as np
import pytest

from conftest import lattice_configuration
from glassdyn.md.simulation import Simulation
from glassdyn.systems import MIXTURES, PairPotential, get_mixture


def test_ka3d_composition_and_box_match_botan():
    ka = get_mixture("kob_andersen_3d")
    assert ka.counts(4096).tolist() == [3277, 819]
    assert ka.box_length(4096, 1.2) == pytest.approx(15.05658, abs=1e-5)
    types = ka.types(4096)
    assert types.dtype == np.int8 and (types == 0).sum() == 3277


def test_ka2d_composition_matches_glassmlp():
    ka2d = get_mixture("kob_andersen_2d_ternary")
    assert ka2d.counts(1290).tolist() == [600, 330, 360]
    assert ka2d.counts(82560).sum() == 82560
    assert ka2d.box_length(1290, 1290 / 32.896**2) == pytest.approx(32.896)


def test_unknown_mixture_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown mixture 'lj'"):
        get_mixture("lj")


@pytest.mark.parametrize("form", ["force_shifted", "truncated_shifted"])
def test_continuity_at_cutoff(form):
    pot = PairPotential(get_mixture("kob_andersen_3d"), form)
    for a, b in [(0, 0), (0, 1), (1, 1)]:
        rc = pot.mixture.cutoff_matrix[a, b]
        assert pot.energy(rc * (1 - 1e-12), a, b) == pytest.approx(0.0, abs=1e-10)
        assert pot.energy(rc, a, b) == 0.0
    if form == "force_shifted":
        rc = pot.mixture.cutoff_matrix[0, 0]
        assert pot.force(rc * (1 - 1e-12), 0, 0) == pytest.approx(0.0, abs=1e-10)


def test_ka2d_polynomial_is_c2_continuous():
    pot = PairPotential(get_mixture("kob_andersen_2d_ternary"), "polynomial")
    for a in range(3):
        for b in range(3):
            rc = pot.mixture.cutoff_matrix[a, b]
            h = 1e-4 * rc
            r = rc - np.array([0.0, h, 2 * h]) - 1e-12
            u = pot.energy(r, a, b)
            assert abs(u[0]) < 1e-8  # energy (the constants are given to 1e-11)
            assert abs(pot.force(rc - 1e-12, a, b)) < 1e-7  # first derivative
            assert abs((u[0] - 2 * u[1] + u[2]) / h**2) < 1e-3  # second derivative ~ 0


def test_force_is_minus_energy_derivative():
    for form in ["force_shifted", "truncated_shifted"]:
        pot = PairPotential(get_mixture("kob_andersen_3d"), form)
        r = np.linspace(0.8, 2.4, 50)
        h = 1e-6
        numeric = -(pot.energy(r + h, 0, 0) - pot.energy(r - h, 0, 0)) / (2 * h)
        np.testing.assert_allclose(pot.force(r, 0, 0), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "mixture,form,n",
    [
        ("kob_andersen_3d", "force_shifted", 256),
        ("kob_andersen_3d", "truncated_shifted", 256),
        ("kob_andersen_2d_ternary", "polynomial", 150),
    ],
)
def test_lammps_matches_brute_force_reference(mixture, form, n):
    pot = PairPotential(get_mixture(mixture), form)
    m = pot.mixture
    length = m.box_length(n, 1.2)
    box = np.full(m.dimension, length)
    types = np.random.default_rng(0).permutation(m.types(n))
    x = lattice_configuration(n, m.dimension, length, np.random.default_rng(1))
    with Simulation(pot, box, types, x) as sim:
        energies, forces = sim.particle_energies(), sim.forces()
    ref_e, ref_f = pot.particle_energies(x, types, box), pot.forces(x, types, box)
    np.testing.assert_allclose(energies, ref_e, rtol=1e-10, atol=1e-10 * np.abs(ref_e).max())
    np.testing.assert_allclose(forces, ref_f, rtol=1e-10, atol=1e-10 * np.abs(ref_f).max())


def test_every_mixture_is_consistent():
    for m in MIXTURES.values():
        assert m.n_types == len(m.mass_array)
        assert np.all(m.cutoff_matrix > 0)
