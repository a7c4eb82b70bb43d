"""A killed cage-state chain or training resumes from its checkpoint and ends bit for bit where
an uninterrupted run ends (issue 20: kill, resume, compare bytes)."""

import dataclasses

import numpy as np
import pytest

from glassdyn.md.checkpoint import Checkpoint


class Killed(Exception):
    """Stands for the SIGKILL of a job: raised right after the n-th checkpoint is on disk."""


class KilledAfter(Checkpoint):
    def __init__(self, path, identity, saves: int):
        super().__init__(path, identity, interval=0.0)
        self.saves = saves

    @classmethod
    def like(cls, checkpoint: Checkpoint, saves: int) -> "KilledAfter":
        """The same checkpoint (path, identity), killed after ``saves`` writes."""
        killed = cls(checkpoint.path, {}, saves)
        killed.identity = checkpoint.identity
        return killed

    def save(self, arrays, progress, *, force=False):
        written = super().save(arrays, progress, force=force)
        self.saves -= written
        if self.saves == 0:
            raise Killed
        return written


def _kill_and_resume(tmp_path, run, saves, identity=None):
    """run(checkpoint) killed after ``saves`` checkpoints, then run again from the file."""
    path, identity = tmp_path / f"killed-{saves}.checkpoint", identity or {"run": 1}
    with pytest.raises(Killed):
        run(KilledAfter(path, identity, saves))
    assert path.exists()
    resumed = run(Checkpoint(path, identity, interval=0.0))
    return resumed


# -- cage states ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def liquid():
    from conftest import lattice_configuration
    from glassdyn.systems import get_mixture

    m = get_mixture("kob_andersen_3d")
    rng = np.random.default_rng(4)
    length = m.box_length(100, 1.2)
    return (lattice_configuration(100, 3, length, rng, 0.08), rng.permutation(m.types(100)).astype(np.int64),
            np.full(3, length))


def _cage_chain(liquid, checkpoint=None):
    from glassdyn.descriptors.cage import CageStateMonteCarlo
    from glassdyn.systems import PairPotential, get_mixture

    mc = CageStateMonteCarlo(PairPotential(get_mixture("kob_andersen_3d"), "force_shifted"), 0.44,
                             n_equilibration_sweeps=40, n_sampling_sweeps=60, n_blocks=4, seed=5)
    return mc.compute(*liquid, checkpoint=checkpoint)


@pytest.mark.parametrize("saves", [2, 5, 7])  # in the equilibration, in a sampling block, at a block's end
def test_a_killed_cage_state_chain_resumes_bit_for_bit(tmp_path, liquid, saves):
    full = _cage_chain(liquid)
    resumed = _kill_and_resume(tmp_path, lambda c: _cage_chain(liquid, c), saves)
    for name in ("positions", "standard_error", "final_positions", "max_excursion"):
        assert np.array_equal(getattr(resumed, name), getattr(full, name)), name
    assert (resumed.acceptance, resumed.max_step_, resumed.n_refreshes) == (full.acceptance, full.max_step_, full.n_refreshes)


# -- GlassMLP and tGlassMLP ----------------------------------------------------------------------
torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _samples(n, seed, state=None):
    from glassdyn.models import Sample

    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x = rng.normal(size=(60, 5)).astype(np.float32)
        s = Sample(x, np.tanh(x[:, 0] - 0.5 * x[:, 1]) + 0.1 * rng.normal(size=60), rng.uniform(0, 8, (60, 2)),
                   np.array([8.0, 8.0]), np.arange(60), name=f"s{k}")
        s.columns = np.array([f"c{j}" for j in range(5)])
        if state is not None:
            s.state = state(k)
        out.append(s)
    return out


def _fit(make, train, validation, checkpoint_path=None):
    model = make()
    if checkpoint_path is not None:
        model.checkpoint_path, model.checkpoint_interval = str(checkpoint_path), 0.0
    return model.fit(train, validation)


def _same_model(a, b):
    pa, pb = a.get_parameters(), b.get_parameters()
    assert pa.keys() == pb.keys()
    for k in pa:
        assert np.array_equal(np.asarray(pa[k]), np.asarray(pb[k])), k
    assert a.describe() == b.describe()


def _glassmlp():
    from glassdyn.models import GlassMLP

    return GlassMLP(n_networks=2, seed=3, phases=[
        {"epochs": 6, "learning_rate": 1e-3},
        {"epochs": 30, "learning_rate": 1e-3, "patience": 3},
        {"epochs": 4, "learning_rate": 1e-4, "variance_weight": 1.0, "correlation_weight": 0.5}])


def _tglassmlp():
    from glassdyn.models.tglassmlp import TGlassMLP, TGlassPhase

    return TGlassMLP(n_networks=2, seed=4, phases=[TGlassPhase(5, 1e-3, loss="mse"), TGlassPhase(5, 1e-3, patience=2, loss="mse")])


def _tglass_state(k):
    return {"temperature": (0.3, 0.4)[k % 2], "mean_label": (0.5, 0.8)[k % 2], "time": float(1 + k % 2)}


@pytest.mark.parametrize("make,saves", [(_glassmlp, 3), (_glassmlp, 12), (_tglassmlp, 2), (_tglassmlp, 7)],
                         ids=["glassmlp in phase 1", "glassmlp in phase 2", "tglassmlp in phase 1", "tglassmlp in phase 2"])
def test_a_killed_training_resumes_bit_for_bit(tmp_path, monkeypatch, caplog, make, saves):
    from glassdyn.models import glassmlp

    state = _tglass_state if make is _tglassmlp else None
    train, validation = _samples(4, 1, state), _samples(2, 2, state)
    full = _fit(make, train, validation)
    path = tmp_path / "model.h5.checkpoint"
    # the n-th checkpoint kills the run: the model's own checkpoint is a KilledAfter
    real = glassmlp.training_checkpoint
    monkeypatch.setattr(glassmlp, "training_checkpoint", lambda m, t, v: KilledAfter.like(real(m, t, v), saves)
                        if not path.exists() else real(m, t, v))
    if make is _tglassmlp:
        from glassdyn.models import tglassmlp
        monkeypatch.setattr(tglassmlp, "training_checkpoint", glassmlp.training_checkpoint)
    with pytest.raises(Killed):
        _fit(make, train, validation, path)
    with caplog.at_level("INFO"):
        resumed = _fit(make, train, validation, path)
    phase = 1 if saves < 5 else 2
    assert any(f"resuming phase {phase} at epoch" in r.getMessage() for r in caplog.records)
    _same_model(resumed, full)


def test_a_checkpoint_of_other_data_is_not_resumed(tmp_path):
    path = tmp_path / "model.h5.checkpoint"
    train, validation = _samples(4, 1), _samples(2, 2)
    _fit(_glassmlp, train, validation, path)  # leaves its last checkpoint (the workflow removes it)
    other = _samples(4, 9)
    assert np.array_equal(_fit(_glassmlp, other, validation, path).predict(other[0]),
                          _fit(_glassmlp, other, validation).predict(other[0]))
