"""tGlassMLP (PRB 109, 064205): architecture, attention, training, save/load, two-step pieces.

Synthetic data only: a few small structures whose labels depend on the state point through
a state-dependent mix of two descriptors, so that the network must use the state input.
"""

import copy
import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from glassdyn.analysis.metrics import pearson  # noqa: E402
from glassdyn.models.base import load_model, save_model  # noqa: E402
from glassdyn.models.data import Sample  # noqa: E402
from glassdyn.models.glassmlp import count_parameters  # noqa: E402
from glassdyn.models.networks import TGlassNetwork  # noqa: E402
from glassdyn.models.tglassmlp import (  # noqa: E402
    PRB_PHASES,
    TGlassMLP,
    TGlassPhase,
    column_lengths,
    self_consistency_filter,
    self_consistent,
    state_features,
    state_point_means,
    train_two_step,
    with_state,
)

LENGTHS = (0.0, 1.0, 3.0)
COLUMNS = np.array([f"{o}_all_L{L:g}" for o in ("density", "epot") for L in LENGTHS])  # M_S = 6
BOX = np.array([8.0, 8.0])
N = 40  # particles per structure


def _structures(n_structures, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(N, len(COLUMNS))).astype(np.float32), rng.uniform(0, 8, (N, 2)))
            for _ in range(n_structures)]


def _labels(features, temperature, mean_label):
    """State-dependent structure-dynamics relation: which descriptor matters depends on T and C."""
    mix = (0.4 / temperature - 1.0) + (1.0 - mean_label)
    return mean_label + 0.1 * np.tanh(0.5 * (features[:, 0] + mix * features[:, 4]))


def _sample(structure, temperature, mean_label, k, time_value=None):
    x, positions = structure
    state = {"temperature": temperature, "mean_label": mean_label}
    if time_value is not None:
        state["time"] = time_value
    return Sample(x, _labels(x, temperature, mean_label), positions, BOX, np.arange(N), state=state, name=f"s{k}")


STATES = [(t, c) for t in (0.3, 0.4) for c in (0.5, 0.8)]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These networks are tiny: torch's intra-op threads only add overhead (10x on 2 busy cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return [_sample(s, t, c, k) for (t, c) in STATES for k, s in enumerate(_structures(3))]


@pytest.fixture(scope="module")
def trained(data):
    """Two networks overfitted on 12 small samples (4 state points x 3 structures); seconds."""
    phases = [TGlassPhase(80, 5e-3, loss="mse"), TGlassPhase(40, 1e-3, loss="mse"),
              TGlassPhase(3, 1e-4, variance_weight=1.0, correlation_weight=0.5, loss="glassmlp")]
    samples = [dataclasses.replace(s, columns=COLUMNS) for s in data]
    return TGlassMLP(n_networks=2, phases=phases, seed=3).fit(samples)


def _hand_count(m_s):
    """Parameters of one network, layer by layer (weights + biases), PRB App. B."""
    mlp1 = (6 * 6 + 6) + (6 * 6 + 6) + (6 * 2 + 2)  # state 6 -> 6 -> 6 -> 2
    attention = 4 * m_s  # f_1 ... f_4 per descriptor, eq. 5
    bottleneck = m_s * 2 + 2  # M_S -> 2
    mlp2 = (6 * 7 + 7) + (7 * 7 + 7) + (7 * 4 + 4)  # state 6 -> 7 -> 7 -> 4
    head = (6 * 10 + 10) + (10 * 10 + 10) + (10 * 1 + 1)  # concat(2, 4) -> 10 -> 10 -> 1
    return mlp1 + attention + bottleneck + mlp2 + head


def test_state_features():
    np.testing.assert_allclose(state_features(0.5, 0.8), [2, 4, 8, 0.8, 0.64, 0.512])
    assert state_features([0.5, 0.25], [0.8, 0.1]).shape == (2, 6)
    with pytest.raises(ValueError):
        state_features(0.0, 0.5)


@pytest.mark.parametrize("m_s", [6, 176])
def test_parameter_count(m_s):
    net = TGlassNetwork(m_s, n_networks=3)
    assert net.attention.shape == (3, 4, m_s)
    assert net.attention[0].numel() == 4 * m_s
    assert net.n_parameters_per_network() == _hand_count(m_s) == 6 * m_s + 428
    assert _hand_count(m_s) == (count_parameters((6, 6, 6, 2)) + 4 * m_s + count_parameters((m_s, 2))
                                + count_parameters((6, 7, 7, 4)) + count_parameters((6, 10, 10, 1)))
    if m_s == 176:
        assert net.n_parameters_per_network() == 1484


