"""tGlassMLP: the transferable GlassMLP (Jung, Biroli, Berthier, PRB 109, 064205 (2024)).

One network covers all state points: the state (T, <C_B(t)>) is an input, fed as the
six-vector s = (1/T, 1/T^2, 1/T^3, C, C^2, C^3) (App. B) into two small MLPs. Here
T is the temperature (epsilon / k_B) and C = <C_B(t)> the mean bond-breaking label of the
state point, which encodes the time (Sec. II.A, App. A). Per network (App. B, Fig. 1):

    MLP1:       s (6) -> 6 -> 6 -> 2 (ELU hidden, linear output)
    attention:  A^k = S^k f_1^k + MLP1^1 f_2^k + MLP1^2 f_3^k + f_4^k       (eq. 5)
                w_k = softmax_k(A^k),  S_out^k = S^k w_k                      (eqs. 6-7)
    bottleneck: S_out (M_S) -> 2 (ELU)
    MLP2:       s (6) -> 7 -> 7 -> 4 (ELU hidden, linear output)
    head:       concat(bottleneck 2, MLP2 4) -> 10 -> 10 -> 1 (ELU hidden, linear output)

S^k are the M_S standardised structural descriptors, f the 4 M_S learnable attention
parameters. The network is :class:`glassdyn.models.networks.TGlassNetwork`, built from
the same :class:`~glassdyn.models.networks.EnsembleMLP` as GlassMLP. Parameter count per network: 98 (MLP1) + 4 M_S + 2 (M_S + 1) + 137 (MLP2)
+ 191 (head) = 6 M_S + 428, i.e. 1484 for the PRB's M_S = 176 (1460 for M_S = 172, the
number the PRB's 688 = 4 M_S attention parameters implies).

Readings of the text (App. B leaves these open):

- Bottleneck activation: the PRB says only that the input "is encoded into the
  two-dimensional bottleneck layer"; tGlassMLP is a generalisation of GlassMLP, whose
  convention (PRL SM eq. 4-5) is ELU on every layer but the linear output, so the
  bottleneck has an ELU (``bottleneck_activation="linear"`` switches it off).
- MLP2 is "similar to MLP1": same six-vector input, linear four-dimensional output.
- The six state inputs are shifted and scaled to zero mean and unit variance over the
  training samples, like the descriptors. This is an affine map the first layer of MLP1 and
  MLP2 can absorb, so the function class is the paper's; it only keeps 1/T^3 (up to 300 at
  T_g = 0.15) from dominating the optimisation. A state input that is constant in training
  (C in the equal-time step) maps to C - C_train.
- Initialisation (not given): Glorot-uniform weights and zero biases (as GlassMLP), the
  attention parameters f Glorot-uniform over their (4, M_S) shape.
- Loss (Table II): phase 1 the plain mean squared error over the particles of a sample,
  phase 2 the GlassMLP loss (:class:`glassdyn.models.glassmlp._Batch`, w_v = 1, w_d = 0.5).
  A batch is one sample: one structure's particles of one type at one state point.

State-point input. ``make_sample`` stores the *per-structure* mean label as
``state["mean_label"]``; feeding that in would hand the network each structure's answer.
:meth:`TGlassMLP.fit` therefore uses <C_B(t)>, the particle-weighted mean over all training
samples of the same (temperature, time) (:func:`state_point_means`); samples without a
``time`` in their state (hand-made or transferred ones) are taken to carry the state-point
value in ``mean_label``. The fitted model keeps the (T, t, <C_B>) table, and
:meth:`TGlassMLP.predict` looks a sample's (T, t) up in it before falling back to its
``mean_label``.

Mean constraint at prediction (App. B). The iteration is run per network with the
correction *subtracted*, C^{j+1} = C^j - 0.75 (Xbar^j - <C_B>): the printed
"C^j + 0.75 (...)" would push the input away from the target, since the mean prediction
grows with the input C (a network with Xbar = C + b would go to <C_B> + 1.75 b instead of
<C_B> + 0.25 b). At most 6 updates, stopping once |Xbar - <C_B>| < ``mean_tolerance``; the
iterate with the smallest deviation is kept, so the constraint never makes the mean worse.
Xbar is the mean over all particles of the samples predicted together: pass every
structure of a state point to :meth:`TGlassMLP.predict_set` to constrain the set average
(as the PRB, which applies it "on a large set of amorphous structures") and keep the
structure-to-structure fluctuations chi_4 is made of; :meth:`TGlassMLP.predict` constrains
one structure.

Two-step training (Sec. II.E, Table I): :func:`train_two_step`, built from
:func:`self_consistent` and :func:`self_consistency_filter`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from glassdyn.models.base import PropensityModel, Standardizer, register_model
from glassdyn.models.data import Sample
from glassdyn.models.glassmlp import TrainingPhase, _Batch, _torch, train_phases, training_checkpoint, varying_label

log = logging.getLogger(__name__)

#: Length of the state-point input (1/T, 1/T^2, 1/T^3, C, C^2, C^3).
N_STATE = 6
#: Self-consistency tolerance of PRB Sec. II.E.
SELF_CONSISTENCY_TOLERANCE = 1e-4


@dataclass(frozen=True)
class TGlassPhase(TrainingPhase):
    """A :class:`TrainingPhase` with a choice of loss: ``"mse"`` (mean squared error) or
    ``"glassmlp"`` (MAE / std + variance + spatial-correlation terms, PRL SM eq. 6)."""

    loss: str = "glassmlp"

    def __post_init__(self):
        if self.loss not in ("mse", "glassmlp"):
            raise ValueError(f"unknown loss {self.loss!r}; choose 'mse' or 'glassmlp'")
        if self.loss == "mse" and (self.variance_weight or self.correlation_weight):
            raise ValueError("the mse loss has no variance or correlation terms: set their weights to 0")


#: PRB App. B, Table II: phase 1 (85 epochs, MSE), phase 2 (50 epochs, GlassMLP loss).
PRB_PHASES = (
    TGlassPhase(10, 1e-3, loss="mse"),
    TGlassPhase(50, 5e-4, loss="mse"),
    TGlassPhase(25, 2e-4, loss="mse"),
    TGlassPhase(50, 4e-5, variance_weight=1.0, correlation_weight=0.5, loss="glassmlp"),
)


def state_features(temperature, mean_label) -> np.ndarray:
    """(..., 6) state input (1/T, 1/T^2, 1/T^3, C, C^2, C^3) of PRB App. B.

    temperature: T, epsilon / k_B (> 0); mean_label: C = <C_B(t)>, dimensionless.
    Scalars or broadcastable arrays.
    """
    t = np.asarray(temperature, dtype=float)
    c = np.asarray(mean_label, dtype=float)
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"temperature must be positive and finite, got {temperature}")
    u, c = np.broadcast_arrays(1.0 / t, c)
    return np.stack([u, u**2, u**3, c, c**2, c**3], axis=-1)


def column_lengths(columns) -> np.ndarray:
    """(M,) coarse-graining length L of every descriptor column named ``..._L{L:g}``."""
    lengths = []
    for name in np.asarray(columns).astype(str):
        match = re.search(r"_L([-+0-9.eE]+)$", name)
        if match is None:
            raise ValueError(f"descriptor column {name!r} has no _L<length> suffix")
        lengths.append(float(match.group(1)))
    return np.asarray(lengths)


def _state_key(temperature, time_value) -> tuple[float, float]:
    return float(temperature), float(time_value)


def state_point_means(samples) -> np.ndarray:
    """(n_samples,) <C_B(t)> of each sample's state point.

    Samples whose state has a ``time`` are grouped by (temperature, time) and get the
    particle-weighted mean of the group's targets (the state-point average over
    structures, not the structure's own mean); the others keep ``state["mean_label"]``.
    """
    groups: dict[tuple, list[int]] = {}
    out = np.full(len(samples), np.nan)
    for k, s in enumerate(samples):
        st = s.state or {}
        if st.get("time") is not None and s.target is not None:
            groups.setdefault(_state_key(_temperature(s, st), st["time"]), []).append(k)
        elif st.get("mean_label") is not None:
            out[k] = float(st["mean_label"])
        else:
            raise ValueError(f"{s.name}: the state has neither a time nor a mean_label")
    for members in groups.values():
        total = sum(float(samples[k].target.sum()) for k in members)
        n = sum(samples[k].n_particles for k in members)
        out[members] = total / n
    return out


def _temperature(sample, state) -> float:
    t = state.get("temperature")
    if t is None:
        raise ValueError(f"{sample.name}: the state has no temperature (tGlassMLP needs it as an input)")
    return float(t)


def _standardizer_of(rows) -> Standardizer:
    """Standardizer over the rows of a 2-d array (same conventions as :class:`Standardizer`)."""
    rows = np.asarray(rows, dtype=float)
    mean = rows.mean(axis=0)
    std = rows.std(axis=0)
    return Standardizer(mean, np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0))


def __getattr__(name):
    """``TGlassNetwork`` lives in :mod:`glassdyn.models.networks` (imports torch on first use)."""
    if name == "TGlassNetwork":
        from glassdyn.models.networks import TGlassNetwork

        return TGlassNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class IntrinsicLength:
    """P_int(L) and xi_int of PRB Sec. VI.A.

    lengths: (n_L,) distinct coarse-graining lengths L, sigma_11, ascending;
    probability: (n_L,) P_int(L), summing to 1; xi: sum_L P_int(L) L, sigma_11;
    column_weights: (M_S,) particle-averaged attention weight of every descriptor.
    """

    lengths: np.ndarray
    probability: np.ndarray
    xi: float
    column_weights: np.ndarray


@register_model
class TGlassMLP(PropensityModel):
    """tGlassMLP: one attention + bottleneck network over all state points (module docstring).

    n_networks: independently initialised networks trained together (predictions are the
    mean over the active ones, see ``active``); mlp1_hidden, bottleneck, mlp2_hidden,
    mlp2_out, head_hidden: layer sizes (PRB App. B defaults); bottleneck_activation: "elu"
    or "linear"; phases: training schedule (dicts or :class:`TGlassPhase`, default
    :data:`PRB_PHASES`); distances: d of the correlation terms, sigma_11; constrain_mean,
    mean_gain, mean_iterations, mean_tolerance: the iterative mean constraint at prediction;
    seed: initialisation and batch order; kernel_memory_gib: correlation kernels (shared by
    the samples of one structure at different state points) are kept up to this size;
    device: torch device ("cpu", "cuda", "auto").

    After ``fit``: ``active`` (E,) bool, the networks predictions average over (all, until a
    self-consistency filter deselects some), ``state_points`` (K, 3) rows (T, t, <C_B>) of
    the training state points that had a time, ``history``.
    """

    KIND = "tglassmlp"
    PER_TIME = False

    def __init__(self, n_networks: int = 1, mlp1_hidden=(6, 6), bottleneck: int = 2, mlp2_hidden=(7, 7),
                 mlp2_out: int = 4, head_hidden=(10, 10), bottleneck_activation: str = "elu", phases=None,
                 distances=(2.0, 4.0, 6.0), constrain_mean: bool = True, mean_gain: float = 0.75,
                 mean_iterations: int = 6, mean_tolerance: float = 1e-5, seed: int = 0,
                 kernel_memory_gib: float = 4.0, device: str = "cpu"):
        self.n_networks = int(n_networks)
        self.mlp1_hidden = tuple(int(h) for h in mlp1_hidden)
        self.bottleneck = int(bottleneck)
        self.mlp2_hidden = tuple(int(h) for h in mlp2_hidden)
        self.mlp2_out = int(mlp2_out)
        self.head_hidden = tuple(int(h) for h in head_hidden)
        self.bottleneck_activation = str(bottleneck_activation)
        phases = PRB_PHASES if phases is None else phases
        self.phases = tuple(p if isinstance(p, TGlassPhase) else
                            TGlassPhase(**(asdict(p) if isinstance(p, TrainingPhase) else p)) for p in phases)
        if not self.phases:
            raise ValueError("at least one training phase is needed")
        self.distances = tuple(float(d) for d in distances)
        self.constrain_mean = bool(constrain_mean)
        self.mean_gain = float(mean_gain)
        self.mean_iterations = int(mean_iterations)
        self.mean_tolerance = float(mean_tolerance)
        self.seed = int(seed)
        self.kernel_memory_gib = float(kernel_memory_gib)
        self.device = device
        self.standardizer = None
        self.state_standardizer = None
        self.network = None
        self.active = np.ones(self.n_networks, dtype=bool)
        self.state_points = np.zeros((0, 3))
        self.history = []
        #: Report of :func:`train_two_step` when it made this model (saved with describe()).
        self.two_step_ = None

    # ----------------------------------------------------------------------------- building
    def _device(self):
        torch = _torch()
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def _build(self, n_features: int):
        from glassdyn.models.networks import TGlassNetwork

        self.network = TGlassNetwork(n_features, self.n_networks, self.mlp1_hidden, self.bottleneck, self.mlp2_hidden,
                                     self.mlp2_out, self.head_hidden, self.bottleneck_activation, seed=self.seed,
                                     device=self._device())

    def _require_fitted(self):
        if self.network is None:
            raise RuntimeError("TGlassMLP is not fitted")

    def state_input(self, temperature, mean_label):
        """(E, 6) standardised state input; mean_label a scalar or one C per network."""
        torch = _torch()
        c = np.broadcast_to(np.asarray(mean_label, dtype=float), (self.n_networks,))
        s = self.state_standardizer.transform(state_features(temperature, c))
        return torch.as_tensor(s, device=self.network.attention.device)

    def _x(self, sample):
        torch = _torch()
        return torch.as_tensor(self.standardizer.transform(sample.features), device=self.network.attention.device)

    # ----------------------------------------------------------------------------- training
    def _fit(self, train, validation) -> None:
        """Train on samples of many state points (each with a temperature in its state, and a
        time or a state-point ``mean_label``); validation samples are only monitored, or
        used for early stopping in phases with a patience."""
        if any(s.target is None for s in train + validation):
            raise ValueError("training and validation samples need targets")
        device = self._device()
        train_c, val_c = state_point_means(train), state_point_means(validation) if validation else np.zeros(0)
        # a sample whose label is the same for every particle (no particle relaxed yet, C_B = 1)
        # teaches nothing per particle, and the GlassMLP loss divides by the label's variance:
        # left out, after its state point's mean is taken
        train, train_c = _varying(train, train_c, "training")
        validation, val_c = _varying(validation, val_c, "validation")
        train_t = np.array([_temperature(s, s.state) for s in train])
        val_t = np.array([_temperature(s, s.state) for s in validation])
        self.standardizer = Standardizer().fit(train)
        self.state_standardizer = _standardizer_of(state_features(train_t, train_c))
        self.state_points = self._state_table(train, train_c)
        self._build(train[0].features.shape[1])
        self.active = np.ones(self.n_networks, dtype=bool)
        needs_kernel = any(p.correlation_weight for p in self.phases)
        kernels = self._kernel_cache(train + validation) if needs_kernel else None
        features = {}
        batches = [self._batch(s, t, c, device, needs_kernel, kernels, features)
                   for s, t, c in zip(train, train_t, train_c)]
        val_batches = [self._batch(s, t, c, device, needs_kernel, kernels, features)
                       for s, t, c in zip(validation, val_t, val_c)]
        # batches of all state points in one random order: the network sees them mixed
        self.history = train_phases(self.network, self.phases, batches, val_batches,
                                    lambda b, phase: self._loss(b, self.network(b.x, b.s), phase),
                                    self.n_networks, np.random.default_rng(self.seed), "tGlassMLP",
                                    training_checkpoint(self, train, validation))
        for record, phase in zip(self.history, self.phases):
            record["loss"] = phase.loss

    def _training_state(self, train) -> dict:
        """state_: the sorted (temperature, time) pairs of the training samples with a time."""
        points = sorted({(float(s.state["temperature"]), float(s.state["time"])) for s in train
                         if s.state.get("time") is not None})
        return {"state_points": [list(p) for p in points]}

    @staticmethod
    def _state_table(samples, means) -> np.ndarray:
        rows = {}
        for s, c in zip(samples, means):
            if s.state.get("time") is not None:
                rows[_state_key(s.state["temperature"], s.state["time"])] = c
        return np.array([[t, tt, c] for (t, tt), c in sorted(rows.items())]).reshape(-1, 3)

    def _kernel_cache(self, samples):
        """A dict for sharing kernels between samples of the same structure, or None when
        the distinct structures' kernels would not fit in ``kernel_memory_gib``."""
        sizes = {_positions_key(s): s.n_particles for s in samples}
        n_bytes = sum(4 * len(self.distances) * n * n for n in sizes.values())
        return {} if n_bytes <= self.kernel_memory_gib * 2**30 else None

    def _batch(self, sample, temperature, mean_label, device, needs_kernel, kernels, features):
        batch = _StateBatch(sample, self.standardizer, self.distances, device, needs_kernel, kernels, features)
        batch.s = self.state_input(temperature, mean_label)
        return batch

    @staticmethod
    def _loss(batch, prediction, phase: TGlassPhase):
        """(E,) loss of each network on one sample."""
        if phase.loss == "mse":
            return ((prediction - batch.y) ** 2).mean(-1)
        return batch.loss(prediction, phase)

    # --------------------------------------------------------------------------- prediction
    def resolve_state(self, sample, state=None) -> tuple[float, float]:
        """(T, <C_B>) to predict ``sample`` at: ``state`` (temperature, mean_label) if given,
        else the sample's own state, whose (temperature, time) is first looked up in the
        training state points (so a test structure gets the state-point mean, not its own)."""
        if state is not None:
            if state.get("mean_label") is None:
                raise ValueError("state needs a temperature and a mean_label")
            return _temperature(sample, state), float(state["mean_label"])
        st = sample.state or {}
        t = _temperature(sample, st)
        if st.get("time") is not None:
            c = self.state_point_mean_label(t, st["time"])
            if c is not None:
                return t, c
        if st.get("mean_label") is None:
            raise ValueError(f"{sample.name}: no mean_label in the state; pass state=dict(temperature=, mean_label=)")
        return t, float(st["mean_label"])

    def state_point_mean_label(self, temperature: float, time: float) -> float | None:
        """<C_B> of the training state point (temperature, time), None if not trained there."""
        if not len(self.state_points):
            return None
        hit = np.isclose(self.state_points[:, 0], float(temperature)) & np.isclose(self.state_points[:, 1], float(time))
        return float(self.state_points[np.argmax(hit), 2]) if hit.any() else None

    def _networks(self, networks):
        if networks is None:
            networks = np.nonzero(self.active)[0]
        networks = np.atleast_1d(np.asarray(networks, dtype=int))
        if not len(networks):
            raise RuntimeError("no active networks (every network failed the self-consistency filter)")
        return networks

    def _raw(self, samples, temperature, c):
        """list of (E, n) predictions of all networks, network e at state input C = c[e]."""
        torch = _torch()
        s = self.state_input(temperature, c)
        with torch.no_grad():
            return [self.network(self._x(sample), s).cpu().numpy().astype(float) for sample in samples]

    def predict_set_networks(self, samples, state=None, constrain_mean=None, networks=None) -> list[np.ndarray]:
        """Per-sample (E', n) predictions of the networks ``networks`` (default: the active
        ones) for samples of one state point, with the mean over all their particles
        constrained to <C_B> per network when ``constrain_mean`` (default: the model's)."""
        return self.constrained_predictions(samples, state, constrain_mean, networks)[0]

    def constrained_predictions(self, samples, state=None, constrain_mean=None,
                                networks=None) -> tuple[list[np.ndarray], dict]:
        """(:meth:`predict_set_networks`, record of the mean constraint): the record holds
        temperature, mean_label (<C_B>), and per network (E',) the state input
        ``input_mean_label`` C whose prediction was kept and its ``mean_deviation``
        Xbar - <C_B>."""
        self._require_fitted()
        samples = [samples] if isinstance(samples, Sample) else list(samples)
        networks = self._networks(networks)
        points = {self.resolve_state(s, state) for s in samples}
        if len(points) != 1:
            raise ValueError(f"samples of different state points {sorted(points)}: predict them separately")
        temperature, target = points.pop()
        constrain = self.constrain_mean if constrain_mean is None else bool(constrain_mean)
        n_total = sum(s.n_particles for s in samples)
        c = np.full(self.n_networks, target)
        best, best_dev = None, np.full(self.n_networks, np.inf)
        best_c = c.copy()
        for j in range(self.mean_iterations + 1 if constrain else 1):
            out = self._raw(samples, temperature, c)
            deviation = sum(o.sum(axis=1) for o in out) / n_total - target  # (E,)
            better = np.abs(deviation) < np.abs(best_dev)
            best = out if best is None else [np.where(better[:, None], o, b) for o, b in zip(out, best)]
            best_dev = np.where(better, deviation, best_dev)
            best_c = np.where(better, c, best_c)
            if np.all(np.abs(best_dev[networks]) < self.mean_tolerance):
                break
            # App. B with the sign that converges (module docstring)
            c = c - self.mean_gain * deviation
        record = {"temperature": temperature, "mean_label": target, "input_mean_label": best_c[networks].tolist(),
                  "mean_deviation": best_dev[networks].tolist()}
        return [b[networks] for b in best], record

    def predict_set(self, samples, state=None, constrain_mean=None) -> list[np.ndarray]:
        """Per-sample (n,) predictions (mean over the active networks) for samples of one
        state point, with the mean constraint over the whole set."""
        return [p.mean(axis=0) for p in self.predict_set_networks(samples, state, constrain_mean)]

    def predict_networks(self, sample, state=None, constrain_mean=None, networks=None) -> np.ndarray:
        """(E', n) predictions of the networks ``networks`` (default: the active ones)."""
        return self.predict_set_networks([sample], state, constrain_mean, networks)[0]

    def predict(self, sample, state=None, constrain_mean=None) -> np.ndarray:
        """(n,) predicted <C_B>-type labels of ``sample`` at ``state`` (dict with temperature
        and mean_label; default: resolved from the sample, see :meth:`resolve_state`)."""
        return self.predict_networks(sample, state, constrain_mean).mean(axis=0)

    def network_mean_predictions(self, samples, state=None, constrain_mean: bool = False) -> np.ndarray:
        """(E,) mean prediction of every network (active or not) over all particles of
        ``samples`` (one state point); unconstrained by default (self-consistency test)."""
        out = self.predict_set_networks(samples, state, constrain_mean, networks=np.arange(self.n_networks))
        return sum(o.sum(axis=1) for o in out) / sum(o.shape[1] for o in out)

    # ------------------------------------------------------------------------- interpretation
    def attention_weights(self, sample, state=None, networks=None) -> np.ndarray:
        """(n, M_S) attention weights w_k of every particle (eq. 6), averaged over the networks
        (default: the active ones), at the state input itself (no mean constraint).
        Each row sums to 1."""
        torch = _torch()
        self._require_fitted()
        networks = self._networks(networks)
        temperature, c = self.resolve_state(sample, state)
        with torch.no_grad():
            w = self.network.weights(self._x(sample), self.state_input(temperature, c))
        return w[networks].mean(0).cpu().numpy().astype(float)

    def bottleneck_outputs(self, sample, temperature: float, input_mean_label) -> np.ndarray:
        """(E, n, bottleneck) bottleneck layer of every network for ``sample`` at state input
        (temperature, C), C (E,) per network or one value (e.g. the ``input_mean_label`` the
        mean constraint chose, :meth:`constrained_predictions`). Each network has its own
        coordinates: compare particles within one network (PRB Figs. 10-11)."""
        torch = _torch()
        self._require_fitted()
        c = np.broadcast_to(np.asarray(input_mean_label, dtype=float), (self.n_networks,))
        with torch.no_grad():
            out = self.network.encode(self._x(sample), self.state_input(temperature, c))
        return out.cpu().numpy().astype(float)

    def intrinsic_length(self, samples, state=None, lengths=None, networks=None) -> IntrinsicLength:
        """P_int(L) and xi_int (PRB Sec. VI.A) at one state point.

        The attention weight of every descriptor is averaged over all particles of
        ``samples``, then over the descriptors with the same coarse-graining length L, and
        normalised over L: P_int(L). The PRB's xi_int = int dL P_int(L) L with P_int
        normalised is evaluated on the discrete set of lengths as xi_int = sum_L P_int(L) L,
        treating P_int as a probability over the M_CG lengths (no quadrature weights for the
        non-uniform grid). lengths: (M_S,) L of every column, sigma_11; default parsed from
        the ``columns`` names (``..._L2.5``).
        """
        samples = [samples] if isinstance(samples, Sample) else list(samples)
        if lengths is None:
            if getattr(self, "columns_", None) is None:
                raise ValueError("no column names on the model: pass lengths (one per descriptor column)")
            lengths = column_lengths(self.columns_)
        lengths = np.asarray(lengths, dtype=float)
        total = sum(self.attention_weights(s, state, networks).sum(axis=0) for s in samples)
        column_weights = total / sum(s.n_particles for s in samples)
        if lengths.shape != column_weights.shape:
            raise ValueError(f"{len(lengths)} lengths for {len(column_weights)} descriptor columns")
        values = np.unique(lengths)
        per_length = np.array([column_weights[lengths == v].mean() for v in values])
        probability = per_length / per_length.sum()
        return IntrinsicLength(values, probability, float((probability * values).sum()), column_weights)

    # ---------------------------------------------------------------------------- parameters
    def get_parameters(self) -> dict:
        self._require_fitted()
        out = {"standardizer_mean": self.standardizer.mean, "standardizer_scale": self.standardizer.scale,
               "state_mean": self.state_standardizer.mean, "state_scale": self.state_standardizer.scale,
               "active": self.active.astype(np.int8), "state_points": self.state_points}
        # the network's state_dict under the file's names (mlp1_weight_0, ..., head_bias_2,
        # attention), attention last as the file layout has always had it
        arrays = self.network.arrays()
        attention = arrays.pop("attention")
        return {**out, **arrays, "attention": attention}

    def set_parameters(self, parameters) -> None:
        self.standardizer = Standardizer(parameters["standardizer_mean"], parameters["standardizer_scale"])
        self.state_standardizer = Standardizer(parameters["state_mean"], parameters["state_scale"])
        self.active = np.asarray(parameters["active"]).astype(bool)
        self.state_points = np.asarray(parameters["state_points"], dtype=float).reshape(-1, 3)
        self._build(len(self.standardizer.mean))
        self.network.load_arrays(parameters)

    def describe(self) -> dict:
        # wall times stay out of the file: same inputs and seed give the same bytes
        history = [{k: v for k, v in h.items() if k != "seconds"} for h in self.history]
        out = {"history": history, "active_networks": np.nonzero(self.active)[0].tolist(),
               "parameters_per_network": self.network.n_parameters_per_network() if self.network else None}
        if self.two_step_ is not None:
            out["two_step"] = self.two_step_
        return out


