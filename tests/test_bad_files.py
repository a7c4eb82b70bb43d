"""Every bad data or model file is refused in one line naming the file (and the key), and nothing
is left behind: the import stages on real layouts (BOTAN, GlassBench, DeepMind), ``glassdyn
predict`` and ``glassdyn show``, and :func:`glassdyn.io.load`."""

import os
import pickle
from pathlib import Path

import h5py
import numpy as np
import pytest

from glassdyn.cli import main as cli
from glassdyn.config import validate_config
from glassdyn.io import DataFileError, Structure, load, save
from glassdyn.workflow.imports import import_isoconfigurational, import_labels
from glassdyn.workflow.planning import stage_config
from glassdyn.workflow.runtime import Job

N, BOX = 64, 5.2  # the box holds the 2.5 sigma cut-off twice (GlassBench energies)


def _positions(rng, d=3):
    return rng.uniform(0, BOX, (N, d))


def _types(third=False):
    types = np.array([0] * 48 + [1] * 16)
    if third:
        types[-1] = 2
    return types


def _botan(rng, **override):
    x0 = _positions(rng)
    data = {"types": _types(), "initial_positions": x0, "positions": x0[None] + rng.normal(0, 0.1, (3, N, 3))}
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def _glassbench(rng, **override):
    data = {"types": _types() + 1, "initial_positions": _positions(rng), "initial_positions_inherent": _positions(rng),
            "initial_positions_cage": _positions(rng), "md_prop": rng.uniform(0, 1, (2, N)), "bb_prop": rng.uniform(0, 1, (2, N))}
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def _deepmind(rng, **override):
    x0 = _positions(rng)
    data = {"positions": x0, "types": _types(), "box": np.full(3, BOX), "time": np.array([0.1, 1.0, 10.0]),
            "time_indices": np.array([1, 2]), "is_values": np.array([0.5, 0.2]),
            "trajectory_target_positions": [[x0 + rng.normal(0, 0.1, x0.shape) for _ in range(2)] for _ in range(2)],
            "metadata": {"temperature": 0.44}}
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def _npz(data):
    def write(path):
        np.savez(path, **data)
    return write


def _truncated(data, keep=0.5):
    def write(path):
        np.savez(path, **data)
        raw = path.read_bytes()
        path.write_bytes(raw[: int(len(raw) * keep)])
    return write


def _raw(content: bytes):
    return lambda path: path.write_bytes(content)


def _renamed_npy(path):
    np.save(path.with_suffix(".npy"), np.zeros((N, 3)))
    os.replace(path.with_suffix(".npy"), path)


