"""CAGE descriptors: cage-state Monte Carlo and the recursive radial/angular shell descriptors.

References here are written from the definitions (Alkemade 2022 eqs. 2-6, roadmap SI I.E)
on the explicit-image pair list of ``brute_force_pairs``, independently of the kernels. The
systems are small and their boxes smaller than twice (often than once) the descriptor
reach, so sums over several periodic images of the same particle are exercised.
"""

import numpy as np
import pytest
import scipy.sparse
import scipy.special
from scipy.spatial.transform import Rotation

from conftest import lattice_configuration
from glassdyn.descriptors.boattini import PRESETS, BoattiniDescriptors, CageFeatures, GenerationAverage, cage_features
from glassdyn.descriptors.cage import CageStateMonteCarlo, energy_change
from glassdyn.descriptors.neighbours import brute_force_pairs, pair_list
from glassdyn.systems import PairPotential, get_mixture

KA3D, KA2D = "kob_andersen_3d", "kob_andersen_2d_ternary"
TINY = 1e-300  # Gaussian terms this small are denormal numbers: compare them in absolute terms


def configuration(name, n, seed, density=1.2, jitter=0.15):
    """A jittered lattice of ``n`` particles of mixture ``name`` with shuffled types."""
    m = get_mixture(name)
    rng = np.random.default_rng(seed)
    length = m.box_length(n, density)
    x = lattice_configuration(n, m.dimension, length, rng, jitter)
    return x, rng.permutation(m.types(n)).astype(np.int64), np.full(m.dimension, length)


# -- references from the definitions ------------------------------------------------------------
def reference_radial(x, types, box, descriptors):
    pairs = brute_force_pairs(x, box, descriptors.radial_cutoff)
    out = np.zeros((len(x), descriptors.n_types, len(descriptors.radial_shells)))
    for k, (r, delta) in enumerate(descriptors.radial_shells):
        w = np.exp(-((pairs.distances - r) ** 2) / (2 * delta**2))
        for t in range(descriptors.n_types):
            out[:, t, k] = np.bincount(pairs.i, weights=w * (types[pairs.j] == t), minlength=len(x))
    return out.reshape(len(x), -1)


def reference_angular(x, box, descriptors):
    pairs = brute_force_pairs(x, box, descriptors.angular_cutoff)
    n, v = len(x), pairs.vectors
    r, delta = descriptors.angular_shells.T
    w = np.exp(-((pairs.distances[:, None] - r) ** 2) / (2 * delta**2))  # (P, S)
    per_particle = scipy.sparse.csr_matrix((np.ones(len(v)), (pairs.i, np.arange(len(v)))), shape=(n, len(v)))
    z = per_particle @ w  # (N, S)
    theta = np.arccos(np.clip(v[:, 2] / pairs.distances, -1, 1)) if descriptors.dimension == 3 else None
    phi = np.mod(np.arctan2(v[:, 1], v[:, 0]), 2 * np.pi)
    out = np.empty((n, len(r), len(descriptors.l_values)))
    for k, l in enumerate(descriptors.l_values):
        if descriptors.dimension == 2:
            out[:, :, k] = np.abs(per_particle @ (w * np.exp(1j * l * phi)[:, None]) / z)
            continue
        total = np.zeros((n, len(r)))
        for m in range(-l, l + 1):
            y = scipy.special.sph_harm_y(l, m, theta, phi)
            total += np.abs(per_particle @ (w * y[:, None]) / z) ** 2
        out[:, :, k] = np.sqrt(4 * np.pi / (2 * l + 1) * total)
    return out.reshape(n, -1)  # shell-major, then l


def reference_generation(x, box, features, cutoff=2.1):
    pairs = brute_force_pairs(x, box, cutoff)
    w = np.exp(-pairs.distances / cutoff)
    num = features.copy()
    for f in range(features.shape[1]):
        num[:, f] += np.bincount(pairs.i, weights=w * features[pairs.j, f], minlength=len(x))
    return num / (1.0 + np.bincount(pairs.i, weights=w, minlength=len(x)))[:, None]


def small_descriptors(name, **options):
    """The preset of ``name`` with every third radial and angular shell (faster, same code paths)."""
    p = PRESETS[name]
    return BoattiniDescriptors(p["radial_shells"][::3], p["angular_shells"][::3], n_types=p["n_types"],
                               dimension=p["dimension"], **options)


