"""Graph networks: graphs, parameter counts, message passing by hand, invariances, training,
checkpoints (kill and resume), saving."""

import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch

from glassdyn.io import Labels, Structure
from glassdyn.labels.isoconfigurational import IsoconfigurationalLabels
from glassdyn.models import BOTAN, GNNDM, NTGNN, load_model, save_model
from glassdyn.models.gnn import to_data
from glassdyn.models.graph_networks import InteractionLayer, InteractionNetwork
from glassdyn.models.graphs import (GraphSample, cube_symmetries, edge_pair_mask, graph_edges, graph_from_labels,
                                    graph_from_structure)

SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])


def _linear(n_in, n_out):
    return n_in * n_out + n_out


# -- parameter counts, by hand ------------------------------------------------------------------
def _hand_count(dimension, edge_blocks, decoders):
    h = 64
    encoders = (_linear(1, h) + _linear(h, h)) + (_linear(dimension, h) + _linear(h, h))
    edge_mlp = _linear(edge_blocks * h, h) + _linear(h, h)
    node_mlp = _linear(3 * h, h) + _linear(h, h)  # [h_v, sum h_e, h_v0]
    decoder = _linear(h, h) + _linear(h, h) + _linear(h, 1)
    return encoders + edge_mlp + node_mlp + decoders * decoder


def test_parameter_counts_match_a_hand_count():
    # BOTAN, shared decoder (pyg_botan): 4288 + 4416 + 20608 + 16512 + 8385 = 54,209
    assert _hand_count(3, 4, 1) == 54209
    assert BOTAN().n_parameters(3) == 54209
    assert BOTAN().n_parameters(2) == _hand_count(2, 4, 1) == 54145
    assert BOTAN(edge_decoder="separate").n_parameters(3) == _hand_count(3, 4, 2) == 62594
    # NT-GNN: BOTAN without the edge decoder; the shared decoder is the node decoder
    assert NTGNN().n_parameters(3) == 54209
    # GNN(DM): the edge MLP reads [e, e0, v, v0, u, u0]: 6 blocks of 64
    assert GNNDM().n_parameters(3) == _hand_count(3, 6, 1) == 62401


# -- message passing by hand ----------------------------------------------------------------------
def _by_hand(layer, nodes, edges, node0, edge0, edge_index):
    """One cycle of BOTAN eqs. 3-4 with explicit loops over edges and nodes."""
    def mlp(seq, x):
        w1, b1, w2, b2 = seq[0].weight.detach().numpy(), seq[0].bias.detach().numpy(), seq[2].weight.detach().numpy(), seq[2].bias.detach().numpy()
        return np.maximum(w2 @ np.maximum(w1 @ x + b1, 0) + b2, 0)

    source, target = edge_index
    new_edges = np.array([mlp(layer.edge_mlp, np.concatenate([edges[e], nodes[target[e]], nodes[source[e]], edge0[e]]))
                          for e in range(len(source))])
    new_nodes = []
    for v in range(len(nodes)):
        incoming = sum((new_edges[e] for e in range(len(source)) if target[e] == v), np.zeros(layer.hidden))
        new_nodes.append(mlp(layer.node_mlp, np.concatenate([nodes[v], incoming, node0[v]])))
    return np.array(new_nodes), new_edges


def test_one_cycle_on_a_four_node_graph_matches_the_hand_computation():
    torch.manual_seed(3)
    layer = InteractionLayer(hidden=2)
    # a path 0 - 1 - 2 - 3 plus the chord 0 - 2, both directions
    pairs = np.array([[0, 1], [1, 2], [2, 3], [0, 2]])
    edge_index = np.concatenate([pairs.T, pairs.T[::-1]], axis=1)
    rng = np.random.default_rng(0)
    nodes, node0 = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    edges, edge0 = rng.normal(size=(8, 2)), rng.normal(size=(8, 2))
    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    layer = layer.double()
    ei = torch.as_tensor(edge_index)
    edge_constant, node_constant = layer.constants(t(node0), t(edge0), ei)
    new_nodes, new_edges = layer(t(nodes), t(edges), ei, edge_constant, node_constant)
    hand_nodes, hand_edges = _by_hand(layer, nodes, edges, node0, edge0, edge_index)
    np.testing.assert_allclose(new_edges.detach().numpy(), hand_edges, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new_nodes.detach().numpy(), hand_nodes, rtol=1e-12, atol=1e-12)
    # node 3 receives only the edge 2 -> 3 (index 6 of the reversed block is 3 -> 2, not into 3)
    assert sorted(np.flatnonzero(edge_index[1] == 3)) == [2]


