"""The roadmap's SE(3)-equivariant graph network (SI I.G, II.F) as a propensity model.

One network per state point predicts every particle at every modelled time at once (10 times
in KA 3D, 6 in KA2D): trained on graphs whose targets are (N, n_t), it is saved as one model
file that the workflow uses for all the times of its temperature. The architecture and its
readings are in :mod:`glassdyn.models.equivariant_networks`; the training is the SI's:

- MSE over particles and times + beta * sum of squared weights (beta = 1e-7; biases and batch-
  norm parameters included, as an L2 term on "the parameters");
- Adam with lr 1e-3, beta_1 = 0.99 (beta_2 = 0.999, PyTorch's), batches of 2 graphs (8 in 2D);
- 200 epochs (100 in 2D), no validation set, no early stopping, the last epoch kept;
- no augmentation by default: the network is invariant (``augment`` applies the cube
  symmetries anyway). Without it the spherical harmonics and radial basis of every training
  edge are computed once, before the first epoch, and kept on the device with the graphs.

Checkpoints, bit-identical resume on the CPU, the epoch heartbeat, ``device`` and the saving and
loading are those of the other graph networks (:class:`~glassdyn.models.gnn.GraphNetworkModel`).
"""

from __future__ import annotations

import numpy as np

from glassdyn.models.base import register_model
from glassdyn.models.gnn import GraphNetworkModel, to_data
from glassdyn.models.graphs import EDGE_CUTOFF


