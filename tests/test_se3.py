"""The SE(3)-equivariant graph network: counts, symmetries, training, files, resume, CLI."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from e3nn import o3

from glassdyn.io import InherentStructure, Structure
from glassdyn.models import SE3GNN, load_model, save_model
from glassdyn.models.equivariant_networks import BesselBasis, SE3Network
from glassdyn.models.evaluation import predict_graphs
from glassdyn.models.graphs import GraphSample, graph_from_labels, graph_from_structure

from test_graph_models import _epoch_in, _labelled, _structure


# -- parameter count by hand ----------------------------------------------------------------------
def _irreps_count(n_types, n_outputs, layers=8, mul=8, l_max=3, basis=10, hidden=16):
    """Weights of the architecture of the module docstring, from the formulas (not the modules):
    linear maps mix equal irreps (mul_in x mul_out each), the uvu tensor product has mul_in
    weights per path, the radial MLP 10 x 16 + 16 x (tensor-product weights), batch norm a
    weight per irrep channel and a bias per scalar, the readout n_outputs x 8 + n_outputs."""
    ls = range(l_max + 1)
    parity = {l: (-1) ** l for l in ls}
    features = {(0, 1): n_types + 1}  # (l, p) -> multiplicity
    total = 0
    for layer in range(layers):
        paths = [((l1, p1), (l2, parity[l2]), l3) for (l1, p1) in features for l2 in ls
                 for l3 in range(abs(l1 - l2), min(l1 + l2, l_max) + 1) if p1 * parity[l2] == parity[l3]]
        reached = sorted({l3 for _, _, l3 in paths})
        out = {(l, parity[l]): mul for l in reached}
        out_gate = {**out, (0, 1): mul + mul * (len(reached) - 1)}  # scalars + one gate per gated channel
        linear = lambda a, b: sum(m * b.get(k, 0) for k, m in a.items())  # noqa: E731
        mid = {}
        for (l1, p1), _, l3 in paths:
            mid[(l3, parity[l3])] = mid.get((l3, parity[l3]), 0) + features[(l1, p1)]
        weights = sum(features[a] for a, _, _ in paths)
        total += linear(features, out_gate) + linear(features, features) + basis * hidden + hidden * weights
        total += linear(mid, out_gate)
        features = out
        if layer < layers - 1:
            total += sum(features.values()) + features[(0, 1)]
    return total + features[(0, 1)] * n_outputs + n_outputs


def test_parameter_counts_match_the_hand_count():
    assert SE3GNN().n_parameters(3) == _irreps_count(2, 10) == 43331  # KA 3D: 2 types, 10 times
    assert SE3GNN().n_parameters(2) == _irreps_count(3, 6) == 43454  # KA2D: 3 types, 6 times
    assert SE3GNN(n_layers=3).n_parameters(3) == _irreps_count(2, 10, layers=3)


def test_bessel_basis_vanishes_smoothly_at_the_cutoff():
    basis = BesselBasis(10, 2.0)
    r = torch.tensor([0.5, 1.0, 1.999, 2.0, 2.5], dtype=torch.float64)
    values = basis(r)
    assert values.shape == (5, 10) and torch.all(values[3:] == 0) and values[2].abs().max() < 1e-8
    x = torch.tensor([0.7], dtype=torch.float64)
    expected = np.sqrt(2 / 2.0) * np.sin(np.pi * np.arange(1, 11) * 0.35) / 0.7
    np.testing.assert_allclose(basis(x)[0].numpy() / basis.envelope(x / 2.0).item(), expected, rtol=1e-6)


# -- symmetries ---------------------------------------------------------------------------------
def _network_inputs(n=150, d=3, seed=0):
    positions, types, box = _structure(n, d, seed)
    graph = graph_from_structure(Structure(positions=positions, types=types, box=box))
    pairs = torch.as_tensor(graph.pairs.T)
    edge_index = torch.cat([pairs, pairs.flip(0)], 1)
    vectors = torch.as_tensor(graph.vectors, dtype=torch.float64)
    rng = np.random.default_rng(seed)
    x = torch.as_tensor(np.stack([types, rng.normal(-7, 0.3, n)], 1), dtype=torch.float64)
    return x, edge_index, torch.cat([vectors, -vectors])


@pytest.fixture
def float64():
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


def _trained_network(n_types=2, n_outputs=4):
    torch.manual_seed(3)
    network = SE3Network(n_types, n_outputs, n_layers=3, energy_mean=-7.0, energy_scale=0.3, num_neighbors=40.0)
    x, edge_index, edge_attr = _network_inputs()
    network.train()
    network(x, edge_index, edge_attr)  # batch-norm statistics that are not the identity
    return network.eval()


def test_rotations_and_reflections_leave_every_output_unchanged(float64):
    network = _trained_network()
    x, edge_index, edge_attr = _network_inputs()
    out, _ = network(x, edge_index, edge_attr)
    assert out.shape == (150, 4) and out.std() > 0
    for k in range(3):
        rotation = o3.rand_matrix()
        for matrix in (rotation, -rotation):  # proper and improper (a reflection times a rotation)
            turned, _ = network(x, edge_index, edge_attr @ matrix.T)
            np.testing.assert_allclose(turned.detach().numpy(), out.detach().numpy(), atol=1e-5, rtol=0)


def test_permuting_particles_permutes_the_outputs(float64):
    network = _trained_network()
    x, edge_index, edge_attr = _network_inputs()
    out, _ = network(x, edge_index, edge_attr)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(1))
    new_index = torch.argsort(perm)  # particle perm[k] becomes k
    permuted, _ = network(x[perm], new_index[edge_index], edge_attr)
    np.testing.assert_allclose(permuted.detach().numpy(), out[perm].detach().numpy(), atol=1e-12)


def test_2d_structures_get_z_zero_and_are_invariant_in_the_plane(float64):
    network = _trained_network(n_types=3, n_outputs=2)
    x, edge_index, edge_attr = _network_inputs(n=160, d=2, seed=4)
    x[:, 0] = torch.as_tensor(np.arange(160) % 3, dtype=torch.float64)
    out, _ = network(x, edge_index, edge_attr)
    angle = 0.7
    rotation = torch.tensor([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    mirror = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
    for matrix in (rotation, mirror):
        turned, _ = network(x, edge_index, edge_attr @ matrix.T)
        np.testing.assert_allclose(turned.detach().numpy(), out.detach().numpy(), atol=1e-5, rtol=0)


# -- the model ----------------------------------------------------------------------------------
def _sample(n=150, d=3, seed=0, time_indices=(0, 1)):
    labels = _labelled(n=n, d=d, seed=seed)
    energies = np.random.default_rng(seed + 7).normal(-7.0, 0.3, n)
    return graph_from_labels(labels, list(time_indices), energies=energies, name=f"s{seed}")


def _fitted(epochs=3, **kwargs):
    samples = [_sample(seed=s) for s in range(3)]
    options = dict(n_layers=2, channels=4, epochs=epochs, device="cpu", seed=1)
    return SE3GNN(**{**options, **kwargs}).fit(samples[:2]), samples


def test_graph_from_labels_with_several_times_stacks_the_targets():
    labels = _labelled(n=150, seed=0, n_t=3)
    sample = graph_from_labels(labels, [0, 2], energies=np.zeros(150))
    assert sample.target.shape == (150, 2) and sample.edge_target is None
    np.testing.assert_array_equal(sample.target[:, 1], labels.propensity[2])
    assert sample.state["time_indices"] == [0, 2] and sample.state["times"] == [1.0, 3.0]


def test_se3_learns_every_time_and_round_trips_through_its_file(tmp_path):
    model, samples = _fitted(epochs=12, batch_size=1)
    losses = model.history_[:, 1]
    assert losses[-3:].mean() < 0.8 * losses[:3].mean()
    assert model.state_["time_indices"] == [0, 1] and len(model.state_["mean_label"]) == 2
    prediction = model.predict(samples[2])
    assert prediction.shape == (150, 2) and np.isfinite(prediction).all()
    path = save_model(tmp_path / "tall.h5", model)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(samples[2]), prediction)
    np.testing.assert_array_equal(loaded.predict_time(samples[2], 1), prediction[:, 1])
    assert loaded.shape_["n_types"] == 2 and loaded.dimension_ == 3
    with pytest.raises(ValueError, match="time indices"):
        loaded.predict_time(samples[2], 5)


def test_translations_and_periodic_images_leave_predictions_unchanged():
    model, samples = _fitted(epochs=1)
    s = samples[2]
    moved = (s.positions + np.array([0.3, -1.7, 2.2])) % s.box
    moved[:10] += s.box * np.array([1, 0, -1])  # some particles in another periodic image
    graph = graph_from_structure(Structure(positions=moved, types=s.types, box=s.box), energies=s.energies)
    np.testing.assert_allclose(model.predict(graph), model.predict(s), atol=1e-5)


def test_se3_refuses_graphs_without_energies():
    sample = _sample(seed=0)
    sample.energies = None
    with pytest.raises(ValueError, match="inherent-structure energ"):
        SE3GNN(n_layers=1, epochs=1, device="cpu").fit([sample])


def test_predict_graphs_uses_one_run_for_every_time():
    model, samples = _fitted(epochs=1)
    s = samples[2]
    structure = Structure(positions=s.positions, types=s.types, box=s.box)
    values, edges = predict_graphs([(0, model, 0), (1, model, 1)], [structure], 3, [s.energies])
    assert edges == {} and np.isnan(values[0, 2]).all()
    np.testing.assert_array_equal(values[0, :2].T, model.predict(s))


# -- checkpoints: kill -9 in the middle, resume, bit-identical ------------------------------------
TRAIN_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_se3 import _sample
from glassdyn.models import SE3GNN, save_model
samples = [_sample(n=130, seed=s) for s in range(2)]
model = SE3GNN(n_layers=2, channels=4, epochs=8, batch_size=1, device="cpu", seed=2)
model.checkpoint_path = sys.argv[1]
model.fit(samples)
save_model(sys.argv[2], model)
"""