def _varying(samples, means, what: str):
    """The samples (and their state-point means) whose label varies between particles."""
    keep = varying_label(samples)
    if len(keep) < len(samples):
        dropped = sorted({(_temperature(s, s.state), s.state.get("time")) for k, s in enumerate(samples) if k not in keep},
                         key=str)
        log.warning("tGlassMLP: %d %s samples with the same label on every particle left out (state points %s)",
                    len(samples) - len(keep), what, dropped[:5])
        if not keep and what == "training":
            raise ValueError("every training sample has the same label on every particle: nothing to learn")
    return [samples[k] for k in keep], np.asarray(means)[keep] if len(means) else np.asarray(means)


def _digest(*arrays) -> bytes:
    """A short key for array contents: identifies one structure seen at many state points."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype, a.shape)).encode())
        h.update(a.tobytes())
    return h.digest()


def _positions_key(sample) -> bytes:
    return _digest(sample.positions, sample.box)


class _StateBatch(_Batch):
    """GlassMLP's batch (label statistics, loss) plus the state input ``s`` (E, 6).

    One structure appears at many state points (PRB Table I: ~40), so its standardised
    descriptors and its correlation kernel (which depends only on positions) are stored
    once and shared through ``features`` and ``kernels`` (dicts; kernels None: recompute
    every time).
    """

    def __init__(self, sample, standardizer, distances, device, with_kernel: bool, kernels, features):
        self._kernels = kernels
        self._key = _positions_key(sample) if kernels is not None else None
        super().__init__(sample, standardizer, distances, device, with_kernel)
        self.x = features.setdefault(_digest(sample.features), self.x)
        self.s = None

    def kernel(self):
        if self._kernels is None:
            return super().kernel()
        if self._key not in self._kernels:
            self._kernels[self._key] = super().kernel()
        return self._kernels[self._key]


# ------------------------------------------------------------------------------- two-step
def self_consistent(mean_prediction, mean_label, tolerance: float = SELF_CONSISTENCY_TOLERANCE) -> np.ndarray:
    """Bool mask |Xbar - <C_B>| < tolerance (PRB Sec. II.E), elementwise over networks."""
    return np.abs(np.asarray(mean_prediction, dtype=float) - float(mean_label)) < tolerance


def self_consistency_filter(models, samples, mean_label, tolerance: float = SELF_CONSISTENCY_TOLERANCE, *,
                            temperature=None) -> np.ndarray:
    """Indices of the candidates whose unconstrained mean prediction over all particles of
    ``samples`` is within ``tolerance`` of ``mean_label`` (<C_B>).

    models: one :class:`TGlassMLP` (candidates: its networks, active or not) or a sequence
    of them (candidates: the models, each predicting the mean over its active networks).
    temperature: of the samples; default their state's. The prediction is made at the
    state (temperature, mean_label) itself, without the mean constraint, which would make
    every network pass.
    """
    samples = [samples] if isinstance(samples, Sample) else list(samples)
    state = None if temperature is None else {"temperature": float(temperature), "mean_label": float(mean_label)}
    if state is None:
        state = {"temperature": _temperature(samples[0], samples[0].state), "mean_label": float(mean_label)}
    if isinstance(models, TGlassMLP):
        means = models.network_mean_predictions(samples, state)
    else:
        n = sum(s.n_particles for s in samples)
        means = np.array([sum(p.sum() for p in m.predict_set(samples, state, constrain_mean=False)) / n
                          for m in models])
    return np.nonzero(self_consistent(means, mean_label, tolerance))[0]


def with_state(sample: Sample, temperature: float, mean_label: float, **extra) -> Sample:
    """A copy of ``sample`` whose state is exactly (temperature, mean_label = <C_B>): no
    time, so :func:`state_point_means` takes the given mean label as the state's."""
    state = {"temperature": float(temperature), "mean_label": float(mean_label), **extra}
    return dataclasses.replace(sample, state=state)


