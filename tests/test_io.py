import hashlib

import h5py
import numpy as np
import pytest

from glassdyn.io import DataFileError, InherentStructure, IsoconfigurationalEnsemble, Structure, load, provenance, save
from glassdyn.io.data import atomic_h5, read_provenance


def _structure(n=10, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return Structure(
        positions=rng.uniform(0, 5, (n, d)),
        types=(np.arange(n) % 2).astype(np.int8),
        box=np.full(d, 5.0),
        velocities=rng.normal(size=(n, d)),
        metadata={"temperature": 0.5, "potential": "force_shifted", "nested": {"a": [1, 2]}},
    )


def _ensemble(n=10, d=3):
    rng = np.random.default_rng(1)
    return IsoconfigurationalEnsemble(
        initial_positions=rng.uniform(0, 5, (n, d)),
        positions=rng.normal(size=(4, 3, n, d)),
        times=np.array([0.1, 1.0, 10.0]),
        steps=np.array([10, 100, 1000]),
        types=np.zeros(n, dtype=np.int8),
        box=np.full(d, 5.0),
        replica_seeds=np.arange(4),
        potential_energy=rng.normal(size=(4, 4)),
        kinetic_temperature=rng.normal(size=(4, 4)),
        metadata={"ensemble": "nve"},
    )


@pytest.mark.parametrize(
    "record",
    [
        _structure(),
        _structure(d=2),
        _ensemble(),
        InherentStructure(np.ones((4, 3)), np.arange(4.0), np.zeros(4, np.int8), np.full(3, 5.0), {"max_force": 1e-9}),
    ],
)
def test_round_trip(tmp_path, record):
    path = save(tmp_path / "x.h5", record, provenance(config={"seed": 3}, seeds={"a": 1}, stage="test"))
    back = load(path, record.KIND)
    for name, value in record._arrays():
        np.testing.assert_array_equal(getattr(back, name), value)
    assert back.metadata == record.metadata
    prov = read_provenance(path)
    assert prov["config"] == {"seed": 3} and prov["stage"] == "test"
    assert "glassdyn" in prov["versions"] and "lammps" not in prov["versions"]  # io knows no LAMMPS


def test_provenance_appends_the_callers_software_after_the_python_stack():
    prov = provenance(stage="test", software={"lammps": "20240829"})
    assert list(prov["versions"]) == ["glassdyn", "python", "numpy", "h5py", "hdf5", "lammps"]
    assert prov["versions"]["lammps"] == "20240829"
    assert "lammps" not in provenance(stage="test")["versions"]  # the cached versions() is not mutated


def test_md_runtime_reports_the_lammps_version_for_provenance():
    from glassdyn.md.runtime import software_versions

    lammps = software_versions()["lammps"]
    assert lammps == "unavailable" or (lammps.isdigit() and len(lammps) == 8)


def test_same_content_gives_byte_identical_files(tmp_path):
    digests = []
    for name in ("a.h5", "b.h5"):
        path = save(tmp_path / name, _ensemble(), {"seeds": {"x": 1}})
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError):
        with atomic_h5(target) as f:
            f["x"] = np.arange(3)
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_incomplete_file_is_refused(tmp_path):
    path = save(tmp_path / "x.h5", _structure())
    with h5py.File(path, "a") as f:
        del f.attrs["complete"]
    with pytest.raises(DataFileError, match="incomplete"):
        load(path)


def test_missing_key_is_named(tmp_path):
    path = save(tmp_path / "x.h5", _structure())
    with h5py.File(path, "a") as f:
        del f["types"]
    with pytest.raises(DataFileError, match=r"x\.h5: key 'types': missing"):
        load(path)


def test_wrong_kind_and_bad_shape_and_nan(tmp_path):
    path = save(tmp_path / "x.h5", _structure())
    with pytest.raises(DataFileError, match="expected a 'isoconfigurational' file"):
        load(path, "isoconfigurational")
    bad = _structure()
    bad.positions = bad.positions[:, :2]
    with pytest.raises(DataFileError, match="key 'positions': shape"):
        save(tmp_path / "y.h5", bad)
    nan = _structure()
    nan.positions[3, 1] = np.nan
    with pytest.raises(DataFileError, match="key 'positions': contains NaN"):
        save(tmp_path / "z.h5", nan)
    assert not (tmp_path / "y.h5").exists() and not (tmp_path / "z.h5").exists()


def test_not_hdf5(tmp_path):
    p = tmp_path / "junk.h5"
    p.write_text("hello")
    with pytest.raises(DataFileError, match="not a readable HDF5"):
        load(p)