@register_model
class SE3GNN(GraphNetworkModel):
    """SE(3)-equivariant GNN (roadmap SI I.G; Pezzicoli, Charpiat and Landes 2023).

    Parameters
    ----------
    n_layers : convolution layers (8)
    channels : multiplicity of each l (8)
    l_max : largest l (3)
    n_basis : Bessel functions of the radial encoding (10)
    radial_hidden : hidden units of the radial MLP (16)
    dropout : dropout of the radial MLP (0.3)
    cutoff : edge cut-off, sigma_11 (2.0)
    epochs : passes over the training graphs (200; 100 in KA2D)
    batch_size : graphs per step (2; 8 in KA2D)
    learning_rate : Adam's (1e-3)
    beta1 : Adam's beta_1 (0.99)
    weight_decay : beta of the L2 term added to the loss (1e-7)
    grad_clip : gradient-norm clip (None: none, as the SI)
    augment : a random cube symmetry per graph and step (False: the network is invariant)
    patience : early stopping on the validation Pearson (None: off, the SI's protocol)
    device : "auto" (a GPU when visible), "cpu" or "cuda"
    mixed_precision : bfloat16 autocast on a GPU (False)
    seed : initialisation, dropout and shuffling
    """

    KIND = "se3"
    #: one fitted network covers every modelled time of its state point
    ALL_TIMES = True
    INTEGER_OPTIONS = ("epochs", "batch_size", "n_layers", "channels", "l_max", "n_basis", "radial_hidden")

    def __init__(self, n_layers: int = 8, channels: int = 8, l_max: int = 3, n_basis: int = 10,
                 radial_hidden: int = 16, dropout: float = 0.3, cutoff: float = EDGE_CUTOFF, epochs: int = 200,
                 batch_size: int = 2, learning_rate: float = 1e-3, beta1: float = 0.99, weight_decay: float = 1e-7,
                 grad_clip: float | None = None, augment: bool = False, patience: int | None = None,
                 device: str = "auto", mixed_precision: bool = False, seed: int = 0):
        self.n_layers, self.channels, self.l_max, self.n_basis = n_layers, channels, l_max, n_basis
        self.radial_hidden, self.dropout, self.cutoff, self.epochs = radial_hidden, dropout, cutoff, epochs
        self.batch_size, self.learning_rate, self.beta1 = batch_size, learning_rate, beta1
        self.weight_decay, self.grad_clip, self.augment, self.patience = weight_decay, grad_clip, augment, patience
        self.device, self.mixed_precision, self.seed = device, mixed_precision, seed
        self.node_weight, self.edge_decoder, self.loss_types = 1.0, "none", None

    # -- set-up ---------------------------------------------------------------------------------
    def _validate(self) -> None:
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")
        super()._validate()

    def _new_network(self, n_types: int, n_outputs: int, dimension: int = 3, energy_mean: float = 0.0,
                     energy_scale: float = 1.0, num_neighbors: float = 1.0):
        from glassdyn.models.equivariant_networks import SE3Network

        return SE3Network(n_types, n_outputs, self.n_layers, self.channels, self.l_max, self.n_basis,
                          self.radial_hidden, float(self.dropout), float(self.cutoff), energy_mean, energy_scale,
                          num_neighbors)

    def _network_shape(self, train) -> dict:
        """Types, outputs and dimension of the training graphs, and the statistics the network
        normalises with (mean and standard deviation of the energies, mean neighbour count)."""
        if any(s.energies is None for s in train):
            raise ValueError("SE(3) reads each particle's inherent-structure energy: the training graphs have none")
        targets = {np.shape(s.target)[1:] for s in train}
        if len(targets) != 1:
            raise ValueError(f"training graphs with different numbers of times: {sorted(targets)}")
        energies = np.concatenate([s.energies for s in train])
        n_outputs = int(np.prod(targets.pop() or (1,)))
        return {"n_types": int(max(s.types.max() for s in train)) + 1, "n_outputs": n_outputs,
                "dimension": int(train[0].positions.shape[1]), "energy_mean": float(energies.mean()),
                "energy_scale": float(energies.std() or 1.0),
                "num_neighbors": float(np.mean([2 * len(s.pairs) / s.n_particles for s in train]))}

    @staticmethod
    def _shape_from_parameters(parameters) -> dict:
        return {"n_types": int(np.asarray(parameters["n_types"])), "n_outputs": int(np.asarray(parameters["n_outputs"])),
                "dimension": int(np.asarray(parameters["dimension"]))}

    def n_parameters(self, dimension: int = 3, n_types: int | None = None, n_outputs: int | None = None) -> int:
        """Trainable parameters (the fitted network's when fitted; else KA 3D: 2 types, 10 times,
        KA2D: 3 types, 6 times, unless given)."""
        if getattr(self, "network_", None) is not None:
            return self.network_.n_parameters()
        n_types = n_types or (2 if dimension == 3 else 3)
        n_outputs = n_outputs or (10 if dimension == 3 else 6)
        return self._build_network({"n_types": n_types, "n_outputs": n_outputs}).n_parameters()

    # -- training -------------------------------------------------------------------------------
    def _to_data(self, sample, device, network):
        """x (N, 2) [type, inherent-structure energy]; y (N, n_t); without augmentation the
        edges' spherical harmonics and radial basis (``edge_sh``, ``edge_basis``), computed once."""
        import torch

        if sample.energies is None:
            raise ValueError(f"{sample.name}: SE(3) needs the particles' inherent-structure energies")
        data = to_data(sample, device)
        data.x = torch.stack([data.x[:, 0], torch.as_tensor(sample.energies, dtype=torch.float32, device=device)], 1)
        if sample.target is not None:
            data.y = data.y.reshape(sample.n_particles, -1)
        if not self.augment:
            with torch.no_grad():
                data.edge_sh, data.edge_basis = network.edge_features(data.edge_attr)
        return data

    def _optimizer(self, network):
        import torch

        return torch.optim.Adam(network.parameters(), lr=float(self.learning_rate), betas=(float(self.beta1), 0.999))

    def _forward_batch(self, network, batch, edge_attr):
        features = None if self.augment else (batch.edge_sh, batch.edge_basis)
        return network(batch.x, batch.edge_index, edge_attr, edge_features=features)

    def _penalty(self, network):
        if not self.weight_decay:
            return 0.0
        return float(self.weight_decay) * sum((p ** 2).sum() for p in network.parameters())

    def _training_state(self, train) -> dict:
        """temperature, tau_alpha, and the modelled ``time_indices``, ``times`` and ``mean_label``
        (per time, mean over the training graphs)."""
        first = train[0].state or {}
        state = {key: float(first[key]) for key in ("temperature", "tau_alpha") if first.get(key) is not None}
        if "time_indices" in first:
            state["time_indices"] = [int(t) for t in first["time_indices"]]
            state["times"] = [float(t) for t in first["times"]]
        means = [s.state.get("mean_label") for s in train]
        if means and all(m is not None for m in means):
            state["mean_label"] = [float(m) for m in np.mean(np.asarray(means, dtype=float).reshape(len(means), -1), 0)]
        return state

    # -- prediction -----------------------------------------------------------------------------
    def predict(self, sample) -> np.ndarray:
        """(N, n_t) predicted label of every particle at every modelled time (the columns of
        ``state_["time_indices"]``)."""
        node_out, _ = self._forward(sample, edges=False)
        return node_out.numpy().astype(float)

    def predict_time(self, sample, time_index: int) -> np.ndarray:
        """(N,) the prediction at one of the modelled time indices."""
        indices = list(self.state_.get("time_indices") or range(self.shape_["n_outputs"]))
        if time_index not in indices:
            raise ValueError(f"the SE(3) model predicts time indices {indices}, not {time_index}")
        return self.predict(sample)[:, indices.index(time_index)]

    def get_parameters(self) -> dict[str, np.ndarray]:
        out = super().get_parameters()
        for key in ("n_types", "n_outputs", "dimension"):
            out[key] = np.asarray(self.shape_[key] if key != "dimension" else self.dimension_, dtype=np.int64)
        return out
