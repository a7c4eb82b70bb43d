"""Bond-order descriptors: Psi_l, SBO (+ PCA, CG) and Tong & Tanaka's Theta.

References here are independent O(N^2) loops over explicitly replicated periodic images
(scipy's sph_harm_y for Y_lm, an empty-circumcircle search for the Delaunay triangles).
Boxes are smaller than twice the cutoffs, so several images of a particle (and its own
images) are neighbours.
"""

import importlib.util

import numpy as np
import pytest
from scipy.special import sph_harm_y

from glassdyn.descriptors.bond_order import (
    BondOrientationalOrder,
    SmoothBondOrder,
    first_minimum_cutoffs,
    first_principal_component,
    partial_rdf,
)
from glassdyn.descriptors.tanaka import TanakaTheta, ideal_angles

RTOL = 1e-10


# ------------------------------------------------------------------------------------------
# brute-force references
# ------------------------------------------------------------------------------------------


def explicit_images(positions, box, cutoff):
    """All (i, j, r_j + shift - r_i) with 0 < r < cutoff over explicitly replicated images."""
    box = np.asarray(box, float)
    x = positions - box * np.floor(positions / box)
    d = len(box)
    reach = int(np.ceil(cutoff / box.min())) + 1
    shifts = np.stack(np.meshgrid(*[np.arange(-reach, reach + 1)] * d, indexing="ij"), -1).reshape(-1, d) * box
    v = x[None, :, None, :] + shifts[None, None, :, :] - x[:, None, None, :]  # (i, j, image, d)
    r = np.linalg.norm(v, axis=-1)
    i, j, s = np.nonzero((r < cutoff) & (r > 0))
    return i, j, v[i, j, s], r[i, j, s]


def reference_invariants(positions, box, types, weight, reach, l_values):
    """Q_l(i) = sqrt(4pi/(2l+1) sum_m |sum_j w Y_lm / sum_j w|^2) (3D) or |sum w e^{il theta}| / sum w (2D)."""
    n, d = positions.shape
    i, j, v, r = explicit_images(positions, box, reach)
    w = weight(r, types[i], types[j])
    out = np.zeros((n, len(l_values)))
    for a, l in enumerate(l_values):
        if d == 3:
            polar = np.arccos(np.clip(v[:, 2] / r, -1, 1))
            azimuth = np.arctan2(v[:, 1], v[:, 0])
            power = np.zeros(n)
            for m in range(-l, l + 1):
                q = np.bincount(i, w * sph_harm_y(l, m, polar, azimuth).real, n) + 1j * np.bincount(
                    i, w * sph_harm_y(l, m, polar, azimuth).imag, n
                )
                power += np.abs(q / np.bincount(i, w, n)) ** 2
            out[:, a] = np.sqrt(4 * np.pi / (2 * l + 1) * power)
        else:
            e = np.exp(1j * l * np.arctan2(v[:, 1], v[:, 0]))
            q = np.bincount(i, w * e.real, n) + 1j * np.bincount(i, w * e.imag, n)
            out[:, a] = np.abs(q) / np.bincount(i, w, n)
    return out