def _np(t):
    return t.detach().numpy().astype(float)


def _elu(v):
    return np.where(v > 0, v, np.expm1(np.minimum(v, 0)))


def _mlp(part, e, h):
    """Network e of an EnsembleMLP in numpy: ELU after every layer but the last."""
    for k, (w, b) in enumerate(zip(part.weights, part.biases)):
        h = h @ _np(w[e]) + _np(b[e])
        h = _elu(h) if k < len(part.weights) - 1 else h
    return h


def test_attention_layer_equations():
    """eqs. 5-7 and the rest of the forward pass in numpy: A = S f1 + z1 f2 + z2 f3 + f4,
    w = softmax(A), S_out = S w, bottleneck ELU(S_out W + b), concat MLP2, 10 -> 10 -> 1."""
    net = TGlassNetwork(6, n_networks=2, seed=1)
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(size=(N, 6)).astype(np.float32))
    s = torch.as_tensor(rng.normal(size=(2, 6)).astype(np.float32))
    with torch.no_grad():
        net.attention.normal_()  # non-trivial f
        w, out = net.weights(x, s).numpy(), net(x, s).numpy()
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-6)
    f, xs = _np(net.attention), x.numpy().astype(float)
    for e in range(2):
        z = _mlp(net.mlp1, e, _np(s[e])[None])[0]  # MLP1_out^1, MLP1_out^2
        a = xs * f[e, 0] + z[0] * f[e, 1] + z[1] * f[e, 2] + f[e, 3]
        expected = np.exp(a - a.max(1, keepdims=True))
        expected /= expected.sum(1, keepdims=True)
        np.testing.assert_allclose(w[e], expected, rtol=1e-5, atol=1e-7)
        encoded = _elu(_mlp(net.bottleneck, e, xs * expected))  # S_out = S w, then ELU
        state = np.repeat(_mlp(net.mlp2, e, _np(s[e])[None]), N, axis=0)
        prediction = _mlp(net.head, e, np.concatenate([encoded, state], axis=1))[:, 0]
        np.testing.assert_allclose(out[e], prediction, rtol=1e-4, atol=1e-5)


def test_model_attention_weights_sum_to_one(trained, data):
    w = trained.attention_weights(data[0])
    assert w.shape == (N, len(COLUMNS))
    assert np.all(w > 0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-6)


def test_overfits_multi_state_points(trained, data):
    predictions = [trained.predict(s, constrain_mean=False) for s in data]
    per_sample = [pearson(s.target, p) for s, p in zip(data, predictions)]
    assert min(per_sample) > 0.99, per_sample
    assert pearson(np.concatenate([s.target for s in data]), np.concatenate(predictions)) > 0.99
    assert [h["loss"] for h in trained.history] == ["mse", "mse", "glassmlp"]
    assert np.all(np.isfinite(trained.history[-1]["train_loss"]))


def test_save_load_round_trip(trained, data, tmp_path):
    model = copy.deepcopy(trained)
    model.active = np.array([True, False])
    save_model(tmp_path / "t.h5", model)
    loaded = load_model(tmp_path / "t.h5")
    assert isinstance(loaded, TGlassMLP) and loaded.PER_TIME is False
    assert loaded.hyperparameters() == model.hyperparameters()
    np.testing.assert_array_equal(loaded.active, [True, False])
    np.testing.assert_array_equal(loaded.columns_, COLUMNS)
    for key, value in model.get_parameters().items():
        np.testing.assert_array_equal(loaded.get_parameters()[key], value)
    for constrain in (False, True):
        np.testing.assert_array_equal(loaded.predict(data[5], constrain_mean=constrain),
                                      model.predict(data[5], constrain_mean=constrain))
    np.testing.assert_array_equal(loaded.attention_weights(data[5]), model.attention_weights(data[5]))


def _shift_output(model, network, shift):
    with torch.no_grad():
        model.network.head.biases[-1][network] += shift


