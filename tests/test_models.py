"""Models: GlassMLP architecture and loss against hand computations, ridge against the closed
form, baselines, save/load round trips, scoring, and the workflow's structure split."""

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from glassdyn.analysis.metrics import pearson  # noqa: E402
from glassdyn.config import ConfigError, validate_config  # noqa: E402
from glassdyn.io import DataFileError, Descriptors, Labels, Predictions  # noqa: E402
from glassdyn.models import (  # noqa: E402
    GlassMLP, GlassMLPL1, RidgeRegression, Sample, SingleDescriptor, TrainingPhase, load_model, make_sample, save_model,
    split_validation,
)
from glassdyn.models.evaluation import predict_structure, score_predictions  # noqa: E402
from glassdyn.models.glassmlp import _Batch, count_parameters, correlation_kernel, spatial_correlation  # noqa: E402
from glassdyn.models.networks import EnsembleMLP  # noqa: E402
from glassdyn.models.recipes import RECIPES, build_model, expand_model_names, get_recipe  # noqa: E402
from glassdyn.workflow import SystemPlan  # noqa: E402


def _samples(n_samples, rng, n=120, m=12, box=10.0, noise=0.0):
    out = []
    for k in range(n_samples):
        x = rng.normal(size=(n, m)).astype(np.float32)
        y = np.tanh(x[:, 0] - 0.5 * x[:, 1]) + 0.3 * x[:, 2] ** 2 + noise * rng.normal(size=n)
        out.append(Sample(x, y, rng.uniform(0, box, (n, 2)), np.array([box, box]), np.arange(n), name=f"s{k}"))
    return out


def test_glassmlp_parameter_count_matches_hand_count():
    # PRL: M_S = 256 inputs, hidden 2, 10, 10, one output: "around 650" parameters.
    hand = (256 * 2 + 2) + (2 * 10 + 10) + (10 * 10 + 10) + (10 * 1 + 1)
    assert hand == 665
    assert count_parameters((256, 2, 10, 10, 1)) == hand
    assert EnsembleMLP((256, 2, 10, 10, 1), n_networks=3).n_parameters_per_network() == hand
    # KA 3D GlassMLP: 192 columns (4 observables x 16 lengths x 3 = types + all)
    assert count_parameters(GlassMLP().layer_sizes(192)) == 192 * 2 + 2 + 30 + 110 + 11


def test_ensemble_networks_are_independent():
    net = EnsembleMLP((5, 2, 3, 1), n_networks=2, seed=1)
    x = torch.randn(7, 5)
    out = net(x)
    assert out.shape == (2, 7, 1)  # (E, n, out): every output column, no selection
    torch.testing.assert_close(net(x.expand(2, 7, 5)), out)  # (n, in) is broadcast to every member
    single = EnsembleMLP((5, 2, 3, 1), n_networks=1)
    single.load_state([p[1:2].detach().clone() for p in net.parameters()])
    torch.testing.assert_close(single(x)[0], out[1])
    # a torch.nn.Module: parameters registered, state_dict round trip under the file's names
    assert isinstance(net, torch.nn.Module) and len(list(net.parameters())) == 6
    assert list(net.arrays()) == ["weight_0", "bias_0", "weight_1", "bias_1", "weight_2", "bias_2"]
    copy = EnsembleMLP((5, 2, 3, 1), n_networks=2, seed=99)
    copy.load_arrays(net.arrays())
    torch.testing.assert_close(copy(x), out)
    # ELU on hidden layers, linear output: a hand evaluation of network 0
    h = x
    for k, (w, b) in enumerate(zip(net.weights, net.biases)):
        h = h @ w[0] + b[0, 0]
        if k < 2:
            h = torch.where(h > 0, h, torch.exp(h) - 1)
    torch.testing.assert_close(h, out[0])