def test_scalar_cycle_with_chosen_weights():
    """hidden = 1, every weight 1 and bias 0: MLP(x) = relu(sum x); values worked out on paper."""
    layer = InteractionLayer(hidden=1).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.ones_like(p) if p.dim() == 2 else torch.zeros_like(p))
    edge_index = torch.tensor([[0, 1], [1, 0]])  # one pair, both directions
    nodes = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    edges = torch.tensor([[0.5], [-0.5]], dtype=torch.float64)
    with torch.no_grad():
        constants = layer.constants(nodes, edges, edge_index)  # encoded states = the current ones
        new_nodes, new_edges = layer(nodes, edges, edge_index, *constants)
    # edge 0 -> 1: e + v(=1) + u(=0) + e0 = 0.5 + 2 + 1 + 0.5 = 4; edge 1 -> 0: -0.5 + 1 + 2 - 0.5 = 2
    np.testing.assert_allclose(new_edges.numpy().ravel(), [4.0, 2.0])
    # node 0: h + incoming (edge 1 -> 0 = 2) + h0 = 1 + 2 + 1 = 4; node 1: 2 + 4 + 2 = 8
    np.testing.assert_allclose(new_nodes.numpy().ravel(), [4.0, 8.0])


# -- graphs ----------------------------------------------------------------------------------------
def _structure(n=120, d=3, seed=0, density=1.2):
    rng = np.random.default_rng(seed)
    box = np.full(d, (n / density) ** (1 / d))
    positions = rng.uniform(0, box, (n, d))
    types = (rng.random(n) < 0.2).astype(np.int8)
    return positions, types, box


def _labelled(n=120, d=3, seed=0, n_t=2):
    positions, types, box = _structure(n, d, seed)
    rng = np.random.default_rng(seed + 100)
    replicas = positions[None, None] + rng.normal(scale=0.3, size=(3, n_t, n, d)) * np.arange(1, n_t + 1)[None, :, None, None]
    calc = IsoconfigurationalLabels(SIGMA, edge_cutoff=2.0).compute(positions, replicas, types, box)
    labels = Labels(positions=positions, types=types, box=box, times=np.arange(1.0, n_t + 1), propensity=calc.propensity,
                    bond_breaking=calc.bond_breaking, edges=calc.edges.astype(np.int32),
                    edge_propensity=calc.edge_propensity.astype(np.float32),
                    metadata={"temperature": 1.0, "edge_cutoff": 2.0})
    return labels


def test_graph_edges_are_the_label_edges_in_the_same_order():
    labels = _labelled()
    graph = graph_from_labels(labels, 1)
    np.testing.assert_array_equal(graph.pairs, labels.edges)
    np.testing.assert_array_equal(graph.edge_target, labels.edge_propensity[1])
    np.testing.assert_array_equal(graph.target, labels.propensity[1])
    data = to_data(graph)
    n_pairs = len(graph.pairs)
    assert data.edge_index.shape == (2, 2 * n_pairs)
    # edge k: i -> j carrying r_j - r_i; edge k + P: j -> i carrying r_i - r_j; same target
    np.testing.assert_array_equal(data.edge_index[:, :n_pairs].numpy(), labels.edges.T)
    np.testing.assert_array_equal(data.edge_index[:, n_pairs:].numpy(), labels.edges.T[::-1])
    source, target = data.edge_index.numpy()
    d = labels.positions[target] - labels.positions[source]
    d -= labels.box * np.round(d / labels.box)
    np.testing.assert_allclose(data.edge_attr.numpy(), d, atol=1e-6)
    np.testing.assert_array_equal(data.y_edge[:n_pairs], data.y_edge[n_pairs:])
    # brute force: every pair within 2.0, none beyond
    r = np.linalg.norm(d[:n_pairs], axis=1)
    assert r.max() < 2.0
    all_d = labels.positions[None] - labels.positions[:, None]
    all_d -= labels.box * np.round(all_d / labels.box)
    all_r = np.linalg.norm(all_d, axis=-1)
    assert n_pairs == int(np.sum(np.triu(all_r < 2.0, 1)))


