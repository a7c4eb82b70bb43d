"""GlassMLP (Jung, Biroli, Berthier, PRL 130, 238202 (2023), main text and SM II).

An MLP with a 2-node bottleneck, M_S -> 2 -> 10 -> 10 -> 1, ELU activations (SM eq. 5) on
every layer but the linear output; 665 parameters for the PRL's M_S = 256. One network per
particle type, label kind and time, trained on batches of one structure's particles of that
type with the loss of SM eq. (6)-(7):

    L = <|X_MLP - X_MD|> / sqrt(Var X_MD)
        + w_v |Var X_MLP - Var X_MD| / Var X_MD
        + sum_d w_d |C(X_MLP, d) - C(X_MD, d)| / C_N,
    C(X, d) = sum_ij dX_i dX_j exp(-(R_ij - d)^2 / 2) / sum_i dX_i^2,   d = 2, 4, 6,
    C_N = |C(X_MD, d_min) - C(X_MD, d_max)|.

The SM prints the variance term without the absolute value; signed, it would reward an
unbounded predicted variance, so it is read as a deviation like the other two terms. The
Gaussian is read as exp(-(R - d)^2 / 2) (the sign is lost in the SM's typesetting).

Training follows SM II B in four phases (Adam; "accuracy" is the learning rate):
300 epochs at 5e-4 with w = 0; up to 1000 epochs at 2e-4 with early stopping (patience 15
on the validation loss); 50 epochs at 4e-5 with w_v = 1, w_d = 0.5; up to 1000 epochs at
2e-5 with early stopping. Stopping a phase restores the network with the best validation
loss of that phase. The network after phase two is the PRL's MLP(mae) (SM III) and the
roadmap's GlassMLP(L1) (SI II.A): :data:`L1_PHASES`.

An ensemble of independently initialised networks is trained at once as one batched
``torch.nn.Module`` (:class:`glassdyn.models.networks.EnsembleMLP`, weights of shape
(E, in, out)); Adam acts elementwise, so this is the same as training them one after the
other, only faster. Predictions are the ensemble mean.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from glassdyn.geometry import minimum_image
from glassdyn.models.base import PropensityModel, Standardizer, register_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingPhase:
    """One phase of the schedule: epochs, Adam learning rate, loss weights, early stopping.

    patience: stop when the validation loss has not improved for this many epochs and
    restore the best network of the phase (None: run all epochs).
    """

    epochs: int
    learning_rate: float
    variance_weight: float = 0.0
    correlation_weight: float = 0.0
    patience: int | None = None


#: PRL SM II B.
PRL_PHASES = (
    TrainingPhase(300, 5e-4),
    TrainingPhase(1000, 2e-4, patience=15),
    TrainingPhase(50, 4e-5, variance_weight=1.0, correlation_weight=0.5),
    TrainingPhase(1000, 2e-5, variance_weight=1.0, correlation_weight=0.5, patience=15),
)
#: GlassMLP(L1) / MLP(mae): the first two phases, MAE only.
L1_PHASES = PRL_PHASES[:2]


def _torch():
    import torch

    return torch


def __getattr__(name):
    """``EnsembleMLP`` lives in :mod:`glassdyn.models.networks` (imports torch on first use)."""
    if name == "EnsembleMLP":
        from glassdyn.models.networks import EnsembleMLP

        return EnsembleMLP
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def count_parameters(layer_sizes) -> int:
    """Weights and biases of one dense network with these layer sizes (hand count)."""
    return sum((a + 1) * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))


def minimum_image_distances(positions, box):
    """(n, n) float64 torch tensor of minimum-image distances, sigma_11.

    positions (n, d) sigma_11, numpy or CPU torch; box (d,) edges, sigma_11. The separations
    are :func:`glassdyn.geometry.minimum_image`'s (the same expression torch.round gave).
    """
    torch = _torch()
    x = np.asarray(positions, dtype=np.float64)
    delta = torch.as_tensor(minimum_image(x[:, None, :] - x[None, :, :], box))
    return torch.sqrt((delta * delta).sum(-1))


def correlation_kernel(positions, box, distances=(2.0, 4.0, 6.0)):
    """(n_d, n, n) float32 Gaussian shells exp(-(R_ij - d)^2 / 2) of SM eq. (7)."""
    torch = _torch()
    r = minimum_image_distances(positions, box)
    d = torch.as_tensor(distances, dtype=torch.float64)[:, None, None]
    return torch.exp(-0.5 * (r[None] - d) ** 2).to(torch.float32)


def spatial_correlation(values, kernel):
    """C(X, d) of SM eq. (7) for every d; values (..., n), kernel (n_d, n, n) -> (..., n_d)."""
    torch = _torch()
    dx = values - values.mean(-1, keepdim=True)
    kdx = torch.einsum("dij,...j->...di", kernel, dx)
    return (kdx * dx[..., None, :]).sum(-1) / (dx * dx).sum(-1, keepdim=True)


def varying_label(samples) -> list[int]:
    """Indices of the samples whose label differs between particles. One with the same label
    on every particle (no particle relaxed yet: C_B = 1) teaches nothing per particle, and the
    loss (SM eq. 6) divides by the label's variance and spatial correlation: training leaves
    such samples out."""
    return [k for k, s in enumerate(samples) if np.ptp(s.target) > 0]


class _Batch:
    """One sample as tensors, with the label statistics the loss needs precomputed."""

    def __init__(self, sample, standardizer, distances, device, with_kernel: bool):
        torch = _torch()
        self.x = torch.as_tensor(standardizer.transform(sample.features), device=device)
        self.y = torch.as_tensor(sample.target, dtype=torch.float32, device=device)
        self.positions, self.box, self.distances = sample.positions, sample.box, distances
        self.device = device
        self.variance = max(float(np.var(sample.target)), 1e-12)
        self._kernel = None
        self.correlation = None
        if with_kernel:
            kernel = self.kernel()
            self.correlation = spatial_correlation(self.y[None], kernel)[0]
            self.correlation_norm = max(abs(float(self.correlation[0] - self.correlation[-1])), 1e-12)

    def kernel(self):
        if self._kernel is not None:
            return self._kernel
        return correlation_kernel(self.positions, self.box, self.distances).to(self.device)

    def keep_kernel(self) -> None:
        self._kernel = self.kernel()

    def loss(self, prediction, phase: TrainingPhase):
        """(E,) loss of each network on this batch (SM eq. 6)."""
        loss = (prediction - self.y).abs().mean(-1) / np.sqrt(self.variance)
        if phase.variance_weight:
            variance = prediction.var(-1, unbiased=False)
            loss = loss + phase.variance_weight * (variance - self.variance).abs() / self.variance
        if phase.correlation_weight:
            c = spatial_correlation(prediction, self.kernel())
            loss = loss + phase.correlation_weight * (c - self.correlation).abs().sum(-1) / self.correlation_norm
        return loss


def train_phases(network, phases, batches, val_batches, batch_loss, n_networks: int, rng, name: str,
                 checkpoint=None) -> list[dict]:
    """Run a phase schedule on a batched ensemble; returns one history record per phase.

    batch_loss(batch, phase) -> (E,) loss of every network on one batch. Each phase gets a
    fresh Adam at its learning rate and one step per batch in a random order per epoch.
    Early stopping is per network (the networks are independent): a network stops when its
    monitored loss (validation, else training) has not improved for ``patience`` epochs, and
    every network gets back its best state of the phase when the phase ends.

    checkpoint: a :class:`~glassdyn.md.checkpoint.Checkpoint` of this training (its identity
    names the data and hyperparameters); the loop saves after epochs (as often as its
    interval allows) and resumes from it, and a resumed run ends bit for bit where an
    uninterrupted one does. The caller removes it once the model is saved.
    """
    torch = _torch()
    from glassdyn.models.training_state import (
        generator_state, load_module_arrays, load_optimizer_arrays, module_arrays, optimizer_arrays, set_generator_state)

    def mean_loss(group, phase):
        with torch.no_grad():
            return torch.stack([batch_loss(b, phase) for b in group]).mean(0).cpu()

    if any(p.patience for p in phases) and not val_batches:
        log.warning("%s: no validation structures: early stopping monitors the training loss", name)
    monitor = val_batches or batches
    device = next(network.parameters()).device
    restored = checkpoint.load() if checkpoint is not None else None
    resume = None
    history = []
    if restored is not None:
        arrays, resume = restored
        history = resume["history"]
        load_module_arrays(network, arrays, "network.", device)
        log.info("%s: resuming phase %d at epoch %d", name, resume["phase"], resume["epoch"])
    for number, phase in enumerate(phases, 1):
        if resume is not None and number < resume["phase"]:
            continue
        start = time.perf_counter()
        optimizer = torch.optim.Adam(network.parameters(), lr=phase.learning_rate)
        best = torch.full((n_networks,), float("inf"))
        best_state = network.state()
        waiting = torch.zeros(n_networks, dtype=torch.long)
        stopped = torch.zeros(n_networks, dtype=torch.bool)
        first_epoch = 0
        if resume is not None:  # the phase the checkpoint is in
            load_optimizer_arrays(optimizer, arrays, device)
            best = torch.as_tensor(arrays["best"])
            best_state = [torch.as_tensor(arrays[f"best_state.{k}"], device=device) for k in range(len(best_state))]
            waiting, stopped = torch.as_tensor(arrays["waiting"]), torch.as_tensor(arrays["stopped"])
            set_generator_state(rng, resume["rng"])
            torch.set_rng_state(torch.as_tensor(arrays["torch_rng"]))
            first_epoch, resume = resume["epoch"], None
        epochs_run = first_epoch
        for epoch in range(first_epoch, phase.epochs):
            for k in rng.permutation(len(batches)):
                optimizer.zero_grad(set_to_none=True)
                batch_loss(batches[k], phase).sum().backward()
                optimizer.step()
            epochs_run = epoch + 1
            if phase.patience is not None:
                current = mean_loss(monitor, phase)
                improved = (current < best) & ~stopped
                best = torch.where(improved, current, best)
                waiting = torch.where(improved, 0, waiting + (~stopped).long())
                if improved.any():
                    for b, n in zip(best_state, network.state()):
                        b[improved] = n[improved]
                stopped |= waiting >= phase.patience
                if stopped.all():
                    break
            if checkpoint is not None and epochs_run < phase.epochs:
                checkpoint.save({**module_arrays(network, "network."), **optimizer_arrays(optimizer),
                                 "best": best.numpy(), "waiting": waiting.numpy(), "stopped": stopped.numpy(),
                                 "torch_rng": torch.get_rng_state().numpy(),
                                 **{f"best_state.{k}": b.cpu().numpy() for k, b in enumerate(best_state)}},
                                {"phase": number, "epoch": epochs_run, "rng": generator_state(rng), "history": history})
        if phase.patience is not None:
            network.load_state(best_state)
        record = {"phase": number, "epochs": epochs_run, "seconds": round(time.perf_counter() - start, 2),
                  "train_loss": mean_loss(batches, phase).tolist()}
        if val_batches:
            record["validation_loss"] = mean_loss(val_batches, phase).tolist()
        history.append(record)
        log.info("%s phase %d: %d epochs in %.1f s, loss train %s validation %s", name, number, epochs_run,
                 record["seconds"], np.round(record["train_loss"], 4), np.round(record.get("validation_loss", []), 4))
    return history


def training_checkpoint(model, train, validation):
    """The checkpoint of ``model``'s training on these samples, or None without a
    ``checkpoint_path`` (set by the workflow before :meth:`fit`)."""
    if not getattr(model, "checkpoint_path", None):
        return None
    from glassdyn.md.checkpoint import Checkpoint, fingerprint

    arrays = [a for s in list(train) + list(validation) for a in (s.features, s.target) if a is not None]
    identity = {"kind": model.KIND, "hyperparameters": model.hyperparameters(), "data": fingerprint(*arrays),
                "n_train": len(train), "n_validation": len(validation)}
    return Checkpoint(model.checkpoint_path, identity, interval=model.checkpoint_interval)


@register_model
class GlassMLP(PropensityModel):
    """GlassMLP: bottleneck MLP per type, label and time (see module docstring).

    n_networks: ensemble size; hidden: hidden layer sizes (PRL: 2, 10, 10);
    phases: training schedule (dicts or :class:`TrainingPhase`; default PRL SM II B);
    distances: d of the correlation terms (sigma_11); seed: initialisation and batch order;
    kernel_memory_gib: the Gaussian kernels of all batches are kept in memory up to this
    size, otherwise recomputed per batch; device: torch device ("cpu", "cuda", "auto").
    """

    KIND = "glassmlp"

    def __init__(self, n_networks: int = 1, hidden=(2, 10, 10), phases=None, distances=(2.0, 4.0, 6.0), seed: int = 0,
                 kernel_memory_gib: float = 4.0, device: str = "cpu"):
        self.n_networks = int(n_networks)
        self.hidden = tuple(int(h) for h in hidden)
        phases = PRL_PHASES if phases is None else phases
        self.phases = tuple(p if isinstance(p, TrainingPhase) else TrainingPhase(**p) for p in phases)
        if not self.phases:
            raise ValueError("at least one training phase is needed")
        self.distances = tuple(float(d) for d in distances)
        self.seed = int(seed)
        self.kernel_memory_gib = float(kernel_memory_gib)
        self.device = device
        self.standardizer = None
        self.network = None
        self.history = []

    def _device(self):
        torch = _torch()
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def layer_sizes(self, n_features: int) -> tuple:
        return (n_features, *self.hidden, 1)

    def _build(self, n_features: int):
        from glassdyn.models.networks import EnsembleMLP

        self.network = EnsembleMLP(self.layer_sizes(n_features), self.n_networks, seed=self.seed, device=self._device())

    def _fit(self, train, validation) -> None:
        device = self._device()
        keep = varying_label(train)
        if not keep:
            raise ValueError("every training sample has the same label on every particle: nothing to learn")
        if len(keep) < len(train):
            log.warning("GlassMLP: %d training samples with the same label on every particle left out",
                        len(train) - len(keep))
        train = [train[k] for k in keep]
        validation = [validation[k] for k in varying_label(validation)]
        self.standardizer = Standardizer().fit(train)
        self._build(train[0].features.shape[1])
        needs_kernel = any(p.correlation_weight for p in self.phases)
        batches = [_Batch(s, self.standardizer, self.distances, device, needs_kernel) for s in train]
        val_batches = [_Batch(s, self.standardizer, self.distances, device, needs_kernel) for s in validation]
        if needs_kernel:
            n_bytes = sum(4 * len(self.distances) * len(b.y) ** 2 for b in batches + val_batches)
            if n_bytes <= self.kernel_memory_gib * 2**30:
                for b in batches + val_batches:
                    b.keep_kernel()
        self.history = train_phases(self.network, self.phases, batches, val_batches,
                                    lambda b, phase: b.loss(self.network(b.x)[..., 0], phase),
                                    self.n_networks, np.random.default_rng(self.seed), "GlassMLP",
                                    training_checkpoint(self, train, validation))

    def predict_networks(self, sample) -> np.ndarray:
        """(E, n) predictions of every network of the ensemble."""
        torch = _torch()
        if self.network is None:
            raise RuntimeError("GlassMLP is not fitted")
        x = torch.as_tensor(self.standardizer.transform(sample.features), device=next(self.network.parameters()).device)
        with torch.no_grad():
            return self.network(x)[..., 0].cpu().numpy().astype(float)

    def predict(self, sample) -> np.ndarray:
        return self.predict_networks(sample).mean(axis=0)

    def get_parameters(self) -> dict:
        if self.network is None:
            raise RuntimeError("GlassMLP is not fitted")
        # weight_0, bias_0, weight_1, ...: the network's state_dict under the file's names
        return {"standardizer_mean": self.standardizer.mean, "standardizer_scale": self.standardizer.scale,
                **self.network.arrays()}

    def set_parameters(self, parameters) -> None:
        self.standardizer = Standardizer(parameters["standardizer_mean"], parameters["standardizer_scale"])
        self._build(len(self.standardizer.mean))
        self.network.load_arrays(parameters)

    def describe(self) -> dict:
        # wall times stay out of the file: same inputs and seed give the same bytes
        history = [{k: v for k, v in h.items() if k != "seconds"} for h in self.history]
        return {"history": history,
                "parameters_per_network": self.network.n_parameters_per_network() if self.network else None}


@register_model
class GlassMLPL1(GlassMLP):
    """GlassMLP(L1) (roadmap SI II.A) = MLP(mae) (PRL SM III): MAE loss only, phases 1-2."""

    KIND = "glassmlp-l1"

    def __init__(self, n_networks: int = 1, hidden=(2, 10, 10), phases=None, distances=(2.0, 4.0, 6.0), seed: int = 0,
                 kernel_memory_gib: float = 4.0, device: str = "cpu"):
        phases = L1_PHASES if phases is None else phases
        if any(TrainingPhase(**p).variance_weight or TrainingPhase(**p).correlation_weight if isinstance(p, dict)
               else p.variance_weight or p.correlation_weight for p in phases):
            raise ValueError("GlassMLP(L1) trains on the MAE only: phases must have zero loss weights")
        super().__init__(n_networks=n_networks, hidden=hidden, phases=phases, distances=distances, seed=seed,
                         kernel_memory_gib=kernel_memory_gib, device=device)