def reference_theta(positions, types, box, sigma):
    """Theta_i from an O(N^3) empty-circumcircle enumeration of periodic Delaunay triangles."""
    box = np.asarray(box, float)
    x = positions - box * np.floor(positions / box)
    n = len(x)
    shifts = np.stack(np.meshgrid(np.arange(-2, 3), np.arange(-2, 3), indexing="ij"), -1).reshape(-1, 2) * box
    pts = (x[None] + shifts[:, None]).reshape(-1, 2)
    idx = np.tile(np.arange(n), len(shifts))
    spacing = np.sqrt(np.prod(box) / n)
    theta2 = ideal_angles(sigma)
    out = np.zeros(n)
    count = np.zeros(n, int)
    for i in range(n):
        near = np.nonzero((np.linalg.norm(pts - x[i], axis=1) < 4 * spacing) & (np.linalg.norm(pts - x[i], axis=1) > 0))[0]
        for a in range(len(near)):
            for b in range(a + 1, len(near)):
                p, q = pts[near[a]], pts[near[b]]
                m = np.array([[p[0] - x[i, 0], p[1] - x[i, 1]], [q[0] - x[i, 0], q[1] - x[i, 1]]])
                rhs = 0.5 * np.array([m[0] @ m[0], m[1] @ m[1]])
                if abs(np.linalg.det(m)) < 1e-12:
                    continue
                centre = x[i] + np.linalg.solve(m, rhs)
                radius = np.linalg.norm(centre - x[i])
                dist = np.linalg.norm(pts - centre, axis=1)
                if np.sum(dist < radius * (1 - 1e-9)) == 0:
                    e1, e2 = p - x[i], q - x[i]
                    t1 = np.arccos(np.clip(e1 @ e2 / np.linalg.norm(e1) / np.linalg.norm(e2), -1, 1))
                    out[i] += abs(t1 - theta2[types[i], types[idx[near[a]]], types[idx[near[b]]]])
                    count[i] += 1
    return out / count, count


def random_configuration(n, box, rng, min_distance=0.6):
    """Random positions without very close pairs (minimum image), 2D or 3D."""
    box = np.asarray(box, float)
    x = np.empty((0, len(box)))
    while len(x) < n:
        trial = rng.uniform(0, 1, len(box)) * box
        dv = x - trial
        dv -= box * np.round(dv / box)
        if len(x) == 0 or np.min(np.linalg.norm(dv, axis=1)) > min_distance:
            x = np.vstack([x, trial])
    return x


@pytest.fixture(scope="module")
def system3d():
    rng = np.random.default_rng(11)
    box = np.array([3.1, 3.3, 3.2])
    x = random_configuration(28, box, rng)
    return x, rng.integers(0, 2, len(x)), box


@pytest.fixture(scope="module")
def system2d():
    rng = np.random.default_rng(12)
    box = np.array([3.4, 3.0])
    x = random_configuration(14, box, rng)
    return x, rng.integers(0, 3, len(x)), box


CUTOFFS2 = np.array([[1.45, 1.25], [1.25, 1.05]])
CUTOFFS3 = np.array([[1.40, 1.20, 1.30], [1.20, 1.10, 1.15], [1.30, 1.15, 1.25]])


# ------------------------------------------------------------------------------------------
# Psi_l
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("l", [None, 3])
def test_psi_matches_brute_force(dim, l, system2d, system3d):
    x, types, box = system3d if dim == 3 else system2d
    psi = BondOrientationalOrder(l).compute(x, types, box)
    l_used = l if l is not None else (6 if dim == 3 else 4)
    assert psi.l_used == l_used
    ref = reference_invariants(x, box, types, lambda r, a, b: np.ones_like(r), 2.0, [l_used])[:, 0]
    np.testing.assert_allclose(psi.psi, ref, rtol=RTOL)
    i, _, _, _ = explicit_images(x, box, 2.0)
    np.testing.assert_array_equal(psi.n_neighbours, np.bincount(i, minlength=len(x)))


def test_psi6_fcc_and_psi4_square():
    a, cells = 2.2, 2  # fcc: 12 neighbours at 1.556 < 2.0, next shell at 2.2
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    grid = np.stack(np.meshgrid(*[np.arange(cells)] * 3, indexing="ij"), -1).reshape(-1, 3)
    fcc = ((grid[:, None, :] + base[None]) * a).reshape(-1, 3)
    psi6 = BondOrientationalOrder().compute(fcc, None, [a * cells] * 3)
    np.testing.assert_array_equal(psi6.n_neighbours, 12)
    np.testing.assert_allclose(psi6.psi, 0.57452, rtol=1e-5)
    square = np.stack(np.meshgrid(np.arange(3.0), np.arange(3.0), indexing="ij"), -1).reshape(-1, 2)
    psi4 = BondOrientationalOrder(cutoff=1.2).compute(square + 0.3, None, [3.0, 3.0])
    np.testing.assert_array_equal(psi4.n_neighbours, 4)
    np.testing.assert_allclose(psi4.psi, 1.0, rtol=1e-14)


