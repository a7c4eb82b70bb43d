"""Labels from hand-built trajectories with known answers, across periodic boundaries."""

import itertools

import numpy as np
import pytest

from glassdyn.io import IsoconfigurationalEnsemble, Labels, load, save
from glassdyn.labels import IsoconfigurationalLabels, labels_from_ensemble, pairs_within
from glassdyn.systems import get_mixture

L = 6.0
SIGMA = get_mixture("kob_andersen_3d").sigma_matrix  # all particles type A below: sigma = 1


def lattice():
    """Simple cubic lattice, spacing 1, 6 x 6 x 6 in a box of 6: 6 neighbours at r = 1."""
    return np.array(list(itertools.product(range(6), repeat=3)), dtype=float)


def index(x, y, z):
    return (x * 6 + y) * 6 + z


def trajectory():
    """Two replicas, two times. Replica 0, time 1: particle (0,0,0) moves by -0.3 x across the
    boundary (unwrapped x = -0.3) and particle (3,3,3) jumps +3 in x (away from all of its
    neighbours). Everything else stays put; replica 1 never moves."""
    x0 = lattice()
    pos = np.repeat(x0[None, None], 2, axis=1).repeat(2, axis=0)
    pos[0, 1, index(0, 0, 0)] += [-0.3, 0, 0]
    pos[0, 1, index(3, 3, 3)] += [3.0, 0, 0]
    return x0, pos


def test_propensity_bond_breaking_and_edges_are_exact():
    x0, pos = trajectory()
    types = np.zeros(len(x0), dtype=np.int8)
    calc = IsoconfigurationalLabels(SIGMA, 1.4, 1.8, edge_cutoff=1.5).compute(x0, pos, types, [L] * 3)
    a, b = index(0, 0, 0), index(3, 3, 3)

    # R_i: mean over the two replicas of |displacement|.
    expected_r = np.zeros((2, len(x0)))
    expected_r[1, a], expected_r[1, b] = 0.15, 1.5
    np.testing.assert_allclose(calc.propensity, expected_r, atol=1e-12)

    # C_B: 6 bonds each. The jumper loses all 6 in replica 0 (C_B = 0.5 over replicas); each
    # of its 6 neighbours loses 1 of 6 (C_B = (5/6 + 1) / 2). The boundary crosser keeps all
    # bonds: its image neighbour at x = 5 (-1) is 0.7 away, x = 1 is 1.3 away.
    assert np.all(calc.neighbour_count == 6)
    expected_cb = np.ones((2, len(x0)))
    expected_cb[1, b] = 0.5
    for dx, dy, dz in [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]:
        expected_cb[1, index(3 + dx, 3 + dy, 3 + dz)] = (5 / 6 + 1) / 2
    np.testing.assert_allclose(calc.bond_breaking, expected_cb, atol=1e-12)

    # Edges within 1.5: 6 at r = 1 and 12 at r = sqrt 2 per particle.
    assert len(calc.edges) == len(x0) * 18 // 2
    assert np.all(calc.edges[:, 0] < calc.edges[:, 1])
    edge = {tuple(e): k for k, e in enumerate(calc.edges)}
    # The crosser and its periodic neighbour at (5, 0, 0): 1.0 -> 0.7 in replica 0.
    k = edge[(a, index(5, 0, 0))]
    np.testing.assert_allclose(calc.edge_propensity[:, k], [0.0, -0.15], atol=1e-12)
    k = edge[(a, index(1, 0, 0))]
    np.testing.assert_allclose(calc.edge_propensity[:, k], [0.0, 0.15], atol=1e-12)
    # Jumper (3,3,3) -> (6,3,3) and its neighbour (3,4,3): 1 -> sqrt(9 + 1).
    k = edge[(b, index(3, 4, 3))]
    np.testing.assert_allclose(calc.edge_propensity[:, k], [0.0, (np.sqrt(10) - 1) / 2], atol=1e-12)
    # Every other edge unchanged.
    moved = np.isin(calc.edges, [a, b]).any(axis=1)
    assert np.all(calc.edge_propensity[:, ~moved] == 0)


def test_labels_match_a_brute_force_reference_on_a_liquid(liquid):
    """Random displacements on a real liquid, against loops with an explicit minimum image."""
    rng = np.random.default_rng(3)
    x0, types, box = liquid.positions, liquid.types, liquid.box
    pos = x0[None, None] + rng.normal(0, 0.35, (3, 2, len(x0), 3))  # some bonds break
    calc = IsoconfigurationalLabels(SIGMA).compute(x0, pos, types, box)
    n = len(x0)
    ref = np.zeros((2, n))
    for k, t in itertools.product(range(3), range(2)):
        for i in range(n):
            d0 = x0 - x0[i]
            d0 -= box * np.round(d0 / box)
            r0 = np.linalg.norm(d0, axis=1)
            s = SIGMA[types[i], types]
            nb = np.flatnonzero((r0 < 1.4 * s) & (np.arange(n) != i))
            dt = pos[k, t] - pos[k, t, i]
            dt -= box * np.round(dt / box)  # displacements are small: min image at t is the same pair
            ref[t, i] += np.mean(np.linalg.norm(dt[nb], axis=1) < 1.8 * s[nb]) / 3
    np.testing.assert_allclose(calc.bond_breaking, ref, atol=1e-12)
    assert calc.bond_breaking.min() < 0.9  # the test exercises broken bonds


def test_pairs_within_matches_brute_force(liquid):
    pairs, vec = pairs_within(liquid.positions, liquid.box, 1.7)
    d = liquid.positions[None] - liquid.positions[:, None]
    d -= liquid.box * np.round(d / liquid.box)
    r = np.linalg.norm(d, axis=-1)
    i, j = np.nonzero(np.triu(r < 1.7, k=1))
    assert np.array_equal(pairs, np.stack([i, j], 1))
    np.testing.assert_allclose(np.linalg.norm(vec, axis=1), r[i, j])


def test_isolated_particle_is_refused():
    x0 = np.array([[0.5, 0.5, 0.5], [3.0, 3.0, 3.0], [3.9, 3.0, 3.0]])
    pos = np.repeat(x0[None, None], 1, axis=1)
    with pytest.raises(ValueError, match="no neighbour"):
        IsoconfigurationalLabels(SIGMA).compute(x0, pos, np.zeros(3, np.int8), [8.0] * 3)


def test_labels_record_round_trips(tmp_path, liquid):
    rng = np.random.default_rng(5)
    pos = liquid.positions[None, None] + rng.normal(0, 0.2, (4, 3, liquid.n_particles, 3))
    ens = IsoconfigurationalEnsemble(
        initial_positions=liquid.positions, positions=pos, times=np.array([0.1, 1.0, 10.0]),
        steps=np.array([1, 10, 100]), types=liquid.types, box=liquid.box, replica_seeds=np.arange(4),
        metadata={"temperature": 0.8},
    )
    labels = labels_from_ensemble(ens, SIGMA, wavenumbers=[2 * np.pi, 7.25], n_splits=4)
    assert labels.self_intermediate_scattering.shape == (3, 2, 2)
    assert labels.split_half_correlation.shape == (2, 3, 2)
    assert labels.metadata["n_replicas"] == 4
    save(tmp_path / "l.h5", labels)
    back = load(tmp_path / "l.h5", "labels")
    assert isinstance(back, Labels)
    np.testing.assert_array_equal(back.propensity, labels.propensity)
    np.testing.assert_array_equal(back.edges, labels.edges)