def test_loss_terms_match_hand_computation():
    rng = np.random.default_rng(3)
    n, box = 6, np.array([5.0, 5.0])
    pos = rng.uniform(0, 5, (n, 2))
    y = rng.uniform(0, 1, n)
    p = rng.uniform(0, 1, n)
    sample = Sample(np.zeros((n, 1), np.float32), y, pos, box, np.arange(n))

    class Identity:
        def transform(self, f):
            return f.astype(np.float32)

    batch = _Batch(sample, Identity(), (2.0, 4.0, 6.0), "cpu", with_kernel=True)
    pred = torch.tensor(p, dtype=torch.float32)[None]

    def corr(v, d):
        dv = v - v.mean()
        num = 0.0
        for i in range(n):
            for j in range(n):
                delta = pos[i] - pos[j]
                delta -= box * np.round(delta / box)
                num += dv[i] * dv[j] * np.exp(-((np.linalg.norm(delta) - d) ** 2) / 2)
        return num / (dv * dv).sum()

    mae = np.abs(p - y).mean() / np.sqrt(y.var())
    var = abs(p.var() - y.var()) / y.var()
    c_norm = abs(corr(y, 2.0) - corr(y, 6.0))
    spatial = sum(abs(corr(p, d) - corr(y, d)) for d in (2.0, 4.0, 6.0)) / c_norm
    only_mae = batch.loss(pred, TrainingPhase(1, 1e-3)).item()
    full = batch.loss(pred, TrainingPhase(1, 1e-3, variance_weight=1.0, correlation_weight=0.5)).item()
    assert only_mae == pytest.approx(mae, rel=1e-5)
    assert full == pytest.approx(mae + var + 0.5 * spatial, rel=1e-4)
    kernel = correlation_kernel(pos, box, (4.0,))
    assert spatial_correlation(torch.tensor(y, dtype=torch.float32), kernel).item() == pytest.approx(corr(y, 4.0), rel=1e-5)


def test_tiny_glassmlp_overfits_tiny_set():
    rng = np.random.default_rng(0)
    train = _samples(4, rng, n=150, m=6)
    phases = [TrainingPhase(400, 5e-3), TrainingPhase(200, 1e-3, variance_weight=1.0, correlation_weight=0.5)]
    model = GlassMLP(n_networks=2, hidden=(2, 10, 10), phases=phases, seed=1).fit(train)
    assert min(pearson(s.target, model.predict(s)) for s in train) > 0.99
    assert len(model.history) == 2 and model.history[0]["epochs"] == 400


def test_early_stopping_stops_and_restores_best():
    rng = np.random.default_rng(1)
    train, validation = _samples(2, rng, n=60, m=30), _samples(2, rng, n=60, m=30, noise=2.0)
    model = GlassMLP(n_networks=2, phases=[TrainingPhase(2000, 1e-2, patience=5)], seed=0)
    model.fit(train, validation)
    epochs = model.history[0]["epochs"]
    assert epochs < 2000  # overfits pure noise in validation: stops early
    # the restored networks are at least as good on validation as the last epoch's would be
    assert np.all(np.asarray(model.history[0]["validation_loss"]) < 2.0)


def test_glassmlp_l1_refuses_loss_weights_and_uses_two_phases():
    assert len(GlassMLPL1().phases) == 2
    assert all(p.variance_weight == 0 and p.correlation_weight == 0 for p in GlassMLPL1().phases)
    with pytest.raises(ValueError, match="MAE only"):
        GlassMLPL1(phases=[{"epochs": 1, "learning_rate": 1e-3, "variance_weight": 1.0}])