def test_psi_without_neighbours_is_nan():
    psi = BondOrientationalOrder().compute(np.array([[1.0, 1.0, 1.0], [1.5, 1.0, 1.0], [6.0, 6.0, 6.0]]), None, [10.0] * 3)
    assert np.isnan(psi.psi[2]) and np.all(np.isfinite(psi.psi[:2])) and psi.n_neighbours[2] == 0


# ------------------------------------------------------------------------------------------
# SBO
# ------------------------------------------------------------------------------------------


def sbo_weight(cutoffs, exponent=8):
    def w(r, a, b):
        rc = cutoffs[a, b]
        return np.where(r < 1.3 * rc, np.exp(-((r / rc) ** exponent)), 0.0)

    return w


@pytest.mark.parametrize("dim", [2, 3])
def test_sbo_matches_brute_force(dim, system2d, system3d):
    x, types, box = system3d if dim == 3 else system2d
    cutoffs = CUTOFFS2 if dim == 3 else CUTOFFS3
    sbo = SmoothBondOrder(l_min=0, l_max=8, cutoffs=cutoffs).compute(x, types, box)
    ref = reference_invariants(x, box, types, sbo_weight(cutoffs), 1.3 * cutoffs.max(), range(9))
    np.testing.assert_allclose(sbo.features, ref, rtol=RTOL)
    np.testing.assert_allclose(sbo.features[:, 0], 1.0, rtol=1e-14)  # Q_0 = 1 identically
    np.testing.assert_array_equal(sbo.orders_, np.arange(9))


def test_sbo_defaults_follow_partycls(system3d):
    x, types, box = system3d
    sbo = SmoothBondOrder(cutoffs=CUTOFFS2).compute(x, types, box)
    np.testing.assert_array_equal(sbo.orders_, np.arange(1, 9))  # lmin = 1, lmax = 8
    assert sbo.exponent == 8 and sbo.cutoff_enlargement == 1.3
    ref = reference_invariants(x, box, types, sbo_weight(CUTOFFS2, 8), 1.3 * CUTOFFS2.max(), [6])[:, 0]
    np.testing.assert_allclose(sbo.features[:, 5], ref, rtol=RTOL)
    other = SmoothBondOrder(orders=[4, 6], exponent=4, cutoff_enlargement=1.1, cutoffs=CUTOFFS2).compute(x, types, box)

    def w(r, a, b):
        rc = CUTOFFS2[a, b]
        return np.where(r < 1.1 * rc, np.exp(-((r / rc) ** 4)), 0.0)

    np.testing.assert_allclose(other.features, reference_invariants(x, box, types, w, 1.1 * 1.45, [4, 6]), rtol=RTOL)


def reference_rdf(x, types, box, dr):
    """Minimum-image ordered-pair histogram, normalised as partycls' 'gr'."""
    box = np.asarray(box, float)
    v = x[None] - x[:, None]
    v -= box * np.round(v / box)
    r = np.linalg.norm(v, axis=-1)
    grid = np.arange(dr / 2, box.min() / 2, dr)
    n_t = types.max() + 1
    g = np.zeros((n_t, n_t, len(grid)))
    d = len(box)
    b = np.arange(1, len(grid) + 1)
    shell = (np.pi if d == 2 else 4 * np.pi / 3) * dr**d * (b**d - (b - 1) ** d)
    for a in range(n_t):
        for c in range(n_t):
            rab = r[np.ix_(types == a, types == c)]
            rab = rab[rab > 0]
            m = np.floor(rab / dr).astype(int)
            hist = np.bincount(m[m < len(grid)], minlength=len(grid))
            g[a, c] = hist * np.prod(box) / ((types == a).sum() * (types == c).sum() * shell)
    return grid, g