@dataclass
class TwoStepResult:
    """What :func:`train_two_step` produced.

    model: the final TGlassMLP, ``active`` set to the networks passing the final filter;
    equal_time: step-1 models by <C_B>; transferred: the distilled samples (targets =
    mean prediction of the step-1 networks that passed, state (T, <C_B>)); report:
    per target state the passing networks and mean deviations of both steps.
    """

    model: TGlassMLP
    equal_time: dict = field(default_factory=dict)
    transferred: list = field(default_factory=list)
    report: dict = field(default_factory=dict)


def _same(a, b) -> bool:
    """Equal state-point values (<C_B> from a table, up to float noise)."""
    return bool(np.isclose(a, b, rtol=0, atol=1e-9))


def _equal_time_states(by_state: dict, c: float, values, t_min: float, grid_tolerance: float) -> list:
    """Keys (T, c') of ``by_state`` that train the equal-time network of ``c``: T >= t_min,
    c the nearest of ``values`` to c', |c' - c| <= grid_tolerance (or equal), the closest
    per temperature."""
    best = {}
    for t, cc in by_state:
        if t < t_min - 1e-12:
            continue
        nearest = min(values, key=lambda v: abs(v - cc))
        if not _same(nearest, c) or (abs(cc - c) > grid_tolerance and not _same(cc, c)):
            continue
        if t not in best or abs(cc - c) < abs(best[t][1] - c):
            best[t] = (t, cc)
    return sorted(best.values())