@pytest.mark.parametrize("make", [
    lambda: GlassMLP(n_networks=2, phases=[TrainingPhase(20, 1e-3), TrainingPhase(5, 1e-3, 1.0, 0.5, patience=2)], seed=4),
    lambda: RidgeRegression(alphas=[1e-3, 1.0, 1e3]),
])
def test_save_load_predict_is_identical(tmp_path, make):
    rng = np.random.default_rng(2)
    train, validation, test = _samples(3, rng), _samples(2, rng), _samples(1, rng)
    columns = np.array([f"c{k}" for k in range(12)])
    for s in train:
        s.columns, s.descriptor_set, s.label, s.particle_type = columns, "x", "bond_breaking", 1
        s.state = {"temperature": 0.44, "time": 4120.0, "time_index": 3, "mean_label": float(s.target.mean())}
    model = make().fit(train, validation)
    assert model.label_ == "bond_breaking" and model.particle_type_ == 1 and model.descriptor_set_ == "x"
    assert model.state_ == {"temperature": 0.44, "time": 4120.0, "time_index": 3,
                            "mean_label": pytest.approx(np.mean([s.target.mean() for s in train]))}
    save_model(tmp_path / "m.h5", model, {"stage": "test"}, info={"model": "mine"})
    again = load_model(tmp_path / "m.h5")
    assert type(again) is type(model) and again.hyperparameters() == model.hyperparameters()
    np.testing.assert_array_equal(again.predict(test[0]), model.predict(test[0]))
    assert again.label_ == "bond_breaking" and again.particle_type_ == 1 and again.state_ == model.state_
    assert again.descriptor_set_ == "x" and again.info_["model"] == "mine"
    np.testing.assert_array_equal(again.columns_, columns)


def test_load_model_rejects_other_files(tmp_path):
    with pytest.raises(DataFileError, match="no such model file"):
        load_model(tmp_path / "none.h5")
    import h5py

    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.attrs["format"] = "glassdyn-1"
    with pytest.raises(ValueError, match="not a glassdyn model"):
        load_model(tmp_path / "x.h5")


def test_ridge_matches_closed_form_and_selects_on_validation():
    rng = np.random.default_rng(5)
    train, validation = _samples(3, rng, m=8, noise=0.5), _samples(2, rng, m=8, noise=0.5)
    x = np.concatenate([s.features for s in train]).astype(float)
    y = np.concatenate([s.target for s in train])
    z = (x - x.mean(0)) / x.std(0)
    for alpha in (0.0, 0.1, 100.0):
        model = RidgeRegression(alphas=[alpha]).fit(train)
        w = np.linalg.solve(z.T @ z + alpha * np.eye(8), z.T @ (y - y.mean()))
        np.testing.assert_allclose(model.coef_, w, rtol=1e-5, atol=1e-8)
        assert model.intercept_ == pytest.approx(y.mean())
    scan = RidgeRegression(alphas=[1e-3, 1e5], refit=False).fit(train, validation)
    # a huge alpha shrinks every weight to ~0 but keeps the direction: the Pearson scores of
    # both candidates are computed and the better one is kept
    assert scan.alpha_ == [1e-3, 1e5][int(np.nanargmax(scan.validation_pearson_))]
    with pytest.raises(ValueError, match="validation"):
        RidgeRegression(alphas=[1.0, 2.0]).fit(train)


def test_single_descriptor_picks_sign_on_training_set():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(200, 1)).astype(np.float32)
    s = Sample(x, 3.0 - 2.0 * x[:, 0], None, np.array([5.0, 5.0]), np.arange(200))
    model = SingleDescriptor("density_L5").fit([s])
    assert model.sign_ == -1.0
    np.testing.assert_allclose(model.predict(s), s.target, rtol=1e-5, atol=1e-5)  # linear: exact after the map