@pytest.mark.parametrize("dim", [2, 3])
def test_rdf_and_first_minimum_cutoffs(dim):
    rng = np.random.default_rng(5)
    box = np.array([7.0, 6.5, 6.8][:dim])
    x = random_configuration(150 if dim == 3 else 40, box, rng, min_distance=0.8 if dim == 3 else 0.7)
    types = (rng.uniform(size=len(x)) < 0.3).astype(int)
    r, g = partial_rdf(x, types, box)
    r_ref, g_ref = reference_rdf(x, types, box, 0.1)
    np.testing.assert_array_equal(r, r_ref)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12)
    cut = first_minimum_cutoffs(x, types, box)
    for a in range(2):
        for b in range(2):
            m_max = np.argmax(g_ref[a, b])
            assert cut[a, b] == r_ref[m_max + np.argmin(g_ref[a, b, m_max:])]
    # default SBO uses exactly these cutoffs
    sbo = SmoothBondOrder().compute(x, types, box)
    np.testing.assert_array_equal(sbo.cutoffs_, cut)
    np.testing.assert_array_equal(sbo.features, SmoothBondOrder(cutoffs=cut).compute(x, types, box).features)


def test_sbo_cutoff_validation(system3d):
    x, types, box = system3d
    with pytest.raises(ValueError, match="symmetric"):
        SmoothBondOrder(cutoffs=[[1.0, 1.2], [1.1, 1.0]])
    with pytest.raises(ValueError, match="types go up to"):
        SmoothBondOrder(cutoffs=[[1.4]]).compute(x, types, box)


# ------------------------------------------------------------------------------------------
# invariances (all descriptors)
# ------------------------------------------------------------------------------------------


def all_descriptors_3d(x, types, box):
    return np.column_stack(
        [
            BondOrientationalOrder().compute(x, types, box).psi,
            SmoothBondOrder(cutoffs=CUTOFFS2).compute(x, types, box).features,
        ]
    )


def all_descriptors_2d(x, types, box):
    return np.column_stack(
        [
            BondOrientationalOrder().compute(x, types, box).psi,
            SmoothBondOrder(cutoffs=CUTOFFS3).compute(x, types, box).features,
            TanakaTheta().compute(x, types, box).theta,
        ]
    )


@pytest.mark.parametrize("dim", [2, 3])
def test_translation_image_and_axis_permutation_invariance(dim, system2d, system3d):
    x, types, box = system3d if dim == 3 else system2d
    f = all_descriptors_3d if dim == 3 else all_descriptors_2d
    ref = f(x, types, box)
    rng = np.random.default_rng(3)
    np.testing.assert_allclose(f(x + rng.normal(0, 5, dim), types, box), ref, rtol=1e-9, atol=1e-12)
    jumps = rng.integers(-3, 4, x.shape) * box
    np.testing.assert_allclose(f(x + jumps, types, box), ref, rtol=1e-9, atol=1e-12)
    perm = [2, 0, 1] if dim == 3 else [1, 0]
    np.testing.assert_allclose(f(x[:, perm], types, box[perm]), ref, rtol=1e-9, atol=1e-12)
    # relabelling particles permutes the results
    order = rng.permutation(len(x))
    np.testing.assert_allclose(f(x[order], types[order], box), ref[order], rtol=1e-9, atol=1e-12)


