"""Importers of published data sets and the GlassBench exporter, on synthetic files."""

import pickle

import numpy as np
import pytest

from glassdyn.io import DataFileError, Labels
from glassdyn.io.importers import read_botan, read_deepmind, read_glassbench, write_glassbench
from glassdyn.labels import IsoconfigurationalLabels
from glassdyn.systems import PairPotential, get_mixture

BOX = 7.2  # 6 x 6 x 6 lattice, spacing 1.2: every particle has neighbours within 1.4


N = 216


def _structure(rng):
    grid = np.stack(np.meshgrid(*[np.arange(6)] * 3, indexing="ij"), -1).reshape(-1, 3) * (BOX / 6)
    return grid + rng.normal(0, 0.05, (N, 3)), np.array([0] * 173 + [1] * 43, dtype=np.int8)


def _botan_file(tmp_path, rng, **override):
    x0, types = _structure(rng)
    pos = x0[None] + rng.normal(0, 0.2, (4, N, 3))
    pos[:, 0] += [-2 * BOX, 0, 0]  # already unwrapped across two boxes: must not matter...
    x0 = x0.copy()
    x0[0] += [-2 * BOX, 0, 0]  # ...as long as the initial position is in the same origin
    data = {"types": types, "initial_positions": x0, "positions": pos, **override}
    path = tmp_path / "isoconfig_1.npz"
    np.savez(path, **{k: v for k, v in data.items() if v is not None})
    return path, data


def test_botan_file_becomes_an_ensemble_with_true_displacements(tmp_path):
    rng = np.random.default_rng(0)
    path, data = _botan_file(tmp_path, rng)
    ens = read_botan(path, box=BOX, times=[4120.0], metadata={"temperature": 0.44})
    assert ens.positions.shape == (4, 1, N, 3)
    assert np.all((ens.initial_positions >= 0) & (ens.initial_positions < BOX))
    np.testing.assert_allclose(ens.positions[:, 0] - ens.initial_positions, data["positions"] - data["initial_positions"], atol=1e-12)
    assert ens.types.dtype == np.int8 and set(ens.types) == {0, 1}
    assert ens.metadata["temperature"] == 0.44 and ens.metadata["source_format"] == "botan"
    ens.validate()


@pytest.mark.parametrize(
    "override, key, message",
    [
        ({"positions": None}, "positions", "missing"),
        ({"initial_positions": np.zeros((N - 1, 3))}, "initial_positions", "expected"),
        ({"positions": np.zeros((4, N))}, "positions", "dimensions"),
        ({"positions": np.full((4, N, 3), np.nan)}, "positions", "NaN"),
        ({"types": np.full(N, 5)}, "types", "start at 0 or 1"),
    ],
)
def test_bad_botan_files_are_refused_naming_file_and_key(tmp_path, override, key, message):
    path, _ = _botan_file(tmp_path, np.random.default_rng(1), **override)
    with pytest.raises(DataFileError, match=message) as err:
        read_botan(path, box=BOX, times=[1.0])
    assert str(path) in str(err.value) and f"'{key}'" in str(err.value)


def test_botan_needs_box_and_matching_times(tmp_path):
    path, _ = _botan_file(tmp_path, np.random.default_rng(2))
    with pytest.raises(DataFileError, match="'box'"):
        read_botan(path, box=None, times=[1.0])
    with pytest.raises(DataFileError, match="'times'"):
        read_botan(path, box=BOX, times=[1.0, 2.0])


def test_deepmind_pickle_becomes_an_ensemble(tmp_path):
    rng = np.random.default_rng(3)
    x0, types = _structure(rng)
    targets = [[x0 + rng.normal(0, 0.1 * (k + 1), x0.shape) for _ in range(3)] for k in range(2)]  # [time][replica]
    data = {
        "positions": x0, "types": types, "box": np.full(3, BOX), "time": np.array([0.1, 1.0, 10.0, 100.0]),
        "time_indices": np.array([1, 3]), "is_values": np.array([0.9, 0.4]),
        "trajectory_start_velocities": np.zeros((2, 3, N, 3)), "trajectory_target_positions": targets,
        "metadata": {"temperature": 0.44, "pressure": 2.9, "fluid": "Kob-Andersen"},
    }
    path = tmp_path / "train_0.pickle"
    path.write_bytes(pickle.dumps(data, protocol=3))
    ens = read_deepmind(path)
    assert ens.positions.shape == (3, 2, N, 3)
    np.testing.assert_allclose(ens.times, [1.0, 100.0])
    np.testing.assert_allclose(ens.positions[1, 1] - ens.initial_positions, targets[1][1] - x0, atol=1e-12)
    assert ens.metadata["temperature"] == 0.44
    data["time_indices"] = np.array([1, 7])
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(DataFileError, match="'time_indices'"):
        read_deepmind(path)


