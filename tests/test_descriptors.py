"""Neighbour search, bond-order kernel, coarse-graining, Voronoi and GlassMLP descriptors.

Every family is checked against an independent O(N^2) reference with explicit periodic images
in boxes smaller than twice the cutoff, to 1e-10 relative.
"""

import numpy as np
import pytest
from scipy.special import sph_harm_y

from glassdyn.descriptors.angular import bond_order_invariants
from glassdyn.descriptors.coarse_grain import CoarseGraining, coarse_grain
from glassdyn.descriptors.energy import particle_energies
from glassdyn.descriptors.glassmlp import GLASSMLP_PRL_LENGTHS, TGLASSMLP_PRB_LENGTHS, GlassMLPDescriptors
from glassdyn.descriptors.neighbours import brute_force_pairs, pair_list
from glassdyn.descriptors.voronoi import VoronoiCells, brute_force_cell_sizes
from glassdyn.io import Descriptors, load, save
from glassdyn.systems import PairPotential, get_mixture

RTOL = 1e-10


def _sorted(pl):
    order = np.lexsort(np.column_stack([pl.i, pl.j, np.round(pl.vectors, 8)]).T[::-1])
    return pl.i[order], pl.j[order], pl.vectors[order]


@pytest.mark.parametrize("d,n,edge,cutoff", [(2, 40, 5.0, 2.1), (3, 30, 3.2, 5.0), (2, 15, 3.0, 7.5), (3, 80, 5.0, 2.5)])
def test_pair_list_matches_explicit_images(d, n, edge, cutoff):
    rng = np.random.default_rng(n)
    box = np.full(d, edge)
    box[0] *= 1.15
    x = rng.uniform(-edge, 2 * edge, (n, d))  # unwrapped input is fine
    fast, ref = _sorted(pair_list(x, box, cutoff).full()), _sorted(brute_force_pairs(x, box, cutoff))
    assert len(fast[0]) == len(ref[0]) > 0
    np.testing.assert_array_equal(fast[0], ref[0])
    np.testing.assert_array_equal(fast[1], ref[1])
    np.testing.assert_allclose(fast[2], ref[2], atol=1e-12)


def _reference_invariants(x, box, cutoff, weight, ls, d):
    b = brute_force_pairs(x, box, cutoff)
    n = len(x)
    w = weight(b.distances)
    z = np.bincount(b.i, w, n)
    out = np.zeros((n, len(ls)))
    for a, l in enumerate(ls):
        if d == 3:
            theta, phi = np.arccos(b.vectors[:, 2] / b.distances), np.arctan2(b.vectors[:, 1], b.vectors[:, 0])
            total = np.zeros(n)
            for m in range(-l, l + 1):
                y = sph_harm_y(l, m, theta, phi)
                q = (np.bincount(b.i, w * y.real, n) + 1j * np.bincount(b.i, w * y.imag, n)) / z
                total += np.abs(q) ** 2
            out[:, a] = np.sqrt(4 * np.pi / (2 * l + 1) * total)
        else:
            theta = np.arctan2(b.vectors[:, 1], b.vectors[:, 0])
            q = (np.bincount(b.i, w * np.cos(l * theta), n) + 1j * np.bincount(b.i, w * np.sin(l * theta), n)) / z
            out[:, a] = np.abs(q)
    return out


@pytest.mark.parametrize("d", [2, 3])
def test_bond_order_invariants_match_reference(d):
    rng = np.random.default_rng(7)
    n, edge, cutoff = (50, 4.0, 3.0) if d == 3 else (40, 5.0, 3.0)
    x, box = rng.uniform(0, edge, (n, d)), np.full(d, edge)
    ls = [1, 2, 6, 12]
    weight = lambda r: np.exp(-((r - 1.5) ** 2) / (2 * 0.3**2))  # noqa: E731
    pairs = pair_list(x, box, cutoff)
    got, _ = bond_order_invariants(n, pairs, weight(pairs.distances), ls, d)
    ref = _reference_invariants(x, box, cutoff, weight, ls, d)
    np.testing.assert_allclose(got[:, 0, :], ref, rtol=RTOL, atol=1e-13)


