"""A killed job resumes from its checkpoint instead of starting over."""

import numpy as np

from glassdyn.md import EquilibrationProtocol, equilibrate_from_scratch, run_isoconfigurational
from glassdyn.md.checkpoint import Checkpoint


def test_isoconfigurational_resume_is_exact(tmp_path, ka3d, liquid):
    kwargs = dict(temperature=0.8, steps=[10, 100], timestep=0.004, replica_seeds=[4, 5, 6])
    path = tmp_path / "ens.h5.checkpoint"
    full = run_isoconfigurational(ka3d, liquid, **kwargs, checkpoint=Checkpoint(path, {"a": 1}, interval=0))
    # A checkpoint after replicas 1 and 2 stays behind, as if the job died during replica 3.
    assert path.exists()
    resumed = run_isoconfigurational(ka3d, liquid, **kwargs, checkpoint=Checkpoint(path, {"a": 1}, interval=0))
    assert resumed.metadata["replicas_from_checkpoint"] == 2
    # Replica 3 alone, in a fresh LAMMPS instance, reproduces the uninterrupted run bit for bit.
    assert np.array_equal(resumed.positions, full.positions)
    assert np.array_equal(resumed.potential_energy, full.potential_energy)
    # A replica depends only on the structure and its seed.
    alone = run_isoconfigurational(ka3d, liquid, **{**kwargs, "replica_seeds": [6]})
    assert np.array_equal(alone.positions[0], full.positions[2])


def test_checkpoint_of_other_inputs_is_ignored(tmp_path, ka3d, liquid):
    kwargs = dict(temperature=0.8, steps=[10], timestep=0.004, replica_seeds=[1, 2])
    path = tmp_path / "c"
    run_isoconfigurational(ka3d, liquid, **kwargs, checkpoint=Checkpoint(path, {"seed": 1}, interval=0))
    other = run_isoconfigurational(ka3d, liquid, **kwargs, checkpoint=Checkpoint(path, {"seed": 2}, interval=0))
    assert other.metadata["replicas_from_checkpoint"] == 0


def test_checkpoint_interval_limits_writes(tmp_path):
    ckpt = Checkpoint(tmp_path / "c", {"x": 1}, interval=3600)
    assert not ckpt.save({"a": np.arange(3)}, {"done": 1})
    assert ckpt.save({"a": np.arange(3)}, {"done": 1}, force=True)
    arrays, progress = ckpt.load()
    assert progress == {"done": 1} and arrays["a"].tolist() == [0, 1, 2]
    ckpt.remove()
    assert ckpt.load() is None


def test_matches_tells_a_checkpoint_of_these_inputs(tmp_path):
    ours = Checkpoint(tmp_path / "c.h5", {"a": 1}, interval=0)
    assert not ours.matches()
    ours.save({"x": [1.0]}, {"done": 1})
    assert ours.matches() and not Checkpoint(tmp_path / "c.h5", {"a": 2}).matches()


def test_equilibration_resumes_from_last_chunk(tmp_path, ka3d):
    protocol = EquilibrationProtocol(temperature=1.0, timestep=0.004, equilibration_time=2.0, melt_time=0.4, quench_time=0.4)
    path = tmp_path / "eq.checkpoint"
    first = equilibrate_from_scratch(ka3d, 200, 1.2, protocol, np.random.default_rng(1), checkpoint=Checkpoint(path, {}, interval=0))
    assert first.metadata["resumed"] is False
    _, progress = Checkpoint(path, {}).load()
    assert progress["phase"] == 2 and 0 < progress["done"] < protocol.steps(2.0)
    again = equilibrate_from_scratch(ka3d, 200, 1.2, protocol, np.random.default_rng(99), checkpoint=Checkpoint(path, {}, interval=0))
    assert again.metadata["resumed"] is True
    # Resumed from the saved state, not from the other seed's random start: it ends a few steps
    # of slightly different thermostat history away from the first run.
    d = again.positions - first.positions
    d -= first.box * np.round(d / first.box)
    assert np.abs(d).max() < 0.3
