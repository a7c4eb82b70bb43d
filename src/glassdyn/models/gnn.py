"""Graph-network models: BOTAN, NT-GNN and GNN(DM), trained on graphs of whole structures.

=========  ==========================================  ===================================
model      architecture                                 loss (one model per time)
=========  ==========================================  ===================================
BOTAN      interaction network, node + edge decoder     p L_S + (1 - p) L_E, p = 0.4, all
           (Shiba et al. 2023, Sec. II)                 particles and pairs (eqs. 12-14)
NT-GNN     BOTAN without edge decoder                   L_S (p = 1), minibatch of 5 graphs
GNN(DM)    Bapst et al. 2020 (``graph_model.py``)       L_S on type-A particles only
=========  ==========================================  ===================================

Readings (where the papers leave a choice; see also :mod:`glassdyn.models.graph_networks`):

- L_S and L_E are *mean* squared errors over the particles and over the directed edges (the
  BOTAN paper writes sums, eqs. 13-14; its code and the roadmap use MSE losses, and with
  sums the 40 times more numerous edges would outweigh the nodes at any p).
- BOTAN's node and edge decoders are one shared MLP by default (pyg_botan; 54,209 parameters
  in 3D, the roadmap's "about 54,200"); ``edge_decoder="separate"`` gives the edges their own
  (62,594).
- Adam (lr 1e-4, no weight decay), gradient norm clipped at 1, one graph per step (5 for
  NT-GNN), each step's graphs under a random element of the cube's 48 symmetries (the
  square's 8 in 2D), PyTorch's default initialisation from the model's seed.
- No validation set and no early stopping unless asked (``patience``): the last epoch is kept,
  as in the papers. With validation graphs the log reports their Pearson correlation.
- A pair's edge prediction is the mean over its two directed edges (the target is symmetric).

Training runs for hours: with a checkpoint file (:attr:`GraphNetworkModel.checkpoint_path`)
the weights, the optimiser, the random-number state, the epoch and the loss history are saved
after every epoch, and a killed run resumes from there; on the CPU the resumed run is
bit-identical to an uninterrupted one.

torch and PyTorch Geometric are imported inside the methods, so that importing this module
(done when any model class is looked up) stays light.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from glassdyn.models.base import PropensityModel, register_model
from glassdyn.models.graphs import EDGE_CUTOFF, GraphSample, cube_symmetries, edge_pair_mask

log = logging.getLogger("glassdyn")

DEVICES = ("auto", "cpu", "cuda")
#: columns of ``history_``
HISTORY_COLUMNS = ("epoch", "loss", "node_loss", "edge_loss", "validation_pearson")


def resolve_device(device: str):
    """``auto`` -> cuda when a GPU is visible, else cpu; ``cuda`` without a GPU is an error."""
    import torch

    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' asked for, but torch sees no GPU (use device: auto or cpu)")
    return torch.device(device)


def to_data(sample: GraphSample, device=None):
    """A :class:`torch_geometric.data.Data` of one graph (float32), both edge directions.

    x (N, 1) type; edge_index (2, 2P) [source; target], pair k as k (i -> j) and k + P
    (j -> i); edge_attr (2P, d) r_target - r_source; y (N,), y_edge (2P,) when known;
    types (N,).
    """
    import torch
    from torch_geometric.data import Data

    pairs = torch.as_tensor(sample.pairs, dtype=torch.long)
    vectors = torch.as_tensor(sample.vectors, dtype=torch.float32)
    data = Data(x=torch.as_tensor(sample.types, dtype=torch.float32)[:, None],
                edge_index=torch.cat([pairs.T, pairs.T.flip(0)], dim=1),
                edge_attr=torch.cat([vectors, -vectors]),
                types=torch.as_tensor(sample.types, dtype=torch.long))
    if sample.target is not None:
        data.y = torch.as_tensor(sample.target, dtype=torch.float32)
    if sample.edge_target is not None:
        edge_target = torch.as_tensor(sample.edge_target, dtype=torch.float32)
        data.y_edge = torch.cat([edge_target, edge_target])
    return data if device is None else data.to(device)


def pearson(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


class GraphNetworkModel(PropensityModel):
    """What BOTAN, NT-GNN and GNN(DM) share: graphs in, every particle out, the training loop.

    Subclasses list their hyperparameters in ``__init__`` and fix the architecture with the
    class attributes ``ENCODED_NODES_TO_EDGES``; they read (attributes) ``n_cycles``,
    ``hidden``, ``node_weight`` (p), ``edge_decoder``, ``loss_types`` (None: all),
    ``cutoff``, ``epochs``, ``batch_size``, ``learning_rate``, ``grad_clip``, ``augment``,
    ``patience``, ``device``, ``mixed_precision``, ``seed``.

    Fitted state: ``network_`` (an :class:`~glassdyn.models.graph_networks.InteractionNetwork`),
    ``dimension_``, ``history_`` ((epochs, 5) array, columns ``HISTORY_COLUMNS``; wall times
    go to the log only, so that a rerun writes a byte-identical file), ``epochs_run_``. Set ``checkpoint_path`` (not a hyperparameter) before :meth:`fit` to
    checkpoint every epoch and resume; :meth:`warm_start` starts from another model's weights
    (BOTAN's edge pretraining).
    """

    GRAPH = True
    PER_TIME = True
    ENCODED_NODES_TO_EDGES = False
    #: hyperparameters that must be positive integers (epochs may be 0)
    INTEGER_OPTIONS = ("epochs", "batch_size", "n_cycles", "hidden")

    # -- set-up ---------------------------------------------------------------------------------
    def _validate(self) -> None:
        if not 0.0 <= float(self.node_weight) <= 1.0:
            raise ValueError(f"node_weight (p) must lie in [0, 1], got {self.node_weight}")
        if self.node_weight < 1 and self.edge_decoder == "none":
            raise ValueError("node_weight < 1 trains on edges: it needs an edge decoder (edge_decoder: shared or separate)")
        for name in self.INTEGER_OPTIONS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if name == "epochs" else 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.patience is not None and (not isinstance(self.patience, int) or self.patience < 1):
            raise ValueError(f"patience must be a positive integer or null, got {self.patience!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")

    def _build_network(self, shape: dict):
        """The network (from the model's seed) for ``shape``, what the data fix (:meth:`_network_shape`)."""
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.seed))
            return self._new_network(**shape)

    def _new_network(self, dimension: int):
        from glassdyn.models.graph_networks import InteractionNetwork

        return InteractionNetwork(dimension, self.n_cycles, self.hidden, self.edge_decoder, self.ENCODED_NODES_TO_EDGES)

    def _network_shape(self, train) -> dict:
        """What the training graphs decide of the network: here their dimension."""
        return {"dimension": int(train[0].positions.shape[1])}

    @staticmethod
    def _shape_from_parameters(parameters) -> dict:
        return {"dimension": int(np.asarray(parameters["edge_encoder.0.weight"]).shape[1])}

    def n_parameters(self, dimension: int = 3) -> int:
        """Trainable parameters of the network in ``dimension`` (the fitted one when fitted)."""
        network = getattr(self, "network_", None) or self._build_network({"dimension": dimension})
        return network.n_parameters()

    def warm_start(self, model: GraphNetworkModel) -> GraphNetworkModel:
        """Start the next :meth:`fit` from ``model``'s weights (same architecture); returns self."""
        self.initial_parameters_ = model.get_parameters()
        self.initial_parameters_.pop("history", None)
        return self

    # -- training -------------------------------------------------------------------------------
    def _fit(self, train, validation) -> None:
        import torch

        self._validate()
        device = resolve_device(self.device)
        # Scatter sums on several CPU threads add in a varying order; the deterministic kernels
        # make a run (and a resumed one) bit-identical. Restored afterwards: a global setting.
        deterministic = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(deterministic or device.type == "cpu")
        try:
            # dropout (SE(3)) draws from torch's global generator: seeded here, restored after,
            # and checkpointed, so that a run and a resumed run are those of the model's seed
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(self.seed) + 2)
                self._train(train, validation, device)
        finally:
            torch.use_deterministic_algorithms(deterministic)

    def _train(self, train, validation, device) -> None:
        import torch
        from torch_geometric.loader import DataLoader

        for s in list(train) + list(validation):
            if not isinstance(s, GraphSample):
                raise TypeError(f"{type(self).__name__} trains on graphs (GraphSample), got {type(s).__name__}")
        dimension = train[0].positions.shape[1]
        if self.node_weight < 1 and any(s.edge_target is None for s in train):
            raise ValueError(f"{type(self).__name__} with p = {self.node_weight} needs edge targets E_ij(t)")
        shape = self._network_shape(train)
        network = self._build_network(shape).to(device)
        initial = getattr(self, "initial_parameters_", None)
        if initial is not None:
            self._load_network(network, initial)
        graphs = [self._to_data(s, device, network) for s in train]
        for g in graphs:
            g.node_mask = self._node_mask(g.types)
        checks = [(s, self._to_data(s, device, network)) for s in validation]
        optimizer = self._optimizer(network)
        generator = torch.Generator().manual_seed(int(self.seed) + 1)
        symmetries = torch.as_tensor(cube_symmetries(dimension), dtype=torch.float32, device=device)
        loader = DataLoader(graphs, batch_size=int(self.batch_size), shuffle=True, generator=generator)
        history, seconds, best = [], [], None
        start = 0
        checkpoint = self._checkpoint(train, initial)
        if checkpoint is not None:
            restored = checkpoint.load()
            if restored is not None:
                start, history, seconds, best = self._restore(restored, network, optimizer, generator, device)
        autocast = self._autocast(device)
        for epoch in range(start, int(self.epochs)):
            began = time.perf_counter()
            network.train()
            sums = np.zeros(3)
            for batch in loader:
                picks = torch.randint(len(symmetries), (batch.num_graphs,), generator=generator).to(device)
                edge_attr = batch.edge_attr
                if self.augment:
                    rotation = symmetries[picks][batch.batch[batch.edge_index[0]]]  # (E, d, d)
                    edge_attr = torch.einsum("ek,ejk->ej", edge_attr, rotation)
                optimizer.zero_grad()
                with autocast:
                    node_out, edge_out = self._forward_batch(network, batch, edge_attr)
                    loss, node_loss, edge_loss = self._loss(batch, node_out, edge_out)
                    loss = loss + self._penalty(network)
                loss.backward()
                if self.grad_clip:
                    torch.nn.utils.clip_grad_norm_(network.parameters(), float(self.grad_clip))
                optimizer.step()
                sums += [loss.item(), node_loss, edge_loss]
            n_steps = len(loader)
            score = self._validation_score(network, checks) if checks else float("nan")
            history.append([epoch + 1, *(sums / n_steps), score])
            seconds.append(time.perf_counter() - began)
            if self.patience is not None and np.isfinite(score) and (best is None or score > best[1]):
                best = (epoch + 1, score, {k: v.detach().clone() for k, v in network.state_dict().items()})
            self._heartbeat(history, seconds, int(self.epochs))
            stop = (self.patience is not None and best is not None and epoch + 1 - best[0] >= self.patience)
            if checkpoint is not None:
                self._save_checkpoint(checkpoint, epoch + 1, network, optimizer, generator, history, seconds, best)
            if stop:
                log.info("early stopping after epoch %d: best validation Pearson %.4f at epoch %d", epoch + 1, best[1],
                         best[0])
                break
        if self.patience is not None and best is not None:
            network.load_state_dict(best[2])
        network.eval()
        self.network_, self.dimension_, self.shape_ = network.cpu(), dimension, shape
        self.history_ = np.asarray(history, dtype=float).reshape(-1, len(HISTORY_COLUMNS))
        self.epochs_run_ = len(history)
        self.best_epoch_ = None if best is None else int(best[0])
        if checkpoint is not None:
            checkpoint.remove()

    def _to_data(self, sample, device, network):
        """The PyG graph of a sample on ``device`` (:func:`to_data`)."""
        return to_data(sample, device)

    def _optimizer(self, network):
        import torch

        return torch.optim.Adam(network.parameters(), lr=float(self.learning_rate))

    def _forward_batch(self, network, batch, edge_attr):
        """(node outputs, edge outputs) of a training batch whose edge vectors are ``edge_attr``."""
        return network(batch.x, batch.edge_index, edge_attr, decode_nodes=self.node_weight > 0,
                       decode_edges=self.node_weight < 1)

    def _penalty(self, network):
        """A regularisation term added to the loss (none here)."""
        return 0.0

    def _node_mask(self, types):
        import torch

        if self.loss_types is None:
            return torch.ones_like(types, dtype=torch.bool)
        return torch.isin(types, torch.as_tensor(list(self.loss_types), device=types.device))

    def _loss(self, batch, node_out, edge_out):
        import torch

        p = float(self.node_weight)
        zero = torch.zeros((), device=batch.x.device)
        node_loss = ((node_out.float() - batch.y)[batch.node_mask] ** 2).mean() if p > 0 else zero
        edge_loss = ((edge_out.float() - batch.y_edge) ** 2).mean() if p < 1 else zero
        return p * node_loss + (1 - p) * edge_loss, float(node_loss.detach()), float(edge_loss.detach())

    def _autocast(self, device):
        import contextlib

        import torch

        if self.mixed_precision and device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _validation_score(self, network, checks) -> float:
        """Mean over validation graphs of the Pearson correlation on type-A (0) particles."""
        import torch

        network.eval()
        scores = []
        with torch.no_grad():
            for sample, data in checks:
                node_out, _ = network(data.x, data.edge_index, data.edge_attr, decode_edges=False)
                mine = sample.types == 0
                out = node_out.float().cpu().numpy().reshape(len(mine), -1)[mine]
                target = sample.target.reshape(len(mine), -1)[mine]
                scores.append(np.mean([pearson(out[:, k], target[:, k]) for k in range(target.shape[1])]))
        return float(np.nanmean(scores)) if np.isfinite(scores).any() else float("nan")

    def _heartbeat(self, history, seconds, epochs) -> None:
        epoch, loss, node_loss, edge_loss, score = history[-1]
        eta = float(np.mean(seconds[-10:])) * (epochs - epoch)
        validation = f", validation Pearson {score:.4f}" if np.isfinite(score) else ""
        log.info("%s epoch %d/%d: loss %.5g (node %.5g, edge %.5g)%s, %.2f s/epoch, ETA %s", self.KIND, epoch, epochs,
                 loss, node_loss, edge_loss, validation, seconds[-1], _duration(eta))

    # -- checkpoints ----------------------------------------------------------------------------
    def _checkpoint(self, train, initial):
        if not self.checkpoint_path:
            return None
        from glassdyn.md.checkpoint import Checkpoint, fingerprint

        arrays = [a for s in train for a in (s.positions, s.types, s.target, s.edge_target) if a is not None]
        identity = {"kind": self.KIND, "hyperparameters": self.hyperparameters(), "data": fingerprint(*arrays),
                    "warm_start": None if initial is None else fingerprint(*initial.values())}
        return Checkpoint(self.checkpoint_path, identity, interval=0.0)

    @staticmethod
    def _save_checkpoint(checkpoint, epoch, network, optimizer, generator, history, seconds, best) -> None:
        import torch

        from glassdyn.models.training_state import module_arrays, optimizer_arrays

        arrays = {**module_arrays(network, "network."), **optimizer_arrays(optimizer)}
        arrays["generator"] = generator.get_state().numpy()
        arrays["torch_generator"] = torch.get_rng_state().numpy()
        arrays["history"] = np.asarray(history, dtype=float)
        arrays["seconds"] = np.asarray(seconds, dtype=float)
        if best is not None:
            arrays.update({f"best.{k}": v.cpu().numpy() for k, v in best[2].items()})
        progress = {"epoch": epoch, "best_epoch": None if best is None else best[0],
                    "best_score": None if best is None else best[1]}
        checkpoint.save(arrays, progress, force=True)

    @staticmethod
    def _restore(restored, network, optimizer, generator, device):
        import torch

        from glassdyn.models.training_state import load_module_arrays, load_optimizer_arrays

        arrays, progress = restored
        load_module_arrays(network, arrays, "network.", device)
        load_optimizer_arrays(optimizer, arrays, device)
        generator.set_state(torch.as_tensor(arrays["generator"], dtype=torch.uint8))
        if "torch_generator" in arrays:
            torch.set_rng_state(torch.as_tensor(arrays["torch_generator"], dtype=torch.uint8))
        history = [list(row) for row in np.asarray(arrays["history"]).reshape(-1, len(HISTORY_COLUMNS))]
        seconds = list(np.asarray(arrays["seconds"]).ravel())
        best = None
        if progress.get("best_epoch") is not None:
            best = (progress["best_epoch"], progress["best_score"],
                    {k: torch.as_tensor(arrays[f"best.{k}"], device=device) for k in network.state_dict()})
        return int(progress["epoch"]), history, seconds, best

    # -- prediction -----------------------------------------------------------------------------
    def _forward(self, sample: GraphSample, edges: bool):
        import torch

        if not hasattr(self, "network_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted")
        if sample.positions.shape[1] != self.dimension_:
            raise ValueError(f"{sample.name}: a {self.dimension_}D model cannot predict a "
                             f"{sample.positions.shape[1]}D structure")
        data = self._to_data(sample, torch.device("cpu"), self.network_)
        with torch.no_grad():
            return self.network_(data.x, data.edge_index, data.edge_attr, decode_edges=edges)

    def predict(self, sample: GraphSample) -> np.ndarray:
        """(N,) predicted label of every particle of the structure ((N, n_t) for a network of
        several times)."""
        node_out, _ = self._forward(sample, edges=False)
        return node_out.numpy().astype(float)

    def predict_edges(self, sample: GraphSample) -> np.ndarray:
        """(P,) predicted E_ij(t) of every pair (mean of its two directed edges)."""
        if self.edge_decoder == "none":
            raise ValueError(f"{type(self).__name__} has no edge decoder")
        _, edge_out = self._forward(sample, edges=True)
        edge_out = edge_out.numpy().astype(float)
        n = len(sample.pairs)
        return 0.5 * (edge_out[:n] + edge_out[n:])

    def score_edges(self, sample: GraphSample, max_distance: float = 1.35) -> float:
        """Pearson correlation of predicted and true E_ij(t) on A-A pairs closer than
        ``max_distance`` at t = 0 (BOTAN Sec. V)."""
        mask = edge_pair_mask(sample, (0, 0), max_distance)
        return pearson(self.predict_edges(sample)[mask], sample.edge_target[mask])

    # -- parameters -----------------------------------------------------------------------------
    def get_parameters(self) -> dict[str, np.ndarray]:
        out = {k: v.detach().cpu().numpy() for k, v in self.network_.state_dict().items()}
        out["history"] = self.history_
        return out

    def set_parameters(self, parameters) -> None:
        parameters = dict(parameters)
        self.history_ = np.asarray(parameters.pop("history", np.zeros((0, len(HISTORY_COLUMNS)))))
        self.epochs_run_ = len(self.history_)
        self.best_epoch_ = None  # what early stopping chose is in info_ ("best_epoch")
        shape = self._shape_from_parameters(parameters)
        network = self._build_network(shape)
        self._load_network(network, parameters)
        network.eval()
        self.network_, self.shape_ = network, shape
        self.dimension_ = int(shape.get("dimension", 3))

    @staticmethod
    def _load_network(network, parameters) -> None:
        import torch

        device = next(network.parameters()).device
        expected = network.state_dict()
        shapes = {k: tuple(np.shape(parameters[k])) for k in expected if k in parameters}
        wrong = [k for k, v in expected.items() if shapes.get(k) != tuple(v.shape)]
        if wrong:
            raise ValueError(f"parameters do not fit this network: {wrong[:3]} (another architecture?)")
        network.load_state_dict({k: torch.as_tensor(np.asarray(parameters[k]), device=device) for k in expected})

    def describe(self) -> dict:
        history = getattr(self, "history_", None)
        if history is None or not len(history):
            return {}
        last = history[-1]
        out = {"epochs_run": int(len(history)), "final_loss": float(last[1]), "final_node_loss": float(last[2]),
               "final_edge_loss": float(last[3])}
        if getattr(self, "best_epoch_", None) is not None:
            out["best_epoch"] = self.best_epoch_
        return out


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