def test_bond_order_invariants_rotation_and_known_values():
    rng = np.random.default_rng(8)
    cluster = rng.normal(size=(20, 3))
    box = np.full(3, 100.0)  # isolated cluster: any rotation maps it onto a valid configuration
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    pairs = pair_list(cluster + 50, box, 4.0)
    rotated = pair_list(cluster @ rotation.T + 50, box, 4.0)
    a, _ = bond_order_invariants(20, pairs, np.ones(len(pairs)), [4, 6, 8], 3)
    b, _ = bond_order_invariants(20, rotated, np.ones(len(rotated)), [4, 6, 8], 3)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    # simple cubic crystal, six nearest neighbours: q_4 = 0.7638, q_6 = 0.3536 (Steinhardt 1983)
    grid = np.stack(np.meshgrid(*[np.arange(4)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5
    sc = pair_list(grid, np.full(3, 4.0), 1.1)
    q, _ = bond_order_invariants(64, sc, np.ones(len(sc)), [4, 6], 3)
    np.testing.assert_allclose(q[:, 0, 0], np.sqrt(7 / 12), rtol=1e-12)
    np.testing.assert_allclose(q[:, 0, 1], np.sqrt(1 / 8), rtol=1e-12)


def _reference_coarse_grain(x, types, box, fields, lengths, cutoff, n_types):
    b = brute_force_pairs(x, box, cutoff)
    n = len(x)
    out = {}
    for li, length in enumerate(lengths):
        for g in range(n_types + 1):
            for i in range(n):
                sel = (b.i == i) & ((types[b.j] == g) | (g == n_types))
                mine = g == n_types or types[i] == g
                w = np.exp(-b.distances[sel] / length) if length > 0 else np.zeros(sel.sum())
                w = np.concatenate([w, [1.0] if mine else []])
                j = np.concatenate([b.j[sel], [i] if mine else []]).astype(int)
                rho = w.sum()
                out[("density", i, g, li)] = rho
                for name, v in fields.items():
                    mean = (w * v[j]).sum() / rho if rho > 0 else 0.0
                    out[(name, i, g, li)] = mean
                    out[(name + "_var", i, g, li)] = (w * (v[j] - mean) ** 2).sum() / rho if rho > 0 else 0.0
    return out


@pytest.mark.parametrize("d", [2, 3])
def test_coarse_graining_matches_reference(d):
    rng = np.random.default_rng(9)
    n, edge = (40, 6.0) if d == 2 else (30, 4.0)
    x, box = rng.uniform(0, edge, (n, d)), np.full(d, edge)
    types = rng.integers(0, 3, n)
    fields = {"e": rng.normal(-3.0, 0.4, n), "p": rng.uniform(3.0, 4.0, n)}
    lengths = [0.0, 0.5, 2.5, 7.5]
    cg = CoarseGraining(lengths, cutoff=9.0).compute(x, types, box, fields, variance_of=["e"], n_types=3)
    ref = _reference_coarse_grain(x, types, box, fields, lengths, 9.0, 3)
    got = {}
    for (name, i, g, li) in ref:
        if name == "density":
            got[(name, i, g, li)] = cg.density[i, g, li]
        elif name.endswith("_var"):
            if name[:-4] in cg.variance:
                got[(name, i, g, li)] = cg.variance[name[:-4]][i, g, li]
        else:
            got[(name, i, g, li)] = cg.mean[name][i, g, li]
    keys = sorted(got)
    np.testing.assert_allclose([got[k] for k in keys], [ref[k] for k in keys], rtol=RTOL, atol=1e-14)


def test_coarse_grain_helper_same_type_and_all():
    rng = np.random.default_rng(10)
    x, box, types = rng.uniform(0, 5, (30, 2)), np.full(2, 5.0), rng.integers(0, 2, 30)
    v = rng.normal(size=30)
    cg = CoarseGraining([1.0], cutoff=6.0).compute(x, types, box, {"v": v})
    np.testing.assert_allclose(coarse_grain(x, box, v, 1.0, cutoff=6.0), cg.mean["v"][:, -1, 0])
    np.testing.assert_allclose(coarse_grain(x, box, v, 1.0, types=types, same_type=True, cutoff=6.0),
                               cg.mean["v"][np.arange(30), types, 0])


@pytest.mark.parametrize("d", [2, 3])
def test_voronoi_matches_qhull_of_images(d):
    rng = np.random.default_rng(11)
    n, edge = (80, 9.0) if d == 2 else (60, 4.0)
    box = np.full(d, edge)
    box[-1] *= 1.3
    x = rng.uniform(0, 1, (n, d)) * box
    cells = VoronoiCells().compute(x, box)
    volume, size = brute_force_cell_sizes(x, box)
    np.testing.assert_allclose(cells.volume, volume, rtol=RTOL)
    np.testing.assert_allclose(cells.size, size, rtol=RTOL)
    assert np.isclose(cells.volume.sum(), np.prod(box), rtol=1e-12)


def test_voronoi_of_perfect_lattices_is_exact():
    square = np.stack(np.meshgrid(np.arange(6), np.arange(6), indexing="ij"), -1).reshape(-1, 2) + 0.3
    cells = VoronoiCells().compute(square * 1.1, np.full(2, 6 * 1.1))
    np.testing.assert_allclose(cells.size, 4 * 1.1, rtol=1e-12)
    np.testing.assert_allclose(cells.volume, 1.1**2, rtol=1e-12)
    tri = np.array([[i + 0.5 * (j % 2), j * np.sqrt(3) / 2] for i in range(6) for j in range(6)]) + 0.1
    cells = VoronoiCells().compute(tri, [6.0, 3 * np.sqrt(3)])
    np.testing.assert_allclose(cells.size, 2 * np.sqrt(3), rtol=1e-12)  # hexagon of side 1/sqrt(3)
    cubic = np.stack(np.meshgrid(*[np.arange(4)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.2
    cells = VoronoiCells().compute(cubic, np.full(3, 4.0))
    np.testing.assert_allclose(cells.size, 6.0, rtol=1e-12)
    np.testing.assert_allclose(cells.volume, 1.0, rtol=1e-12)


def test_particle_energies_match_minimum_image_reference():
    rng = np.random.default_rng(12)
    mixture = get_mixture("kob_andersen_2d_ternary")
    potential = PairPotential(mixture, "polynomial")
    n = 120
    box = np.full(2, mixture.box_length(n, 1.19))
    x = np.stack(np.meshgrid(np.arange(11), np.arange(11), indexing="ij"), -1).reshape(-1, 2)[:n] * box[0] / 11
    x = x + rng.normal(0, 0.05, x.shape)
    types = rng.permutation(mixture.types(n))
    np.testing.assert_allclose(particle_energies(potential, x, types, box), potential.particle_energies(x, types, box),
                               rtol=RTOL, atol=1e-13)


def test_glassmlp_counts_match_the_papers():
    assert GlassMLPDescriptors(GLASSMLP_PRL_LENGTHS).n_descriptors(3) == 256  # KA2D, PRL
    assert GlassMLPDescriptors(TGLASSMLP_PRB_LENGTHS).n_descriptors(3) == 176  # KA2D, PRB
    assert GlassMLPDescriptors(GLASSMLP_PRL_LENGTHS).n_descriptors(2) == 192  # KA 3D, PRL SM VI
    names = GlassMLPDescriptors(GLASSMLP_PRL_LENGTHS).column_names(3, 2)
    assert len(set(names)) == 256 and names[0] == "density_type0_L0" and "epot_variance_all_L7.5" in names


def _glassmlp_inputs(d, seed=13):
    rng = np.random.default_rng(seed)
    n, edge = (60, 7.0) if d == 2 else (50, 3.7)
    box = np.full(d, edge)
    x = rng.uniform(0, edge, (n, d))
    types = rng.integers(0, 2, n)
    energies = rng.normal(-4.0, 0.5, n)
    return x, types, box, energies


@pytest.mark.parametrize("d", [2, 3])
def test_glassmlp_descriptors_match_reference_and_are_invariant(d):
    x, types, box, energies = _glassmlp_inputs(d)
    thermal = x + np.random.default_rng(1).normal(0, 0.1, x.shape)
    sizes = VoronoiCells().compute(x, box).size
    lengths = [0.0, 1.0, 4.5]
    desc = GlassMLPDescriptors(lengths, include_displacement=True, cutoff=8.0)
    values = desc.compute(x, types, box, energies, sizes, thermal_positions=thermal, n_types=2).values
    assert values.shape == (len(x), desc.n_descriptors(2))
    disp = np.linalg.norm(x - thermal, axis=1)
    ref = _reference_coarse_grain(x, types, box, {"e": energies, "p": sizes, "u": disp}, lengths, 8.0, 2)
    expected = np.array([[ref[(k, i, g, li)] for k in ("density", "e", "p", "e_var", "u") for g in range(3)
                          for li in range(3)] for i in range(len(x))])
    np.testing.assert_allclose(values, expected, rtol=RTOL, atol=1e-14)

    # translation and change of periodic image
    shift = np.array([0.37, -1.3, 2.2][:d])
    moved = x + shift
    moved[3] += box
    sizes_moved = VoronoiCells().compute(moved, box).size
    again = desc.compute(moved, types, box, energies, sizes_moved, thermal_positions=thermal + shift, n_types=2).values
    np.testing.assert_allclose(again, values, rtol=1e-10, atol=1e-12)
    if d == 3:  # a rotation that maps the cubic box onto itself
        rotated = x[:, [1, 2, 0]] * np.array([1, -1, 1])
        sizes_rot = VoronoiCells().compute(rotated, box).size
        thermal_rot = thermal[:, [1, 2, 0]] * np.array([1, -1, 1])
        again = desc.compute(rotated, types, box, energies, sizes_rot, thermal_positions=thermal_rot, n_types=2).values
        np.testing.assert_allclose(again, values, rtol=1e-10, atol=1e-12)


def test_glassmlp_length_zero_is_the_particle_itself():
    x, types, box, energies = _glassmlp_inputs(2)
    sizes = np.arange(len(x), dtype=float) + 1
    desc = GlassMLPDescriptors([0.0]).compute(x, types, box, energies, sizes, n_types=2)
    cols = {name: desc.values[:, k] for k, name in enumerate(desc.names)}
    own = types == 0
    np.testing.assert_array_equal(cols["density_type0_L0"], own.astype(float))
    np.testing.assert_array_equal(cols["density_all_L0"], 1.0)
    np.testing.assert_array_equal(cols["epot_all_L0"], energies)
    np.testing.assert_array_equal(cols["epot_type0_L0"], np.where(own, energies, 0.0))
    np.testing.assert_array_equal(cols["voronoi_perimeter_all_L0"], sizes)
    np.testing.assert_array_equal(cols["epot_variance_all_L0"], 0.0)


def test_bad_inputs_are_refused():
    x, types, box, energies = _glassmlp_inputs(2)
    with pytest.raises(ValueError, match="thermal_positions"):
        GlassMLPDescriptors([1.0], include_displacement=True).compute(x, types, box, energies, energies)
    with pytest.raises(ValueError, match="shape"):
        CoarseGraining([1.0]).compute(x, types, box, {"e": energies[:-1]})
    with pytest.raises(ValueError, match="lengths"):
        CoarseGraining([-1.0])
    with pytest.raises(ValueError, match="positions"):
        pair_list(x[:, :1], box, 2.0)


def test_descriptors_record_round_trip(tmp_path):
    x, types, box, energies = _glassmlp_inputs(2)
    values = np.random.default_rng(0).normal(size=(len(x), 3))
    record = Descriptors(values=values, names=["a", "b_L1", "c"], types=types, box=box, metadata={"set": "test"})
    loaded = load(save(tmp_path / "d.h5", record), "descriptors")
    assert list(loaded.names) == ["a", "b_L1", "c"]
    np.testing.assert_array_equal(loaded.column("b_L1"), values[:, 1].astype(np.float32))
    with pytest.raises(Exception, match="unique"):
        save(tmp_path / "e.h5", Descriptors(values=values, names=["a", "a", "c"], types=types, box=box))


@pytest.mark.parametrize("mixture_name,counts", [
    ("kob_andersen_2d_ternary", {"glassmlp-prl": 256, "tglassmlp-prb": 176, "roadmap": 320, "cage": 2773, "baselines": 8}),
    ("kob_andersen_3d", {"glassmlp-prl": 192, "tglassmlp-prb": 132, "roadmap": 240, "cage": 2197, "baselines": 6}),
])
def test_every_descriptor_set_has_the_papers_column_count(mixture_name, counts):
    from glassdyn.descriptors.sets import DESCRIPTOR_SETS, compute_descriptor_set
    from glassdyn.io import CageState, InherentStructure, Structure

    rng = np.random.default_rng(5)
    mixture = get_mixture(mixture_name)
    d = mixture.dimension
    side = 15 if d == 2 else 6
    n = side**d
    box = np.full(d, mixture.box_length(n, 1.2))
    x = np.stack(np.meshgrid(*[np.arange(side)] * d, indexing="ij"), -1).reshape(-1, d) * box[0] / side
    x = x + rng.normal(0, 0.05, x.shape)
    types = rng.permutation(mixture.types(n))
    potential = PairPotential(mixture, mixture.smoothing)
    states = {
        "structure": Structure(positions=x, types=types, box=box),
        "inherent_structure": InherentStructure(positions=x + rng.normal(0, 0.01, x.shape), types=types, box=box,
                                                particle_energies=particle_energies(potential, x, types, box)),
        "cage_state": CageState(positions=x + rng.normal(0, 0.02, x.shape), types=types, box=box),
    }
    assert set(counts) == set(DESCRIPTOR_SETS)
    for name, count in counts.items():
        record = compute_descriptor_set(name, states, mixture)
        assert record.values.shape == (n, count), name
        assert len(set(record.names)) == count and np.all(np.isfinite(record.values))
        assert record.metadata["descriptor_set"] == name
    with pytest.raises(ValueError, match="needs the states"):
        compute_descriptor_set("cage", {"structure": states["structure"]}, mixture)
    with pytest.raises(KeyError, match="unknown descriptor set"):
        compute_descriptor_set("nope", states, mixture)