# -- descriptor counts ------------------------------------------------------------------------
@pytest.mark.parametrize("name, per_generation, total", [(KA2D, 462, 2773), (KA3D, 366, 2197)])
def test_feature_counts(name, per_generation, total):
    d = BoattiniDescriptors.for_mixture(get_mixture(name))
    assert d.dimension == get_mixture(name).dimension and d.n_types == get_mixture(name).n_types
    assert d.n_generations == 3 and d.generation_cutoff == 2.1
    assert d.n_features == per_generation
    assert len(d.names) == 3 * per_generation == len(set(d.names))
    names = CageFeatures(d).names
    assert len(names) == total == len(set(names))
    assert names[0].startswith("initial_") and names[3 * per_generation].startswith("cage_")
    assert names[-1] == "delta_r_cage"


def test_preset_shells():
    ka2d, ka3d = PRESETS[KA2D], PRESETS[KA3D]
    np.testing.assert_allclose(ka2d["radial_shells"][[0, 59, 60, 79, 80, 97], 0], [0.525, 2.0, 2.05, 3.0, 3.1, 4.8])
    np.testing.assert_allclose(ka2d["angular_shells"][:, 0], np.arange(14) / 10 + 1.0)
    np.testing.assert_allclose(ka3d["radial_shells"][[0, 45, 46, 65, 66, 80], 0], [0.86, 2.0, 2.05, 3.0, 3.1, 4.5])
    np.testing.assert_allclose(ka3d["angular_shells"][:, 0], np.arange(17) / 10 + 1.0)
    # the Gaussian width equals the spacing within each list (the 3D [0.86, 2.0] list aside)
    for shells in (ka2d["radial_shells"], ka3d["radial_shells"][46:], ka2d["angular_shells"], ka3d["angular_shells"]):
        same = shells[1:, 1] == shells[:-1, 1]
        np.testing.assert_allclose(np.diff(shells[:, 0])[same], shells[1:, 1][same])
    np.testing.assert_allclose(ka3d["radial_shells"][:46, 1], 0.025)
    names = BoattiniDescriptors.from_preset(KA2D).names
    assert names[0] == "radial_t0_r0.525_g0" and "angular_l6_r1.500_g1" in names and names[-1] == "angular_l12_r2.300_g2"


# -- each family against the definitions ------------------------------------------------------
@pytest.mark.parametrize("name, n", [(KA3D, 100), (KA2D, 90)])
def test_radial_and_angular_match_definition(name, n):
    x, types, box = configuration(name, n, seed=3)
    d = BoattiniDescriptors.from_preset(name, n_generations=1)
    assert box[0] < 2 * d.radial_cutoff  # several images of a neighbour within reach
    values = d.compute(x, types, box).values
    n_radial = d.n_types * len(d.radial_shells)
    np.testing.assert_allclose(values[:, :n_radial], reference_radial(x, types, box, d), rtol=1e-10, atol=TINY)
    np.testing.assert_allclose(values[:, n_radial:], reference_angular(x, box, d), rtol=1e-10, atol=1e-14)
    assert values[:, :n_radial].max() > 1.0  # the shells do see neighbours


@pytest.mark.parametrize("name, n", [(KA3D, 60), (KA2D, 20)])
def test_generations_match_definition(name, n):
    x, types, box = configuration(name, n, seed=5)
    assert box[0] < 2 * 2.1  # a neighbour can appear in two images within r_c
    d = small_descriptors(name)
    values = d.compute(x, types, box).values
    m = d.n_features
    first = reference_generation(x, box, values[:, :m])
    np.testing.assert_allclose(values[:, m:2 * m], first, rtol=1e-10, atol=TINY)
    np.testing.assert_allclose(values[:, 2 * m:], reference_generation(x, box, first), rtol=1e-10, atol=TINY)
    # the averaging on its own, in a box so small that a particle's own images are neighbours;
    # pairs beyond r_c in the list are ignored
    tiny_box = np.full(len(box), 1.9)
    y = np.random.default_rng(1).uniform(0, 1.9, (6, len(box)))
    features = np.random.default_rng(0).normal(size=(6, 4))
    second = GenerationAverage(2.1).generations(features, 6, pair_list(y, tiny_box, 3.0), 2)[1]
    np.testing.assert_allclose(second, reference_generation(y, tiny_box, features), rtol=1e-12)


# -- invariances ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [KA3D, KA2D])
def test_invariant_under_translation_and_image_change(name):
    x, types, box = configuration(name, 80, seed=7)
    d = small_descriptors(name)
    ref = d.compute(x, types, box).values
    shifted = x + np.random.default_rng(2).uniform(-3, 3, len(box))
    np.testing.assert_allclose(d.compute(shifted, types, box).values, ref, rtol=1e-8, atol=TINY)
    moved = x.copy()
    moved[5] += box * np.array([1, -2, 1][: len(box)])
    np.testing.assert_allclose(d.compute(moved, types, box).values, ref, rtol=1e-8, atol=TINY)