def test_prediction_of_a_structure_and_scores():
    rng = np.random.default_rng(7)
    n = 50
    types = np.repeat([0, 1], [30, 20])
    values = rng.normal(size=(n, 3)).astype(np.float32)
    box = np.array([6.0, 6.0, 6.0])
    desc = Descriptors(values=values, names=np.array(["a", "b", "epot_inh_L5"]), types=types, box=box)
    truth = np.stack([2.0 * values[:, 2], values[:, 2] + rng.normal(0, 1, n)])
    labels = Labels(positions=rng.uniform(0, 6, (n, 3)), types=types, box=box, times=np.array([1.0, 2.0]), propensity=truth)
    model = SingleDescriptor("epot_inh_L5").fit([make_sample(desc, labels, 0, time_index=0, columns=["epot_inh_L5"])])
    assert model.particle_type_ == 0 and list(model.columns_) == ["epot_inh_L5"] and model.label_ == "propensity"
    pred = predict_structure([(0, model), (1, model)], desc, 2)
    assert np.isnan(pred[:, types == 1]).all() and np.isfinite(pred[:, types == 0]).all()
    record = Predictions(values=pred[None], structures=np.array([4]), times=labels.times, types=types[None], box=box)
    record.validate()
    scores = score_predictions(record, [labels], "propensity")
    assert scores["pearson"][0, 0, 0] == pytest.approx(1.0)
    assert scores["r2"][0, 0, 0] == pytest.approx(1.0)
    assert scores["pearson"][0, 1, 0] == pytest.approx(pearson(truth[1, :30], values[:30, 2]))
    assert np.isnan(scores["pearson"][0, :, 1]).all()
    with pytest.raises(KeyError, match="missing"):
        bad = Descriptors(values=values[:, :2], names=np.array(["a", "b"]), types=types, box=box)
        predict_structure([(0, model)], bad, 2)


def test_validation_split_and_transfer_time_matching():
    s = list(range(10))
    train, val = split_validation(s, 0.3)
    assert val == [7, 8, 9] and train == list(range(7))
    assert split_validation(s[:1], 0.5) == ([0], [])


def _config(**models):
    return validate_config({"systems": {"s": {
        "mixture": "kob_andersen_3d", "n_particles": 200, "density": 1.2, "n_structures": 12, "timestep": 0.005,
        "split": {"train": 8, "test": 4}, "descriptors": {"sets": ["glassmlp-prl", "cage", "baselines"]},
        "models": models, "state_points": [{"temperature": 0.5, "tau_alpha": 10.0, "times": [1.0, 10.0]}]}}})["systems"]["s"]


def test_workflow_split_is_by_structure_and_never_touches_test():
    plan = SystemPlan("s", _config(validation_fraction=0.25))
    split = plan.split("0.5")
    assert split == {"train": tuple(range(6)), "validation": (6, 7), "test": (8, 9, 10, 11)}
    assert plan.split("0.5", "n3")["train"] == (0, 1, 2)
    assert plan.split("0.5", "n3")["validation"] == (6, 7)
    with pytest.raises(ValueError, match="leaves 6 after the 2 validation"):
        plan.split("0.5", "n7")


def test_model_config_errors_are_clear():
    with pytest.raises(ConfigError, match="descriptor set 'tglassmlp-prb'"):
        _config(train=["glassmlp"], glassmlp={"descriptor_set": "tglassmlp-prb"})
    with pytest.raises(ConfigError, match="no baseline column"):
        _config(train=["baseline-theta"])  # Theta exists in 2D only
    with pytest.raises(ConfigError, match="beyond"):
        _config(time_indices=[2])
    assert expand_model_names(["baselines"], 2)[-4:] == ["baseline-theta", "baseline-theta_L5", "baseline-sbo", "baseline-sbo_cg_L1"]
    assert isinstance(build_model("baseline-psi6"), SingleDescriptor)
    assert build_model("glassmlp", {"n_networks": 3, "descriptor_set": "roadmap"}, seed=5).seed == 5


TINY_OPTIONS = {
    "glassmlp": {"n_networks": 2, "phases": [{"epochs": 2, "learning_rate": 1e-2}]},
    "glassmlp-l1": {"n_networks": 2, "phases": [{"epochs": 2, "learning_rate": 1e-2}]},
    "tglassmlp": {"n_networks": 2, "phases": [{"epochs": 2, "learning_rate": 1e-2, "loss": "mse"}]},
    "botan": {"n_cycles": 1, "hidden": 8, "epochs": 2, "device": "cpu"},
    "nt-gnn": {"n_cycles": 1, "hidden": 8, "epochs": 2, "device": "cpu"},
    "gnn-dm": {"n_cycles": 1, "hidden": 8, "epochs": 2, "device": "cpu"},
    "se3": {"n_layers": 1, "channels": 2, "l_max": 1, "epochs": 2, "device": "cpu"},
}