def test_self_consistency_filter(trained, data):
    model = copy.deepcopy(trained)
    t, c = 0.25, 0.65  # an unseen state point
    structures = [with_state(s, t, c) for s in data[:3]]
    means = model.network_mean_predictions(structures, {"temperature": t, "mean_label": c})
    # network 0: output bias set so its mean prediction is c by design; network 1: off by 0.01
    _shift_output(model, 0, c - means[0])
    _shift_output(model, 1, c + 0.01 - means[1])
    means = model.network_mean_predictions(structures, {"temperature": t, "mean_label": c})
    assert abs(means[0] - c) < 1e-6 and abs(means[1] - c - 0.01) < 1e-6
    np.testing.assert_array_equal(self_consistent(means, c), [True, False])
    np.testing.assert_array_equal(self_consistency_filter(model, structures, c), [0])
    np.testing.assert_array_equal(self_consistency_filter(model, structures, c, tolerance=0.02), [0, 1])
    # a list of models: each one candidate (mean over its active networks)
    good, bad = copy.deepcopy(model), copy.deepcopy(model)
    good.active, bad.active = np.array([True, False]), np.array([False, True])
    np.testing.assert_array_equal(self_consistency_filter([bad, good], structures, c, temperature=t), [1])


def test_mean_constraint_pulls_mean_to_target(trained, data):
    model = copy.deepcopy(trained)
    state = {"temperature": 0.3, "mean_label": 0.65}
    structures = data[:3]
    means = model.network_mean_predictions(structures, state)
    _shift_output(model, 1, 0.65 + 0.01 - means[1])  # network 1: mean prediction 0.01 too high
    free = model.predict_set_networks(structures, state, constrain_mean=False)
    constrained, record = model.constrained_predictions(structures, state, constrain_mean=True)
    for a, b in zip(constrained, model.predict_set_networks(structures, state, constrain_mean=True)):
        np.testing.assert_array_equal(a, b)
    free_dev = np.array([np.mean([p[e].mean() for p in free]) for e in range(2)]) - 0.65
    dev = np.abs(record["mean_deviation"])
    assert np.all(dev <= np.abs(free_dev) + 1e-12)
    assert dev[1] < 0.3 * abs(free_dev[1])  # the shifted network is pulled back
    assert record["input_mean_label"][1] < 0.65  # by lowering its input C
    assert not hasattr(model, "last_constraint")  # predicting writes nothing to the model
    # predictions are the mean over the active networks of the constrained predictions
    np.testing.assert_allclose(model.predict_set(structures, state)[0], constrained[0].mean(axis=0))


def test_intrinsic_length_hand_set_attention(trained, data):
    model = copy.deepcopy(trained)
    lengths = column_lengths(COLUMNS)
    np.testing.assert_array_equal(lengths, [0, 1, 3, 0, 1, 3])
    with torch.no_grad():
        model.network.attention.zero_()
        model.network.attention[:, 3] = torch.as_tensor(np.where(lengths == 3.0, 30.0, -30.0))  # f_4
    result = model.intrinsic_length(data[:3])
    np.testing.assert_array_equal(result.lengths, LENGTHS)
    np.testing.assert_allclose(result.probability, [0, 0, 1], atol=1e-12)
    assert result.xi == pytest.approx(3.0, abs=1e-10)
    # explicit lengths; uniform attention weights give the plain mean of the lengths
    with torch.no_grad():
        model.network.attention.zero_()
    result = model.intrinsic_length(data[:3], lengths=lengths)
    np.testing.assert_allclose(result.probability, 1 / 3, rtol=1e-6)
    assert result.xi == pytest.approx(4 / 3, rel=1e-6)


def test_state_point_mean_is_the_average_over_structures():
    """make_sample's per-structure mean label must not reach the network: fit groups by (T, t)."""
    structures = _structures(3, seed=5)
    samples = [_sample(s, 0.4, 0.7, k, time_value=10.0) for k, s in enumerate(structures)]
    for s in samples:
        s.state["mean_label"] = float(s.target.mean())  # as make_sample does
    expected = np.mean([s.target for s in samples])
    np.testing.assert_allclose(state_point_means(samples), expected)
    model = TGlassMLP(phases=[TGlassPhase(1, 1e-3, loss="mse")]).fit(samples)
    np.testing.assert_allclose(model.state_points, [[0.4, 10.0, expected]])
    assert model.resolve_state(samples[1]) == (0.4, pytest.approx(expected))
    assert model.resolve_state(samples[1], {"temperature": 0.3, "mean_label": 0.5}) == (0.3, 0.5)