class _Crafted:
    """A pickle that runs code while it loads (it would create a file)."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def _pickled(data):
    return lambda path: path.write_bytes(pickle.dumps(data, protocol=4))


rng = np.random.default_rng(0)
#: (format, case, writer of the bad file, text the one-line message holds besides the file)
CASES = [
    *[(fmt, case, write, text) for fmt, make in (("botan", _botan), ("glassbench", _glassbench)) for case, write, text in [
        ("empty", _raw(b""), "empty file"),
        ("truncated", _truncated(make(rng)), "archive"),
        ("truncated near the end", _truncated(make(rng), 0.98), "archive"),
        ("an .npy renamed", _renamed_npy, "not an .npz archive"),
        ("text", _raw(b"types initial_positions\n0 0.1 0.2\n"), "archive"),
        ("complex positions", _npz(make(rng, initial_positions=_positions(rng) + 0.5j)), "key 'initial_positions': expected real numbers, got complex"),
        ("text types", _npz(make(rng, types=np.array(["A"] * N))), "key 'types': expected real numbers, got text"),
        ("NaN positions", _npz(make(rng, initial_positions=np.full((N, 3), np.nan))), "key 'initial_positions': contains NaN"),
        ("no types", _npz(make(rng, types=None)), "key 'types': missing"),
        ("a third species", _npz(make(rng, types=_types(third=True) + (fmt == "glassbench"))),
         "key 'types': 3 species" if fmt == "botan" else "key 'types': 3 species (1, 2, 3 in the file), but the mixture has 2"),
        ("flat positions", _npz(make(rng, initial_positions=np.zeros(N))), "key 'initial_positions': expected 2 dimensions"),
    ]],
    ("botan", "replicas of another size", _npz(_botan(rng, positions=np.zeros((3, N - 1, 3)))), "key 'positions': expected"),
    ("glassbench", "labels of another size", _npz(_glassbench(rng, md_prop=np.zeros((2, N - 1)))), "key 'md_prop': expected"),
    ("glassbench", "no cage state", _npz(_glassbench(rng, initial_positions_cage=None)), "key 'initial_positions_cage': missing"),
    ("deepmind", "empty", _raw(b""), "not a readable pickle (EOFError"),
    ("deepmind", "truncated", lambda p: p.write_bytes(pickle.dumps(_deepmind(rng))[:500]), "not a readable pickle"),
    ("deepmind", "not a pickle", _raw(b"positions: 1\n"), "not a readable pickle"),
    ("deepmind", "crafted to run code", lambda p: p.write_bytes(pickle.dumps({"positions": _Crafted(p.parent / "ran")})),
     "the pickle asks for posix.system, which a data file does not need; refused"),
    ("deepmind", "a list", _pickled([1, 2, 3]), "expected a dict, got list"),
    ("deepmind", "no positions", _pickled(_deepmind(rng, positions=None)), "key 'positions': missing"),
    ("deepmind", "index beyond the times", _pickled(_deepmind(rng, time_indices=np.array([1, 5]))), "key 'time_indices': index outside 'time'"),
    ("deepmind", "a third species", _pickled(_deepmind(rng, types=_types(third=True))), "key 'types': 3 species"),
    ("deepmind", "complex box", _pickled(_deepmind(rng, box=np.full(3, BOX) + 1j)), "key 'box': expected real numbers, got complex"),
]


def _import_job(tmp_path, fmt, source):
    system = {"mixture": "kob_andersen_3d", "source": {"format": fmt, **({} if fmt == "deepmind" else {"box": BOX})},
              "state_points": [{"temperature": 0.44, "tau_alpha": 10.0, "files": str(source),
                                **({} if fmt == "deepmind" else {"times": [1.0] if fmt == "botan" else [1.0, 10.0]})}]}
    system = validate_config({"systems": {"pub": system}})["systems"]["pub"]
    rule = "import_labels" if fmt == "glassbench" else "import_isoconfigurational"
    out = tmp_path / "results"
    outputs = {"structure": out / "s.h5", "ensemble": out / "e.h5"} if rule == "import_isoconfigurational" else \
        {k: out / f"{k}.h5" for k in ("structure", "labels", "inherent_structure", "cage_state")}
    job = Job(rule=rule, wildcards={"system": "pub", "temperature": "0.44", "structure": "00000"},
              params={"config": stage_config(rule, system, "0.44"), "seed": 1}, input={"source": str(source)},
              output={k: str(v) for k, v in outputs.items()})
    return (import_labels if fmt == "glassbench" else import_isoconfigurational), job, out


@pytest.mark.parametrize("fmt,case,write,text", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_a_bad_data_file_is_refused_in_one_line_and_nothing_is_left(tmp_path, fmt, case, write, text):
    source = tmp_path / ("structure_0.pickle" if fmt == "deepmind" else "structure_0.npz")
    write(source)
    stage, job, out = _import_job(tmp_path, fmt, source)
    with pytest.raises(DataFileError) as info:
        stage(job)
    message = str(info.value)
    assert message.startswith(f"{source}: ") and text in message and "\n" not in message, message
    assert not out.exists() or list(out.iterdir()) == []  # no output, no temporary
    assert not (tmp_path / "ran").exists()  # no code from the file ran


def test_the_good_files_of_the_table_import(tmp_path):
    # the table's files differ from these in one thing each: the refusals are about that thing
    for fmt, data in (("botan", _npz(_botan(rng))), ("glassbench", _npz(_glassbench(rng))), ("deepmind", _pickled(_deepmind(rng)))):
        source = tmp_path / fmt / ("structure_0.pickle" if fmt == "deepmind" else "structure_0.npz")
        source.parent.mkdir()
        data(source)
        stage, job, out = _import_job(tmp_path / fmt, fmt, source)
        stage(job)
        assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in job.output.values())


# -- glassdyn predict and show, io.load ----------------------------------------------------------
@pytest.fixture
def model_file(tmp_path):
    from glassdyn.models import RidgeRegression, Sample, save_model

    r = np.random.default_rng(1)
    samples = []
    for k in range(4):
        x = r.normal(size=(N, 3)).astype(np.float32)
        s = Sample(x, x[:, 0], _positions(r), np.full(3, BOX), np.arange(N), name=f"s{k}")
        s.columns, s.descriptor_set, s.label, s.particle_type = np.array(["a", "b", "c"]), "x", "propensity", 0
        s.state = {"temperature": 0.44, "time": 10.0, "time_index": 0, "mean_label": 0.0}
        samples.append(s)
    path = tmp_path / "t000.h5"
    save_model(path, RidgeRegression().fit(samples[:3], samples[3:]), info={"model": "cage-ridge", "system": "ka3d"})
    return path


def _cli(capsys, *argv):
    code = cli([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    return code, err


def _damaged(kind):
    def write(path, good):
        raw = good.read_bytes()
        if kind == "truncated":
            path.write_bytes(raw[: len(raw) // 2])
        elif kind == "zeroed":
            path.write_bytes(raw[:512] + bytes(len(raw) - 512))
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "another HDF5":
            with h5py.File(path, "w") as f:
                f.attrs["format"] = "something else"
        elif kind == "incomplete":
            path.write_bytes(raw)
            with h5py.File(path, "a") as f:
                f.attrs["complete"] = False
        elif kind == "no parameters":
            path.write_bytes(raw)
            with h5py.File(path, "a") as f:
                del f["parameters"]
        elif kind == "a data file":
            save(path, Structure(positions=np.zeros((2, 3)), types=np.zeros(2, dtype=np.int8), box=np.ones(3)))
        elif kind == "a folder":
            path.mkdir()
    return write


MODEL_DAMAGE = ["truncated", "zeroed", "empty", "another HDF5", "incomplete", "no parameters", "a data file", "a folder", "missing"]


@pytest.mark.parametrize("command", ["show", "predict"])
@pytest.mark.parametrize("damage", MODEL_DAMAGE)
def test_a_bad_model_file_is_refused_in_one_line(tmp_path, capsys, model_file, command, damage):
    bad = tmp_path / "bad.h5"
    if damage != "missing":
        _damaged(damage)(bad, model_file)
    out = tmp_path / "p.h5"
    argv = ["show", bad] if command == "show" else ["predict", bad, "--descriptors", tmp_path / "d.h5", "-o", out]
    code, err = _cli(capsys, *argv)
    assert code == 1 and err.startswith(f"glassdyn {command}: {bad}: ") and "\n" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"t000.h5", "bad.h5"} - ({"bad.h5"} if damage == "missing" else set()))


def test_predict_names_the_descriptor_file_and_refuses_a_folder_to_write(tmp_path, capsys, model_file):
    from glassdyn.io import Descriptors

    other = tmp_path / "only_type1.h5"
    save(other, Descriptors(values=np.zeros((N, 3), dtype=np.float32), names=np.array(["a", "b", "c"]),
                            types=np.ones(N, dtype=np.int8), box=np.full(3, BOX)))
    code, err = _cli(capsys, "predict", model_file, "--descriptors", other, "-o", tmp_path / "p.h5")
    assert (code, err) == (1, f"glassdyn predict: {other}: no particles of type 0")
    code, err = _cli(capsys, "predict", model_file, "--descriptors", tmp_path / "none.h5", "-o", tmp_path / "p.h5")
    assert (code, err) == (1, f"glassdyn predict: {tmp_path / 'none.h5'}: no such file")
    code, err = _cli(capsys, "predict", model_file, "--descriptors", other, "-o", tmp_path)
    assert code == 1 and err.startswith(f"glassdyn predict: -o {tmp_path}: a folder")
    assert not (tmp_path / "p.h5").exists() and not list(tmp_path.glob(".*tmp*"))


def test_show_summarises_and_json_is_the_record(capsys, model_file):
    import json

    assert cli(["show", str(model_file)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[:3] == [str(model_file), "  model        cage-ridge (ridge)", "  predicts     propensity of particle type 0"]
    assert cli(["show", "--json", str(model_file)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["kind"] == "ridge" and record["info"]["system"] == "ka3d"


def test_show_into_a_closed_pipe_ends_quietly(model_file):
    import subprocess
    import sys

    run = subprocess.run(f"{sys.executable} -m glassdyn.cli show {' '.join([str(model_file)] * 200)} | head -1",
                         shell=True, capture_output=True, text=True, timeout=120)
    assert run.stdout == f"{model_file}\n" and run.stderr == "", run.stderr


@pytest.mark.parametrize("damage", ["truncated", "zeroed", "empty", "another HDF5", "incomplete", "a folder"])
def test_io_load_refuses_a_damaged_or_half_written_file_with_data_file_error(tmp_path, damage):
    good = tmp_path / "good.h5"
    save(good, Structure(positions=np.zeros((2, 3)), types=np.zeros(2, dtype=np.int8), box=np.ones(3)))
    bad = tmp_path / "bad.h5"
    _damaged(damage)(bad, good)
    with pytest.raises(DataFileError) as info:
        load(bad)
    assert str(info.value).startswith(f"{bad}: ") and "\n" not in str(info.value)


def test_io_load_refuses_a_temporary_that_is_still_being_written(tmp_path):
    from glassdyn.io.data import atomic_h5

    target = tmp_path / "s.h5"
    with atomic_h5(target) as f:  # mid-write: datasets there, metadata and the complete flag not yet
        f.attrs["format"], f.attrs["kind"] = "glassdyn-1", "structure"
        f.create_dataset("positions", data=np.zeros((2, 3)))
        f.flush()
        (tmp,) = tmp_path.glob(".s.h5.*.tmp.h5")
        with pytest.raises(DataFileError) as info:
            load(tmp)
        assert str(info.value).startswith(f"{tmp}: ") and "\n" not in str(info.value)