def _graph_samples(n_samples, seed):
    """Small random structures as graphs, with node and edge targets (graph models)."""
    from glassdyn.models.graphs import GraphSample, graph_edges

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_samples):
        box = np.full(3, 4.5)
        positions = rng.uniform(0, 4.5, (60, 3))
        pairs, vectors = graph_edges(positions, box)
        out.append(GraphSample(positions, (rng.random(60) < 0.3).astype(int), box, pairs, vectors,
                               target=rng.random(60), edge_target=rng.normal(size=len(pairs)),
                               energies=rng.normal(-7.0, 0.5, 60),
                               state={"time": 1.0, "mean_label": 0.5}, label="propensity"))
    return out


def _stated_samples(n_samples, seed):
    """Small samples with the state every model needs (tGlassMLP: temperature and time)."""
    samples = _samples(n_samples, np.random.default_rng(seed), n=30, m=4)
    for s in samples:
        s.state = {"temperature": 0.4, "time": 1.0, "mean_label": float(s.target.mean())}
    return samples


@pytest.mark.parametrize("name", [*RECIPES, "baseline-c0"])
def test_every_model_honours_the_seed_of_build_model(name):
    from glassdyn.models.base import param_names

    make = _graph_samples if get_recipe(name).graph else _stated_samples
    train, validation, test = make(3, 0), make(2, 1), make(1, 2)[0]

    def fitted(seed):
        torch.manual_seed(1234)  # the global RNG must not matter: only the model's seed does
        model = build_model(name, TINY_OPTIONS.get(name), seed=seed)
        if name.startswith("baseline-"):
            return model.fit([dataclasses.replace(s, features=s.features[:, :1]) for s in train]).predict(test)
        return model.fit(train, validation).predict(test)

    stochastic = "seed" in param_names(type(build_model(name, TINY_OPTIONS.get(name))))
    assert stochastic == (name in TINY_OPTIONS)
    if not stochastic:  # closed-form models: nothing random, the same fit every time
        np.testing.assert_array_equal(fitted(3), fitted(4))
        return
    assert build_model(name, TINY_OPTIONS[name], seed=17).seed == 17
    assert build_model(name, TINY_OPTIONS[name], seed=17).hyperparameters()["seed"] == 17
    np.testing.assert_array_equal(fitted(5), fitted(5))
    assert not np.array_equal(fitted(5), fitted(6))


def test_model_classes_must_name_their_arguments():
    from glassdyn.models.base import PropensityModel, param_names, register_model

    class Hidden(GlassMLP):
        KIND = "hidden-test"

        def __init__(self, n_networks=1, **kwargs):
            super().__init__(n_networks=n_networks, **kwargs)

    with pytest.raises(TypeError, match=r"^model class Hidden: __init__ takes \*\*kwargs"):
        register_model(Hidden)
    with pytest.raises(TypeError, match="Hidden"):
        Hidden().hyperparameters()
    assert param_names(GlassMLPL1) == param_names(GlassMLP)
    assert issubclass(GlassMLPL1, PropensityModel)


def test_hyperparameters_are_the_signature():
    phases = [TrainingPhase(3, 1e-3), TrainingPhase(2, 1e-4, 1.0, 0.5, patience=2)]
    assert GlassMLP(n_networks=2, phases=phases, seed=4).hyperparameters() == {
        "n_networks": 2, "hidden": [2, 10, 10],
        "phases": [{"epochs": 3, "learning_rate": 1e-3, "variance_weight": 0.0, "correlation_weight": 0.0, "patience": None},
                   {"epochs": 2, "learning_rate": 1e-4, "variance_weight": 1.0, "correlation_weight": 0.5, "patience": 2}],
        "distances": [2.0, 4.0, 6.0], "seed": 4, "kernel_memory_gib": 4.0, "device": "cpu"}
    assert RidgeRegression(alphas=[1.0, 2.0]).hyperparameters() == {"alphas": [1.0, 2.0], "refit": True}
    assert SingleDescriptor("psi6").hyperparameters() == {"column": "psi6"}
    l1 = GlassMLPL1(seed=9)
    assert type(l1)(**l1.hyperparameters()).hyperparameters() == l1.hyperparameters()