@pytest.mark.parametrize("name", [KA3D, KA2D])
def test_invariant_under_symmetries_of_the_box(name):
    """A 90-degree rotation (2D) or a cyclic permutation of axes plus a reflection (3D) maps the box onto itself."""
    x, types, box = configuration(name, 80, seed=11)
    d = small_descriptors(name)
    ref = d.compute(x, types, box).values
    if len(box) == 3:
        y = x[:, [1, 2, 0]] * np.array([-1, 1, 1])
    else:
        y = np.column_stack([-x[:, 1], x[:, 0]])
    np.testing.assert_allclose(d.compute(y, types, box).values, ref, rtol=1e-8, atol=TINY)


@pytest.mark.parametrize("name", [KA3D, KA2D])
def test_invariant_under_rotation_of_a_cluster(name):
    """A compact cluster in a box far larger than the reach: any rotation is a symmetry."""
    dim = get_mixture(name).dimension
    rng = np.random.default_rng(13)
    x = lattice_configuration(40, dim, 40 ** (1 / dim) / 1.1, rng, 0.1)
    types = rng.permutation(get_mixture(name).types(40)).astype(np.int64)
    box = np.full(dim, 40.0)
    d = small_descriptors(name)
    ref = d.compute(x + 15.0, types, box).values
    if dim == 3:
        rotation = Rotation.random(random_state=3).as_matrix()
    else:
        a = 0.7
        rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    y = (x - x.mean(0)) @ rotation.T + 20.0
    np.testing.assert_allclose(d.compute(y, types, box).values, ref, rtol=1e-8, atol=TINY)


# -- CAGE feature vector ----------------------------------------------------------------------
def test_cage_features_stack_both_states_and_displacement():
    x, types, box = configuration(KA3D, 60, seed=17)
    cage = x + np.random.default_rng(4).normal(0, 0.1, x.shape)
    cage[0] += box  # a cage position given in another image: Delta r_cage is still the cage displacement
    d = small_descriptors(KA3D)
    values, names = cage_features(x, cage, types, box, d)
    m = len(d.names)
    assert values.shape == (60, 2 * m + 1) and len(names) == 2 * m + 1
    np.testing.assert_array_equal(values[:, :m], d.compute(x, types, box).values)
    np.testing.assert_array_equal(values[:, m:2 * m], d.compute(cage, types, box).values)
    np.testing.assert_allclose(values[:, -1], np.linalg.norm(cage - x - np.round((cage - x) / box) * box, axis=1))
    assert values[0, -1] < 1.0


def test_descriptor_input_errors():
    d = small_descriptors(KA3D)
    x, types, box = configuration(KA3D, 20, seed=1)
    with pytest.raises(ValueError, match="3D"):
        d.compute(x[:, :2], types, box[:2])
    with pytest.raises(ValueError, match="types"):
        d.compute(x, types[:-1], box)
    with pytest.raises(ValueError, match="below 2"):
        d.compute(x, types + 1, box)
    with pytest.raises(ValueError, match="dimension"):
        BoattiniDescriptors([[1.0, 0.1]], [[1.0, 0.1]], n_types=1, dimension=4)
    with pytest.raises(ValueError, match="preset"):
        BoattiniDescriptors.from_preset("lennard_jones_1d")
    with pytest.raises(ValueError, match="radial_shells"):
        BoattiniDescriptors([1.0, 2.0], [[1.0, 0.1]], n_types=1, dimension=3)
    with pytest.raises(ValueError, match="shape"):
        cage_features(x, x[:-1], types, box, d)


# -- cage-state Monte Carlo -------------------------------------------------------------------
@pytest.mark.parametrize("name, form", [(KA3D, "force_shifted"), (KA3D, "truncated_shifted"), (KA2D, "polynomial")])
def test_local_energy_change_matches_total_energy(name, form):
    potential = PairPotential(get_mixture(name), form)
    x, types, box = configuration(name, 200 if name == KA3D else 100, seed=19, jitter=0.1)
    assert box[0] > 2 * potential.max_cutoff  # the minimum-image reference is exact
    total = potential.particle_energies(x, types, box).sum()
    rng = np.random.default_rng(6)
    for _ in range(8):
        i = int(rng.integers(len(x)))
        new = x[i] + rng.normal(0, 0.3, len(box))
        y = x.copy()
        y[i] = new
        expected = potential.particle_energies(y, types, box).sum() - total
        assert energy_change(potential, x, types, box, i, new) == pytest.approx(expected, rel=1e-9, abs=1e-9 * abs(total))
    # continuous positions outside the box give the same result
    i = 3
    new = x[i] + 0.2
    assert energy_change(potential, x + 2 * box, types, box, i, new + 2 * box) == pytest.approx(
        energy_change(potential, x, types, box, i, new), rel=1e-10, abs=1e-10)