@register_model
class BOTAN(GraphNetworkModel):
    """BOTAN (Shiba et al., J. Chem. Phys. 158, 084503, 2023): node and edge targets.

    Parameters
    ----------
    n_cycles : message-passing cycles (7 in KA 3D, 8 in KA2D, roadmap SI I.D)
    hidden : width of every MLP layer (64)
    node_weight : p in L = p L_S + (1 - p) L_E (0.4; 0 for the edge pretraining)
    edge_decoder : "shared" (pyg_botan) or "separate"
    cutoff : edge cut-off at t = 0, sigma_11 (2.0)
    epochs : passes over the training graphs (1000; 2000 in KA2D)
    batch_size : graphs per step (1)
    learning_rate : Adam's (1e-4; 2e-4 in KA2D)
    grad_clip : gradient-norm clip (1.0; 0 or null: none)
    augment : a random cube symmetry per graph and step (True)
    patience : early stopping on the validation Pearson after this many epochs without gain
        (None: off, the last epoch is kept)
    device : "auto" (a GPU when visible), "cpu" or "cuda"
    mixed_precision : bfloat16 autocast on a GPU (False)
    seed : initialisation, shuffling and augmentation
    """

    KIND = "botan"

    def __init__(self, n_cycles: int = 7, hidden: int = 64, node_weight: float = 0.4, edge_decoder: str = "shared",
                 cutoff: float = EDGE_CUTOFF, epochs: int = 1000, batch_size: int = 1, learning_rate: float = 1e-4,
                 grad_clip: float = 1.0, augment: bool = True, patience: int | None = None, device: str = "auto",
                 mixed_precision: bool = False, seed: int = 0):
        self.n_cycles, self.hidden, self.node_weight, self.edge_decoder = n_cycles, hidden, node_weight, edge_decoder
        self.cutoff, self.epochs, self.batch_size, self.learning_rate = cutoff, epochs, batch_size, learning_rate
        self.grad_clip, self.augment, self.patience, self.device = grad_clip, augment, patience, device
        self.mixed_precision, self.seed = mixed_precision, seed
        self.loss_types = None