def test_killed_training_resumes_bit_identically(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT.format(tests=os.path.dirname(__file__)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = lambda name: [sys.executable, str(script), str(tmp_path / f"{name}.checkpoint"), str(tmp_path / f"{name}.h5")]  # noqa: E731
    subprocess.run(run("straight"), check=True, env=env, timeout=600)
    process = subprocess.Popen(run("killed"), env=env)
    deadline = time.monotonic() + 300
    while _epoch_in(tmp_path / "killed.checkpoint") < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "training finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = _epoch_in(tmp_path / "killed.checkpoint")
    assert 3 <= killed_at < 8 and not (tmp_path / "killed.h5").exists()
    subprocess.run(run("killed"), check=True, env=env, timeout=600)
    a, b = load_model(tmp_path / "straight.h5").get_parameters(), load_model(tmp_path / "killed.h5").get_parameters()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_glassdyn_predict_reads_the_structure_and_its_inherent_structure(tmp_path, capsys):
    from glassdyn.cli import main
    from glassdyn.io import load, save

    model, samples = _fitted(epochs=1)
    model_file = save_model(tmp_path / "tall.h5", model, info={"model": "se3"})
    s = samples[2]
    save(tmp_path / "structure.h5", Structure(positions=s.positions, types=s.types, box=s.box))
    save(tmp_path / "inherent.h5", InherentStructure(positions=s.positions, types=s.types, box=s.box,
                                                     particle_energies=s.energies))
    assert main(["predict", str(model_file), "--structure", str(tmp_path / "structure.h5"), "--inherent-structure",
                 str(tmp_path / "inherent.h5"), "-o", str(tmp_path / "p.h5")]) == 0
    predictions = load(tmp_path / "p.h5", "predictions")
    np.testing.assert_allclose(predictions.values[0].T, model.predict(s))
    assert list(predictions.times) == [1.0, 2.0] and "150 of 150 particles x 2 times" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--inherent-structure"):
        main(["predict", str(model_file), "--structure", str(tmp_path / "structure.h5"), "-o", str(tmp_path / "q.h5")])


def test_sample_validation_names_the_bad_field():
    s = _sample(seed=0)
    with pytest.raises(ValueError, match="energies shape"):
        GraphSample(s.positions, s.types, s.box, s.pairs, s.vectors, energies=np.zeros(3))