def train_two_step(samples_by_state, t_min: float, target_states, n_candidates: int = 16, *,
                   model_options: dict | None = None, final_options: dict | None = None,
                   tolerance: float = SELF_CONSISTENCY_TOLERANCE, min_networks: int = 1, seed: int = 0,
                   validation_by_state=None, grid_tolerance: float = 0.0) -> TwoStepResult:
    """Two-step training of tGlassMLP (PRB Sec. II.E, App. B, Table I).

    samples_by_state: {(T, <C_B>): labelled samples} from MD; target_states: {(T, <C_B>):
    structures (labels not needed)} where MD labels are missing (the 't' of Table I,
    typically T < t_min); n_candidates: networks per training run (PRB: 16).

    Step 1, for every <C_B> among the targets: an "equal-time" TGlassMLP with n_candidates
    networks is trained on the labelled states with that <C_B> and T >= t_min, applied
    (without mean constraint) to the target structures of that <C_B>, and at each target
    state only the networks with |Xbar - <C_B>| < tolerance are kept; the mean of their
    predictions becomes the labels of that state ("transferred" data, a form of
    distillation). A target state no network passes gets no data (logged, in the report).
    Step 2: one TGlassMLP with n_candidates networks is trained on all labelled and
    transferred samples and filtered again: a network is kept when it passes at every
    target state. If fewer than ``min_networks`` pass, the ``min_networks`` with the
    smallest worst deviation are kept instead (logged, in the report) so the model predicts.
    model_options / final_options: TGlassMLP arguments of steps 1 / 2 (final defaults to
    model_options); validation_by_state: like samples_by_state, monitored in both steps.
    grid_tolerance: MD times rarely fall on the <C_B> grid; a labelled state (T, c') trains
    the equal-time network of the target value c nearest to c' when |c' - c| <=
    grid_tolerance, the nearest such state per temperature only, with its own c' as input
    (0: exact matches only).
    """
    model_options = dict(model_options or {})
    final_options = dict(model_options if final_options is None else final_options)
    for options in (model_options, final_options):
        options.pop("n_networks", None)  # n_candidates decides
        options.pop("seed", None)  # seed decides, one per training run
    # the MD samples keep their time: the final model's table of (T, t, <C_B>) then gives a
    # test structure of a trained state point the training mean, as a one-step fit does
    def md(s, key):
        return with_state(s, *key, **({"time": s.state["time"]} if s.state and s.state.get("time") is not None else {}))

    labelled = {k: [md(s, k) for s in v] for k, v in samples_by_state.items()}
    validation = {k: [md(s, k) for s in v] for k, v in (validation_by_state or {}).items()}
    targets = {(float(t), float(c)): list(v) for (t, c), v in target_states.items()}
    report = {"step1": {}, "step2": {}, "fallback": False}
    equal_time, transferred = {}, []
    values = sorted({c for _, c in targets})
    for number, c in enumerate(values):
        train = [s for k in _equal_time_states(labelled, c, values, t_min, grid_tolerance) for s in labelled[k]]
        val = [s for k in _equal_time_states(validation, c, values, t_min, grid_tolerance) for s in validation[k]]
        if not train:
            log.warning("two-step: no labelled states with <C_B> = %g at T >= %g; its targets get no data", c, t_min)
            continue
        model = TGlassMLP(n_networks=n_candidates, seed=seed + number, **model_options).fit(train, val)
        equal_time[c] = model
        for (t, cc), structures in targets.items():
            if not _same(cc, c):
                continue
            state = {"temperature": t, "mean_label": c}
            means = model.network_mean_predictions(structures, state)
            passing = np.nonzero(self_consistent(means, c, tolerance))[0]
            report["step1"][f"T={t:g},C={c:g}"] = {"passing": passing.tolist(), "deviation": (means - c).tolist()}
            if not len(passing):
                log.warning("two-step: no equal-time network is self-consistent at T = %g, <C_B> = %g", t, c)
                continue
            predictions = model.predict_set_networks(structures, state, constrain_mean=False, networks=passing)
            transferred += [dataclasses.replace(with_state(s, t, c, transferred=True), target=p.mean(axis=0),
                                                name=f"{s.name}@T{t:g}C{c:g}")
                            for s, p in zip(structures, predictions)]
    final = TGlassMLP(n_networks=n_candidates, seed=seed + 1000, **final_options)
    final.fit([s for v in labelled.values() for s in v] + transferred, [s for v in validation.values() for s in v])
    worst = np.zeros(n_candidates)
    keep = np.ones(n_candidates, dtype=bool)
    for (t, c), structures in targets.items():
        means = final.network_mean_predictions(structures, {"temperature": t, "mean_label": c})
        worst = np.maximum(worst, np.abs(means - c))
        keep &= self_consistent(means, c, tolerance)
        report["step2"][f"T={t:g},C={c:g}"] = {"deviation": (means - c).tolist()}
    if keep.sum() < min_networks:
        log.warning("two-step: %d final networks pass the self-consistency filter; keeping the %d closest",
                    int(keep.sum()), min_networks)
        report["fallback"] = True
        keep = np.zeros(n_candidates, dtype=bool)
        keep[np.argsort(worst, kind="stable")[:min_networks]] = True
    final.active = keep
    report["final_networks"] = np.nonzero(keep)[0].tolist()
    final.two_step_ = report  # saved with the model (describe())
    return TwoStepResult(final, equal_time, transferred, report)