@register_model
class NTGNN(GraphNetworkModel):
    """NT-GNN: BOTAN's network without edge decoder, trained on nodes only (p = 1), minibatches
    of 5 graphs (BOTAN Sec. IV). Parameters as :class:`BOTAN`."""

    KIND = "nt-gnn"

    def __init__(self, n_cycles: int = 7, hidden: int = 64, cutoff: float = EDGE_CUTOFF, epochs: int = 1000,
                 batch_size: int = 5, learning_rate: float = 1e-4, grad_clip: float = 1.0, augment: bool = True,
                 patience: int | None = None, device: str = "auto", mixed_precision: bool = False, seed: int = 0):
        self.n_cycles, self.hidden, self.cutoff, self.epochs = n_cycles, hidden, cutoff, epochs
        self.batch_size, self.learning_rate, self.grad_clip, self.augment = batch_size, learning_rate, grad_clip, augment
        self.patience, self.device, self.mixed_precision, self.seed = patience, device, mixed_precision, seed
        self.node_weight, self.edge_decoder, self.loss_types = 1.0, "none", None


@register_model
class GNNDM(GraphNetworkModel):
    """GNN(DM): the graph network of Bapst et al. (Nat. Phys. 16, 448, 2020), the roadmap's
    GNN(DM): each cycle reads [current, encoded] node and edge states, node decoder only, loss
    on type-A particles (``loss_types``). Parameters as :class:`BOTAN`."""

    KIND = "gnn-dm"
    ENCODED_NODES_TO_EDGES = True

    def __init__(self, n_cycles: int = 7, hidden: int = 64, loss_types: tuple | None = (0,),
                 cutoff: float = EDGE_CUTOFF, epochs: int = 1000, batch_size: int = 1, learning_rate: float = 1e-4,
                 grad_clip: float = 1.0, augment: bool = True, patience: int | None = None, device: str = "auto",
                 mixed_precision: bool = False, seed: int = 0):
        self.n_cycles, self.hidden, self.loss_types, self.cutoff = n_cycles, hidden, loss_types, cutoff
        self.epochs, self.batch_size, self.learning_rate, self.grad_clip = epochs, batch_size, learning_rate, grad_clip
        self.augment, self.patience, self.device = augment, patience, device
        self.mixed_precision, self.seed = mixed_precision, seed
        self.node_weight, self.edge_decoder = 1.0, "none"