def test_generic_rotation_of_an_isolated_cluster():
    rng = np.random.default_rng(8)
    cluster = random_configuration(25, np.array([3.0, 3.0, 3.0]), rng, min_distance=0.7)  # periodic spacing irrelevant here
    cluster -= cluster.mean(axis=0)
    types = rng.integers(0, 2, len(cluster))
    box = np.full(3, 40.0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    ref = all_descriptors_3d(cluster + 20.0, types, box)
    rot = all_descriptors_3d(cluster @ q.T + 20.0, types, box)
    np.testing.assert_allclose(rot, ref, rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------------------------------
# PCA and coarse-graining
# ------------------------------------------------------------------------------------------


def test_first_principal_component_convention():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5)) + 3.0
    types = rng.integers(0, 2, 300)
    proj = first_principal_component(features, types)
    for t in (0, 1):
        x = features[types == t] - features[types == t].mean(axis=0)
        _, _, vt = np.linalg.svd(x)
        v = vt[0] * np.sign(vt[0][np.argmax(np.abs(vt[0]))])
        np.testing.assert_allclose(proj[types == t], x @ v, rtol=1e-12, atol=1e-12)
        assert abs(proj[types == t].mean()) < 1e-12
        np.testing.assert_allclose(np.var(proj[types == t]), np.linalg.svd(x, compute_uv=False)[0] ** 2 / len(x))
    # deterministic: a flipped copy of the data gives the same projections up to the data's sign
    np.testing.assert_allclose(first_principal_component(-features, types), -proj, rtol=1e-12, atol=1e-12)
    # constant columns (such as Q_0 = 1) do not change anything
    np.testing.assert_allclose(first_principal_component(np.column_stack([np.ones(300), features]), types), proj, rtol=1e-10, atol=1e-12)
    order = rng.permutation(300)
    np.testing.assert_allclose(first_principal_component(features[order], types[order]), proj[order], rtol=1e-10, atol=1e-12)
    sklearn = pytest.importorskip("sklearn.decomposition")
    for t in (0, 1):
        ref = sklearn.PCA(n_components=1, svd_solver="full").fit_transform(features[types == t])[:, 0]
        np.testing.assert_allclose(proj[types == t], ref, rtol=1e-10, atol=1e-12)


def test_pca_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        first_principal_component(np.array([[1.0, np.nan], [0.0, 1.0]]), [0, 0])


def reference_cg(x, box, values, length, cutoff, same_type_of=None):
    i, j, _, r = explicit_images(x, box, cutoff)
    if same_type_of is not None:
        keep = same_type_of[i] == same_type_of[j]
        i, j, r = i[keep], j[keep], r[keep]
    w = np.exp(-r / length)
    n = len(x)
    return (values + np.bincount(i, w * values[j], n)) / (1.0 + np.bincount(i, w, n))


def test_coarse_grained_forms(system3d, system2d):
    x, types, box = system3d
    sbo = SmoothBondOrder(cutoffs=CUTOFFS2).compute(x, types, box)
    x1 = sbo.first_principal_component()
    np.testing.assert_allclose(x1, first_principal_component(sbo.features, types), rtol=1e-12)
    assert set(sbo.components_) == {0, 1} and all(0 < v <= 1 for v in sbo.explained_variance_ratio_.values())
    np.testing.assert_allclose(sbo.coarse_grained(length=1.0, cutoff=4.0), reference_cg(x, box, x1, 1.0, 4.0, types), rtol=1e-10)
    psi = BondOrientationalOrder().compute(x, types, box)
    np.testing.assert_allclose(psi.coarse_grained(5.0, cutoff=4.0), reference_cg(x, box, psi.psi, 5.0, 4.0), rtol=1e-10)
    x2, types2, box2 = system2d
    theta = TanakaTheta().compute(x2, types2, box2)
    np.testing.assert_allclose(theta.coarse_grained(5.0, cutoff=4.0), reference_cg(x2, box2, theta.theta, 5.0, 4.0), rtol=1e-10)
    with pytest.raises(RuntimeError, match="compute"):
        SmoothBondOrder().first_principal_component()


# ------------------------------------------------------------------------------------------
# Tanaka's Theta
# ------------------------------------------------------------------------------------------