@pytest.fixture(scope="module")
def small_liquid():
    """KA 3D, N = 100 in a box of 4.4: smaller than the static-list reach, so images matter."""
    return configuration(KA3D, 100, seed=23, jitter=0.08)


def run_mc(config, **options):
    potential = PairPotential(get_mixture(KA3D), "force_shifted")
    kwargs = {"n_equilibration_sweeps": 40, "n_sampling_sweeps": 120, "seed": 5, **options}
    return CageStateMonteCarlo(potential, 0.44, **kwargs).compute(*config)


def test_cage_mc_stays_in_cage_and_is_sensible(small_liquid):
    x, types, box = small_liquid
    calls = []
    mc = run_mc(small_liquid, progress=lambda *a: calls.append(a))
    radius = 1.25 * np.diag(get_mixture(KA3D).sigma_matrix)[types]
    np.testing.assert_allclose(mc.cage_radii, radius)
    assert np.all(mc.max_excursion <= radius * (1 + 1e-12))
    assert np.all(np.linalg.norm(mc.final_positions - x, axis=1) <= radius * (1 + 1e-12))
    np.testing.assert_allclose(mc.displacement, np.linalg.norm(mc.positions - x, axis=1))
    assert np.all(mc.displacement <= radius)
    assert mc.positions.shape == x.shape and 0.0 < mc.displacement.mean() < 0.5
    assert 0.25 < mc.acceptance < 0.55 and mc.max_step_ > 0
    assert {c[0] for c in calls} == {"equilibration", "sampling"} and calls[-1][1:3] == (120, 120)
    assert np.all(np.isfinite(mc.standard_error)) and np.median(mc.standard_error) < 0.1


def test_cage_mc_reproducible_and_verlet_list_exact(small_liquid):
    a = run_mc(small_liquid)
    b = run_mc(small_liquid)
    np.testing.assert_array_equal(a.positions, b.positions)
    static = run_mc(small_liquid, verlet_skin=None)
    np.testing.assert_array_equal(a.positions, static.positions)  # bitwise: same terms, same order
    assert a.acceptance == static.acceptance
    other = run_mc(small_liquid, seed=6)
    assert not np.array_equal(a.positions, other.positions)
    # positions are continuous from the input, not wrapped back into the box
    x, types, box = small_liquid
    shifted = run_mc((x + 3 * box, types, box))
    np.testing.assert_allclose(shifted.positions - 3 * box, a.positions, atol=1e-9)


def test_cage_mc_free_particles_sit_at_their_cage_centre():
    """Particles far apart do not interact: the cage average is the initial position within the error."""
    grid = np.stack(np.meshgrid(*[np.arange(2)] * 3, indexing="ij"), -1).reshape(-1, 3) * 12.0 + 3.0
    types = np.array([0, 1] * 4)
    potential = PairPotential(get_mixture(KA3D), "force_shifted")
    mc = CageStateMonteCarlo(potential, 0.44, n_equilibration_sweeps=200, n_sampling_sweeps=4000, seed=2)
    mc.compute(grid, types, np.full(3, 24.0))
    assert mc.n_neighbours == 0
    # |mean - r_0|^2 / SE^2 is about chi^2 with 3 degrees of freedom
    assert np.all(mc.displacement < 5 * mc.standard_error)
    assert np.all(mc.displacement < 0.15)
    assert abs(mc.acceptance - 0.4) < 0.1
    assert np.all(mc.max_excursion <= mc.cage_radii * (1 + 1e-12))


def test_cage_mc_input_errors(small_liquid):
    x, types, box = small_liquid
    potential = PairPotential(get_mixture(KA3D), "force_shifted")
    with pytest.raises(ValueError, match="temperature"):
        CageStateMonteCarlo(potential, 0.0)
    with pytest.raises(ValueError, match="sweeps"):
        CageStateMonteCarlo(potential, 0.44, n_sampling_sweeps=0)
    mc = CageStateMonteCarlo(potential, 0.44, n_equilibration_sweeps=0, n_sampling_sweeps=1)
    with pytest.raises(ValueError, match="positions"):
        mc.compute(x[:, :2], types, box[:2])
    with pytest.raises(ValueError, match="types"):
        mc.compute(x, types[:-1], box)
    with pytest.raises(ValueError, match="below 2"):
        mc.compute(x, types + 2, box)