def test_fit_records_what_the_samples_say():
    rng = np.random.default_rng(8)
    n = 40
    types = np.repeat([0, 1], [25, 15])
    box = np.array([5.0, 5.0])
    names = np.array(["a", "b", "c"])

    def structure(k):
        values = rng.normal(size=(n, 3)).astype(np.float32)
        desc = Descriptors(values=values, names=names, types=types, box=box, metadata={"descriptor_set": "cage"})
        labels = Labels(positions=rng.uniform(0, 5, (n, 2)), types=types, box=box, times=np.array([1.0, 2.0]),
                        propensity=rng.normal(size=(2, n)), metadata={"temperature": 0.5, "tau_alpha": 12.5})
        return desc, labels

    structures = [structure(k) for k in range(4)]
    train = [make_sample(d, lab, 1, time_index=1, name=f"{k}") for k, (d, lab) in enumerate(structures[:3])]
    assert train[0].particle_type == 1 and train[0].label == "propensity" and train[0].descriptor_set == "cage"
    np.testing.assert_array_equal(train[0].columns, names)
    assert train[0].state == {"time": 2.0, "time_index": 1, "temperature": 0.5, "tau_alpha": 12.5,
                              "mean_label": pytest.approx(train[0].target.mean())}
    model = RidgeRegression(alphas=[1.0]).fit(train)
    np.testing.assert_array_equal(model.columns_, names)
    assert (model.label_, model.particle_type_, model.descriptor_set_) == ("propensity", 1, "cage")
    assert list(model.state_.items()) == [("temperature", 0.5), ("tau_alpha", 12.5), ("time", 2.0), ("time_index", 1),
                                          ("mean_label", pytest.approx(np.mean([s.state["mean_label"] for s in train])))]
    subset = [make_sample(d, lab, 1, time_index=1, columns=["c", "a"]) for d, lab in structures[:3]]
    np.testing.assert_array_equal(RidgeRegression(alphas=[1.0]).fit(subset).columns_, ["c", "a"])
    # predicting writes nothing to the model
    before = dict(vars(model))
    model.predict(make_sample(*structures[3], 1))
    assert vars(model).keys() == before.keys() and all(vars(model)[k] is v for k, v in before.items())
    with pytest.raises(ValueError, match="different particle types"):
        RidgeRegression(alphas=[1.0]).fit(train + [make_sample(*structures[3], 0, time_index=1)])
    with pytest.raises(ValueError, match="select the one column"):
        SingleDescriptor("a").fit(train)


def test_glassmlp_leaves_out_samples_where_no_particle_relaxed():
    """The loss divides by the label's variance: a sample with one label on every particle
    (C_B = 1 at the earliest times) would make every network NaN."""

    from glassdyn.models.glassmlp import GlassMLP, TrainingPhase

    rng = np.random.default_rng(0)
    samples = [Sample(rng.normal(size=(30, 4)).astype(np.float32), rng.uniform(size=30), rng.uniform(0, 6, (30, 2)),
                      np.array([6.0, 6.0]), np.arange(30), name=f"s{k}") for k in range(3)]
    frozen = dataclasses.replace(samples[0], target=np.ones(30), name="frozen")
    phases = [TrainingPhase(2, 1e-3, variance_weight=1.0, correlation_weight=0.5)]
    model = GlassMLP(n_networks=1, hidden=(4,), phases=phases, distances=(1.0, 2.0)).fit(samples + [frozen], [frozen])
    assert all(np.isfinite(h["train_loss"]).all() for h in model.history)
    with pytest.raises(ValueError, match="same label on every particle"):
        GlassMLP(n_networks=1, hidden=(4,), phases=phases).fit([frozen])