def test_graph_from_labels_refuses_edges_of_another_cutoff():
    labels = _labelled()
    with pytest.raises(ValueError, match="not the graph's"):
        graph_from_labels(labels, 0, cutoff=1.8)
    assert graph_from_labels(labels, 0, cutoff=1.8, edges=False).edge_target is None


def test_cube_symmetries():
    for d, count in ((3, 48), (2, 8)):
        group = cube_symmetries(d)
        assert len(group) == count and len({m.tobytes() for m in group}) == count
        for m in group:
            np.testing.assert_allclose(m @ m.T, np.eye(d))


def _fitted(cls=BOTAN, d=3, epochs=3, device="cpu", **kwargs):
    samples = [graph_from_labels(_labelled(n=100, d=d, seed=s), 1) for s in range(3)]
    model = cls(n_cycles=2, epochs=epochs, device=device, seed=5, **kwargs).fit(samples[:2], samples[2:])
    return model, samples


@pytest.mark.parametrize("d", [2, 3])
def test_translations_and_periodic_images_leave_graph_and_predictions_unchanged(d):
    model, _ = _fitted(d=d)
    positions, types, box = _structure(n=150, d=d, seed=7)
    reference = graph_from_structure(Structure(positions=positions, types=types, box=box))
    rng = np.random.default_rng(1)
    moved = positions + rng.uniform(-3, 3, d)                            # a translation
    moved += box * rng.integers(-2, 3, size=(len(positions), d))         # other periodic images
    shifted = graph_from_structure(Structure(positions=moved - box * np.floor(moved / box), types=types, box=box))
    np.testing.assert_array_equal(shifted.pairs, reference.pairs)
    np.testing.assert_allclose(shifted.vectors, reference.vectors, atol=1e-12)
    np.testing.assert_allclose(model.predict(shifted), model.predict(reference), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict_edges(shifted), model.predict_edges(reference), rtol=1e-5, atol=1e-6)


def test_botan_learns_and_round_trips_through_its_file(tmp_path):
    model, samples = _fitted(epochs=4)
    assert model.history_.shape == (4, 5) and np.all(np.isfinite(model.history_[:, 1]))
    assert model.particle_type_ is None and model.label_ == "propensity" and model.columns_ is None
    path = save_model(tmp_path / "botan.h5", model, info={"model": "botan"})
    loaded = load_model(path)
    assert type(loaded) is BOTAN and loaded.hyperparameters() == model.hyperparameters()
    np.testing.assert_array_equal(loaded.predict(samples[2]), model.predict(samples[2]))
    np.testing.assert_array_equal(loaded.predict_edges(samples[2]), model.predict_edges(samples[2]))
    assert loaded.info_["epochs_run"] == 4
    assert np.isfinite(model.score_edges(samples[2]))
    mask = edge_pair_mask(samples[2], (0, 0), 1.35)
    assert mask.any() and not mask.all()


def test_gnn_dm_learns_from_type_a_only():
    samples = [graph_from_labels(_labelled(n=100, seed=s), 1, edges=False) for s in range(2)]
    garbage = []
    for s in samples:
        target = s.target.copy()
        target[s.types == 1] = 1e3  # type-B labels must not matter
        garbage.append(GraphSample(s.positions, s.types, s.box, s.pairs, s.vectors, target=target, state=s.state,
                                   label=s.label))
    a = GNNDM(n_cycles=2, epochs=2, device="cpu").fit(samples)
    b = GNNDM(n_cycles=2, epochs=2, device="cpu").fit(garbage)
    np.testing.assert_array_equal(a.predict(samples[0]), b.predict(samples[0]))
    c = GNNDM(n_cycles=2, epochs=2, device="cpu", loss_types=None).fit(garbage)
    assert not np.allclose(a.predict(samples[0]), c.predict(samples[0]))


def test_nt_gnn_needs_no_edge_targets_and_has_no_edge_output():
    samples = [graph_from_labels(_labelled(n=100, seed=s), 1, edges=False) for s in range(3)]
    model = NTGNN(n_cycles=2, epochs=2, device="cpu").fit(samples)
    assert model.batch_size == 5 and model.predict(samples[0]).shape == (100,)
    with pytest.raises(ValueError, match="no edge decoder"):
        model.predict_edges(samples[0])
    with pytest.raises(ValueError, match="needs edge targets"):
        BOTAN(epochs=1, device="cpu").fit(samples)


