"""Periodic geometry (glassdyn.geometry, glassdyn.geometry_kernels) against explicit image searches."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from glassdyn import geometry
from glassdyn.geometry import Box, minimum_image, nearest_lattice_vector, wrap, wrap_floor

# non-cubic boxes: every edge different, so a mixed-up axis shows
BOXES = [np.array([7.0, 11.5]), np.array([5.0, 8.25, 13.0])]


def _nearest_image_search(vectors, edges, reach=3):
    """Brute force: the shortest v + n L over integer n in [-reach, reach]^d, (..., d)."""
    d = len(edges)
    shifts = np.array(list(itertools.product(range(-reach, reach + 1), repeat=d)), dtype=float) * edges
    candidates = vectors[..., None, :] + shifts  # (..., S, d)
    best = np.argmin((candidates**2).sum(-1), axis=-1)
    return np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]


@pytest.mark.parametrize("edges", BOXES, ids=["2d", "3d"])
def test_wrap_lands_in_the_box_at_the_same_point(edges):
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 4, (500, len(edges))) * edges
    w = wrap(x, edges)
    assert np.all((w >= 0) & (w < edges))
    images = (x - w) / edges  # an integer number of box edges
    np.testing.assert_allclose(images, np.rint(images), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(Box(edges).wrap(x), w)


def test_wrap_never_returns_the_box_edge():
    edges = np.array([10.0, 10.0])
    x = np.array([[-1e-17, 10.0], [0.0, -0.0]])
    w = wrap(x, edges)
    assert np.all((w >= 0) & (w < edges))
    np.testing.assert_array_equal(w, 0.0)
    # the image-flag form keeps its documented rounding: -1e-17 + 10 rounds to L
    assert wrap_floor(x, edges)[0, 0] == 10.0


@pytest.mark.parametrize("edges", BOXES, ids=["2d", "3d"])
def test_wrap_floor_is_positions_less_image_flags(edges):
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 4, (300, len(edges))) * edges
    np.testing.assert_array_equal(wrap_floor(x, edges), x - edges * np.floor(x / edges))
    np.testing.assert_array_equal(Box(edges).wrap_floor(x), wrap_floor(x, edges))


@pytest.mark.parametrize("edges", BOXES, ids=["2d", "3d"])
def test_minimum_image_matches_an_explicit_search_over_images(edges):
    rng = np.random.default_rng(3)
    v = rng.uniform(-2.4, 2.4, (2000, len(edges))) * edges
    m = minimum_image(v, edges)
    np.testing.assert_allclose(m, _nearest_image_search(v, edges), rtol=0, atol=1e-12)
    assert np.all(np.abs(m) <= 0.5 * edges)
    np.testing.assert_array_equal(Box(edges).minimum_image(v), m)
    # the lattice vector is what was removed, an integer multiple of the edges
    shift = nearest_lattice_vector(v, edges)
    np.testing.assert_array_equal(v - shift, m)
    np.testing.assert_array_equal(shift / edges, np.rint(shift / edges))


@pytest.mark.parametrize("edges", BOXES, ids=["2d", "3d"])
def test_minimum_image_is_the_historical_expression_bit_for_bit(edges):
    """v - L np.round(v / L), as labels/importers/descriptors wrote it by hand."""
    rng = np.random.default_rng(4)
    v = rng.normal(0, 3, (1000, len(edges))) * edges
    np.testing.assert_array_equal(minimum_image(v, edges), v - edges * np.round(v / edges))
    np.testing.assert_array_equal(nearest_lattice_vector(v, edges), np.round(v / edges) * edges)


def test_minimum_image_at_exactly_half_a_box_rounds_half_to_even():
    edges = np.array([4.0, 6.0])
    v = np.array([[2.0, -3.0], [6.0, 9.0], [-2.0, 3.0]])
    # rint(0.5) = 0, rint(1.5) = 2, rint(-0.5) = -0: +-L/2 is kept, 3L/2 -> -L/2
    np.testing.assert_array_equal(minimum_image(v, edges), [[2.0, -3.0], [-2.0, -3.0], [-2.0, 3.0]])


@pytest.mark.parametrize("edges", BOXES, ids=["2d", "3d"])
def test_box_pair_vectors_and_distances(edges):
    rng = np.random.default_rng(5)
    n = 40
    x = rng.uniform(-1, 2, (n, len(edges))) * edges
    i, j = np.triu_indices(n, k=1)
    box = Box(edges)
    v = box.pair_vectors(x, i, j)
    np.testing.assert_allclose(v, _nearest_image_search(x[j] - x[i], edges), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(box.distances(x, i, j), np.linalg.norm(v, axis=1))


def test_box_properties_and_validation():
    box = Box([2.0, 3.0, 4.0])
    assert box.dimension == 3 and box.volume == 24.0
    assert Box([2.0, 3.0]).dimension == 2 and Box([2.0, 3.0]).volume == 6.0
    assert Box(box) == box and hash(Box([2.0, 3.0, 4.0])) == hash(box)
    with pytest.raises(ValueError):
        box.lengths[0] = 1.0  # read-only
    for bad in ([1.0], [1.0, 2.0, 3.0, 4.0], [1.0, -2.0], [1.0, np.inf]):
        with pytest.raises(ValueError):
            Box(bad)
    # the module functions take a Box or an array
    np.testing.assert_array_equal(wrap([[-1.0, 4.0, 5.0]], box), [[1.0, 1.0, 1.0]])


def test_numba_helpers_match_the_numpy_geometry_bit_for_bit():
    numba = pytest.importorskip("numba")
    from glassdyn.geometry_kernels import minimum_image_component, minimum_image_wrapped, wrap_component

    @numba.njit
    def apply(x, y, edges):
        n, d = x.shape
        wrapped = np.empty((n, d))
        rint = np.empty((n, d))
        shifted = np.empty((n, d))
        for i in range(n):
            for k in range(d):
                wrapped[i, k] = wrap_component(x[i, k], edges[k])
                rint[i, k] = minimum_image_component(x[i, k], edges[k])
                shifted[i, k] = minimum_image_wrapped(y[i, k], edges[k])
        return wrapped, rint, shifted

    edges = BOXES[1]
    rng = np.random.default_rng(6)
    x = rng.uniform(-3, 3, (500, 3)) * edges
    x[0] = [-1e-17, 0.0, 13.0]
    a, b = wrap(rng.uniform(0, 1, (500, 3)) * edges, edges), wrap(rng.uniform(0, 1, (500, 3)) * edges, edges)
    y = b - a  # separations of wrapped coordinates, |y| < L
    y[0] = 0.5 * edges
    y[1] = -0.5 * edges
    wrapped, rint, shifted = apply(x, y, edges)
    assert np.all((wrapped >= 0) & (wrapped < edges))
    np.testing.assert_array_equal(wrapped[1:], wrap_floor(x[1:], edges))
    np.testing.assert_array_equal(wrapped[0], 0.0)  # -1e-17 and L fold to 0
    np.testing.assert_array_equal(rint, minimum_image(x, edges))
    np.testing.assert_array_equal(shifted, minimum_image(y, edges))


def test_importing_the_numpy_geometry_does_not_import_numba():
    code = "import sys, glassdyn.geometry; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert geometry.__name__ == "glassdyn.geometry"