def _labels(rng):
    x0, types = _structure(rng)
    pos = x0[None, None] + rng.normal(0, 0.3, (4, 3, N, 3))
    calc = IsoconfigurationalLabels(get_mixture("kob_andersen_3d").sigma_matrix).compute(x0, pos, types, [BOX] * 3)
    return Labels(positions=x0 % BOX, types=types, box=np.full(3, BOX), times=np.array([1.0, 10.0, 100.0]),
                  propensity=calc.propensity, bond_breaking=calc.bond_breaking)


def test_glassbench_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    labels = _labels(rng)
    pot = PairPotential(get_mixture("kob_andersen_3d"), "force_shifted")

    class IS:  # the exporter needs only positions
        positions = labels.positions + rng.normal(0, 0.05, labels.positions.shape)

    path = write_glassbench(tmp_path / "gb.npz", labels, inherent=IS)
    with np.load(path) as raw:
        assert set(raw.files) == {"types", "initial_positions", "initial_positions_inherent", "md_prop", "bb_prop"}
        assert set(raw["types"]) == {1, 2}  # GlassBench is 1-based
        assert raw["md_prop"].shape == (3, N)
    back = read_glassbench(path, box=BOX, times=labels.times, potential=pot)
    np.testing.assert_array_equal(back["labels"].types, labels.types)
    np.testing.assert_allclose(back["labels"].propensity, labels.propensity)
    np.testing.assert_allclose(back["labels"].bond_breaking, labels.bond_breaking)
    inh = back["inherent_structure"]
    np.testing.assert_allclose(inh.particle_energies, pot.particle_energies(inh.positions, inh.types, inh.box))
    assert "cage_state" not in back


def test_glassbench_ternary_types_and_refusals(tmp_path):
    rng = np.random.default_rng(5)
    n = 30
    good = {
        "types": np.array([1] * 14 + [2] * 8 + [3] * 8), "initial_positions": rng.uniform(0, 10, (n, 2)),
        "initial_positions_inherent": rng.uniform(0, 10, (n, 2)), "initial_positions_cage": rng.uniform(0, 10, (n, 2)),
        "md_prop": rng.uniform(0, 1, (4, n)), "bb_prop": rng.uniform(0, 1, (4, n)),
    }
    path = tmp_path / "ka2d.npz"
    np.savez(path, **good)
    out = read_glassbench(path, box=10.0, times=[1, 2, 3, 4])
    assert set(out["labels"].types) == {0, 1, 2}
    assert out["cage_state"].positions.shape == (n, 2)
    assert "inherent_structure" not in out  # no potential given: no energies, no IS record
    # The cage state is continuous from the wrapped thermal positions.
    assert np.abs(out["cage_state"].positions - out["structure"].positions).max() <= 5.0 * np.sqrt(2) + 1e-9
    for key, bad, message in [
        ("md_prop", None, "missing"),
        ("bb_prop", rng.uniform(0, 1, (3, n)), "expected"),
        ("md_prop", np.full((4, n), np.nan), "NaN"),
    ]:
        data = {k: v for k, v in good.items() if not (k == key and bad is None)}
        if bad is not None:
            data[key] = bad
        np.savez(path, **data)
        with pytest.raises(DataFileError, match=message) as err:
            read_glassbench(path, box=10.0, times=[1, 2, 3, 4])
        assert str(path) in str(err.value) and f"'{key}'" in str(err.value)
    np.savez(path, **good)
    with pytest.raises(DataFileError, match="'times'"):
        read_glassbench(path, box=10.0, times=[1, 2])