def test_theta_matches_brute_force(system2d):
    x, types, box = system2d
    theta = TanakaTheta().compute(x, types, box)
    sigma = TanakaTheta().sigma
    ref, count = reference_theta(x, types, box, sigma)
    np.testing.assert_array_equal(theta.n_neighbours, count)
    np.testing.assert_allclose(theta.theta, ref, rtol=RTOL)
    assert theta.n_neighbours.sum() == 6 * len(x)  # Euler on the torus: mean coordination 6


def test_theta_triangular_lattice_is_zero_and_ideal_angles():
    nx, ny = 6, 4
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x = np.stack([i + 0.5 * (j % 2), j * np.sqrt(3) / 2], -1).reshape(-1, 2).astype(float)
    box = np.array([nx, ny * np.sqrt(3) / 2])
    theta = TanakaTheta([[1.0]]).compute(x + 0.1, np.zeros(len(x), int), box)
    np.testing.assert_array_equal(theta.n_neighbours, 6)
    np.testing.assert_allclose(theta.theta, 0.0, atol=1e-12)
    # a lattice of the same geometry but a diameter 1.2 != spacing: all theta_2 = 60 degrees still
    np.testing.assert_allclose(TanakaTheta([[1.2]]).compute(x, np.zeros(len(x), int), box).theta, 0.0, atol=1e-12)
    # ideal angles: a right triangle with sides 3, 4, 5
    ang = ideal_angles([[3.0, 3.0, 4.0], [3.0, 3.0, 5.0], [4.0, 5.0, 4.0]])
    # vertex of type 0 between sides sigma_01 = 3 and sigma_02 = 4, opposite sigma_12 = 5
    np.testing.assert_allclose(ang[0, 1, 2], np.pi / 2)
    np.testing.assert_allclose(ang[1, 0, 2], np.arccos(3 / 5))
    np.testing.assert_allclose(ang[2, 0, 1], np.arccos(4 / 5))


def test_theta_rejects_3d_and_bad_types(system3d, system2d):
    x, types, box = system3d
    with pytest.raises(ValueError, match="2D"):
        TanakaTheta().compute(x, types, box)
    x2, _, box2 = system2d
    with pytest.raises(ValueError, match="types"):
        TanakaTheta([[1.0]]).compute(x2, np.ones(len(x2), int), box2)
    with pytest.raises(ValueError, match="triangle inequality"):
        TanakaTheta([[1.0, 0.3], [0.3, 1.0]])


# ------------------------------------------------------------------------------------------
# partycls (optional): same SBO to round-off on a KA liquid
# ------------------------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("partycls") is None, reason="partycls is not installed")
def test_sbo_matches_partycls(tmp_path):
    if not hasattr(np, "product"):  # partycls 2.0 calls numpy.product, removed in numpy 2
        np.product = np.prod
    from partycls import Trajectory
    from partycls.descriptors import SmoothedBondOrientationalDescriptor

    rng = np.random.default_rng(4)
    n, length = 500, (500 / 1.2) ** (1 / 3)
    side = 8
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3)[:n]
    x = grid * (length / side) + rng.normal(0, 0.12, (n, 3))
    x -= length * np.floor(x / length)
    types = (np.arange(n) % 5 == 0).astype(int)
    path = tmp_path / "conf.xyz"
    with open(path, "w") as fh:
        fh.write(f"{n}\nstep:0 columns:name,pos cell:{length:.17g},{length:.17g},{length:.17g}\n")
        for t, p in zip(types, x):
            fh.write(f"{'AB'[t]} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}\n")
    traj = Trajectory(str(path))
    theirs = SmoothedBondOrientationalDescriptor(traj).compute()
    ours = SmoothBondOrder().compute(x, types, np.full(3, length))
    np.testing.assert_allclose(np.reshape(traj.nearest_neighbors_cutoffs, (2, 2)), ours.cutoffs_, rtol=1e-12)
    assert 1.3 * np.nanmax(ours.cutoffs_) < length / 2  # minimum image = all images here
    np.testing.assert_allclose(ours.features, theirs, rtol=1e-10, atol=1e-13)