def test_warm_start_copies_the_weights():
    pretrained, samples = _fitted(epochs=2, node_weight=0.0)
    model = BOTAN(n_cycles=2, epochs=0, device="cpu").warm_start(pretrained).fit(samples[:2])
    np.testing.assert_array_equal(model.predict(samples[2]), pretrained.predict(samples[2]))
    with pytest.raises(ValueError, match="do not fit"):
        BOTAN(n_cycles=2, hidden=8, epochs=0, device="cpu").warm_start(pretrained).fit(samples[:2])


def test_early_stopping_keeps_the_best_validation_epoch():
    model, _ = _fitted(epochs=6, patience=2, learning_rate=1e-2)
    best = model.best_epoch_
    scores = model.history_[:, 4]
    assert best == int(model.history_[np.nanargmax(scores), 0])
    assert model.epochs_run_ <= 6


def test_device_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    with pytest.raises(RuntimeError, match="no GPU"):
        _fitted(epochs=1, device="cuda")


# -- checkpoints: kill -9 in the middle, resume, bit-identical ------------------------------------
TRAIN_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {tests!r})
from test_graph_models import _labelled
from glassdyn.models import BOTAN, save_model
from glassdyn.models.graphs import graph_from_labels
samples = [graph_from_labels(_labelled(n=150, seed=s), 1) for s in range(3)]
model = BOTAN(n_cycles=3, epochs=12, device="cpu", seed=2)
model.checkpoint_path = sys.argv[1]
model.fit(samples[:2], samples[2:])
save_model(sys.argv[2], model)
"""


def _epoch_in(checkpoint) -> int:
    try:
        with h5py.File(checkpoint, "r") as f:
            import json

            return json.loads(f.attrs["progress"])["epoch"]
    except (OSError, KeyError):
        return 0


@pytest.mark.slow
def test_killed_training_resumes_bit_identically(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT.format(tests=os.path.dirname(__file__)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = lambda name: [sys.executable, str(script), str(tmp_path / f"{name}.checkpoint"), str(tmp_path / f"{name}.h5")]  # noqa: E731
    subprocess.run(run("straight"), check=True, env=env, timeout=600)
    process = subprocess.Popen(run("killed"), env=env)
    deadline = time.monotonic() + 300
    while _epoch_in(tmp_path / "killed.checkpoint") < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "training finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = _epoch_in(tmp_path / "killed.checkpoint")
    assert 4 <= killed_at < 12 and not (tmp_path / "killed.h5").exists()
    subprocess.run(run("killed"), check=True, env=env, timeout=600)
    straight, resumed = load_model(tmp_path / "straight.h5"), load_model(tmp_path / "killed.h5")
    a, b = straight.get_parameters(), resumed.get_parameters()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    np.testing.assert_array_equal(a["history"], b["history"])
    assert not (tmp_path / "killed.checkpoint").exists()


def test_glassdyn_predict_reads_a_structure_for_graph_models(tmp_path, capsys):
    from glassdyn.cli import main
    from glassdyn.io import load, save

    model, _ = _fitted(epochs=1)
    model_file = save_model(tmp_path / "t001.h5", model, info={"model": "botan"})
    positions, types, box = _structure(n=100, seed=9)
    save(tmp_path / "structure.h5", Structure(positions=positions, types=types, box=box))
    assert main(["predict", str(model_file), "--structure", str(tmp_path / "structure.h5"),
                 "-o", str(tmp_path / "p.h5")]) == 0
    predictions = load(tmp_path / "p.h5", "predictions")
    graph = graph_from_structure(Structure(positions=positions, types=types, box=box))
    np.testing.assert_allclose(predictions.values[0, 0], model.predict(graph))
    np.testing.assert_allclose(predictions.edge_values[0], model.predict_edges(graph), rtol=1e-6)
    assert "100 of 100 particles" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="give --structure"):
        main(["predict", str(model_file), "--descriptors", str(tmp_path / "structure.h5"), "-o", str(tmp_path / "q.h5")])