def test_prb_phases():
    assert [(p.epochs, p.learning_rate, p.loss) for p in PRB_PHASES] == [
        (10, 1e-3, "mse"), (50, 5e-4, "mse"), (25, 2e-4, "mse"), (50, 4e-5, "glassmlp")]
    assert (PRB_PHASES[-1].variance_weight, PRB_PHASES[-1].correlation_weight) == (1.0, 0.5)
    with pytest.raises(ValueError):
        TGlassPhase(1, 1e-3, variance_weight=1.0, loss="mse")


def test_train_two_step_plumbing():
    structures = _structures(2, seed=9)
    labelled = {(t, c): [_sample(s, t, c, k) for k, s in enumerate(structures)] for t in (0.3, 0.4) for c in (0.5, 0.8)}
    cold = [dataclass_without_labels(s) for s in _structures(2, seed=11)]
    targets = {(0.25, 0.5): cold, (0.25, 0.8): cold}
    options = {"phases": [{"epochs": 3, "learning_rate": 1e-3, "loss": "mse"}]}
    # a tolerance every network passes: the plumbing, not the filter, is tested here
    result = train_two_step(labelled, 0.3, targets, n_candidates=2, model_options=options, tolerance=10.0)
    assert sorted(result.equal_time) == [0.5, 0.8]
    assert len(result.transferred) == 4
    for s in result.transferred:
        assert s.state["temperature"] == 0.25 and s.state["transferred"]
    first = result.transferred[0]
    assert first.state["mean_label"] == 0.5
    assert result.report["step1"]["T=0.25,C=0.5"]["passing"] == [0, 1]
    # the distilled labels are the mean prediction of the passing step-1 networks
    expected = result.equal_time[0.5].predict_set_networks([cold[0]], first.state, constrain_mean=False,
                                                           networks=[0, 1])[0].mean(0)
    np.testing.assert_allclose(first.target, expected)
    assert result.report["final_networks"] == [0, 1] and result.model.active.all()
    assert not result.report["fallback"] and result.model.two_step_ == result.report
    assert result.model.describe()["two_step"] == result.report  # saved with the model
    # nothing passes a zero tolerance: the closest network is kept so the model can predict
    result = train_two_step(labelled, 0.3, {(0.25, 0.5): cold}, n_candidates=2, model_options=options,
                            tolerance=0.0)
    assert result.transferred == [] and result.report["fallback"]
    assert result.model.active.sum() == 1


def dataclass_without_labels(structure):
    x, positions = structure
    return Sample(x, None, positions, BOX, np.arange(N), name="cold")


def test_equal_time_states_take_the_md_time_nearest_each_grid_value():
    """MD times miss the <C_B> grid: within grid_tolerance the nearest state per temperature trains."""
    from glassdyn.models.tglassmlp import _equal_time_states

    states = {(0.4, 0.88): [], (0.4, 0.91): [], (0.3, 0.93): [], (0.2, 0.9): [], (0.4, 0.79): []}
    assert _equal_time_states(states, 0.9, [0.9, 0.7], 0.3, 0.05) == [(0.3, 0.93), (0.4, 0.91)]
    assert _equal_time_states(states, 0.7, [0.9, 0.7], 0.3, 0.05) == []  # 0.79 is 0.09 away
    assert _equal_time_states(states, 0.7, [0.9, 0.7], 0.3, 0.1) == [(0.4, 0.79)]
    assert _equal_time_states(states, 0.9, [0.9, 0.7], 0.3, 0.0) == []  # exact matches only


def test_a_state_point_where_no_particle_relaxed_is_left_out_of_training(data):
    """C_B = 1 on every particle (the earliest MD times): the GlassMLP loss divides by the
    label's variance, so such samples would turn the networks into NaN; they are left out."""
    frozen = [dataclasses.replace(s, target=np.ones(N), state={"temperature": 0.4, "mean_label": 1.0}, name=f"frozen{k}")
              for k, s in enumerate(data[:2])]
    phases = [TGlassPhase(2, 1e-3, loss="mse"), TGlassPhase(2, 1e-4, variance_weight=1.0, correlation_weight=0.5,
                                                             loss="glassmlp")]
    model = TGlassMLP(n_networks=2, phases=phases, seed=3).fit(list(data) + frozen, frozen[:1])
    assert all(np.isfinite(h["train_loss"]).all() for h in model.history)
    assert np.isfinite(model.predict(data[0])).all()
