"""The networks of GlassMLP and tGlassMLP as ``torch.nn.Module``s (imports torch).

Every module here is an *ensemble*: E independent networks evaluated as one batched module,
every parameter with the network index first (weights (E, in, out), biases (E, 1, out)), in
the style of PyTorch Geometric's ``torch_geometric.nn.MLP`` (a stack of linear layers with an
activation between them and a plain last layer). Adam acts elementwise, so training the
ensemble at once is the same as training its members one after the other.

Initialisation: Glorot-uniform weights and zero biases (Keras' default, which the GlassMLP
code used), drawn from one ``torch.Generator`` seeded per module, layer after layer.

This module imports torch; the model classes import it only inside ``fit`` /
``set_parameters``, so that ``import glassdyn.models`` stays light.

Parameters are saved under the names of the model file format (``weight_0``, ``bias_0``,
... per layer, prefixed by the part of tGlassMLP: ``mlp1_weight_0``), see
:meth:`EnsembleModule.arrays` and :meth:`EnsembleModule.load_arrays`, which go through
``state_dict`` / ``load_state_dict``.
"""

from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn

#: (N_STATE,) length of tGlassMLP's state input (1/T, 1/T^2, 1/T^3, C, C^2, C^3).
N_STATE = 6

_LAYER_KEY = re.compile(r"^(?:(?P<part>.+)\.)?layers\.(?P<k>\d+)\.(?P<kind>weight|bias)$")


def _glorot_uniform(generator, n_networks: int, fan_in: int, fan_out: int) -> torch.Tensor:
    """(E, fan_in, fan_out) float32 Glorot-uniform weights, U(-l, l), l = sqrt(6 / (in + out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand((n_networks, fan_in, fan_out), generator=generator, dtype=torch.float32) * 2 - 1) * limit


class EnsembleModule(nn.Module):
    """Bookkeeping shared by the ensemble modules: every parameter has the network index first.

    ``state`` / ``load_state`` copy all parameters (optionally only some networks, for
    per-network early stopping); ``arrays`` / ``load_arrays`` are the ``state_dict`` under
    the names of the model file format.
    """

    @property
    def n_networks(self) -> int:
        return int(next(self.parameters()).shape[0])

    def n_parameters_per_network(self) -> int:
        return sum(p[0].numel() for p in self.parameters())

    def state(self) -> list:
        """Detached copies of every parameter, in ``parameters()`` order."""
        return [p.detach().clone() for p in self.parameters()]

    def load_state(self, state, networks=None) -> None:
        """Copy parameters back, for all networks or only those where ``networks`` is True."""
        with torch.no_grad():
            for p, s in zip(self.parameters(), state):
                if networks is None:
                    p.copy_(s)
                else:
                    p[networks] = s[networks]

    @staticmethod
    def file_name(key: str) -> str:
        """``state_dict`` key -> array name in the model file: ``layers.0.weight`` ->
        ``weight_0``, ``mlp1.layers.2.bias`` -> ``mlp1_bias_2``; other keys unchanged."""
        match = _LAYER_KEY.match(key)
        if match is None:
            return key
        name = f"{match['kind']}_{match['k']}"
        return f"{match['part'].replace('.', '_')}_{name}" if match["part"] else name

    def arrays(self) -> dict[str, np.ndarray]:
        """Every parameter as a numpy array named as in the model file, in ``state_dict`` order."""
        return {self.file_name(k): v.detach().cpu().numpy() for k, v in self.state_dict().items()}

    def load_arrays(self, arrays) -> None:
        """Inverse of :meth:`arrays` (extra entries of ``arrays`` are ignored)."""
        device = next(self.parameters()).device
        self.load_state_dict({k: torch.as_tensor(np.asarray(arrays[self.file_name(k)]), device=device)
                              for k in self.state_dict()})


class EnsembleLinear(nn.Module):
    """E independent dense layers: (E, n, in) or (n, in) -> (E, n, out), y = x W_e + b_e.

    weight: (E, in, out); bias: (E, 1, out). A 2-d input is shared by every network.
    """

    def __init__(self, fan_in: int, fan_out: int, n_networks: int, generator):
        super().__init__()
        self.weight = nn.Parameter(_glorot_uniform(generator, n_networks, fan_in, fan_out))
        self.bias = nn.Parameter(torch.zeros((n_networks, 1, fan_out)))

    def forward(self, x):
        h = torch.einsum("ni,eio->eno", x, self.weight) if x.dim() == 2 else torch.bmm(x, self.weight)
        return h + self.bias


class EnsembleMLP(EnsembleModule):
    """E independent dense networks, ELU between layers, as one batched module.

    Parameters
    ----------
    layer_sizes : sequence of int
        (in, hidden..., out); GlassMLP: (M_S, 2, 10, 10, 1).
    n_networks : int
        Ensemble size E.
    seed : int
        Seed of the Glorot-uniform initialisation.
    plain_last : bool
        No activation after the last layer (default, a linear output); False: ELU there too
        (tGlassMLP's bottleneck).
    device : str
        Torch device of the parameters.

    Call: x (n, in), shared by all networks, or (E, n, in) -> (E, n, out).
    """

    def __init__(self, layer_sizes, n_networks: int = 1, seed: int = 0, plain_last: bool = True, device="cpu"):
        super().__init__()
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        self.plain_last = bool(plain_last)
        generator = torch.Generator().manual_seed(int(seed))
        self.layers = nn.ModuleList(EnsembleLinear(a, b, int(n_networks), generator)
                                    for a, b in zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.to(device)

    @property
    def weights(self) -> list:
        """(E, in, out) weight of every layer."""
        return [layer.weight for layer in self.layers]

    @property
    def biases(self) -> list:
        """(E, 1, out) bias of every layer."""
        return [layer.bias for layer in self.layers]

    def forward(self, x):
        h = x
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            h = layer(h)
            if k < last or not self.plain_last:
                h = nn.functional.elu(h)
        return h


class TGlassNetwork(EnsembleModule):
    """E independent tGlassMLP networks as one batched module (PRB App. B, Fig. 1).

    Parts (each an :class:`EnsembleMLP`): ``mlp1`` s (6) -> 6 -> 6 -> 2; ``bottleneck``
    attended descriptors (M_S) -> 2 (ELU unless ``bottleneck_activation="linear"``);
    ``mlp2`` s (6) -> 7 -> 7 -> 4; ``head`` (2 + 4) -> 10 -> 10 -> 1; ``attention`` f
    (E, 4, M_S), rows f_1 (descriptor), f_2, f_3 (MLP1 outputs), f_4 (offset) of eq. 5.
    Seeds: ``seed`` ... ``seed + 3`` for the parts, ``seed + 4`` for f.

    Call: x (n, M_S) standardised descriptors, s (E, 6) standardised state input per
    network -> (E, n) predictions (and the (E, n, M_S) attention weights).
    """

    def __init__(self, n_features: int, n_networks: int = 1, mlp1_hidden=(6, 6), bottleneck: int = 2,
                 mlp2_hidden=(7, 7), mlp2_out: int = 4, head_hidden=(10, 10), bottleneck_activation: str = "elu",
                 seed: int = 0, device="cpu"):
        super().__init__()
        if bottleneck_activation not in ("elu", "linear"):
            raise ValueError(f"bottleneck_activation must be 'elu' or 'linear', got {bottleneck_activation!r}")
        self.n_features = int(n_features)
        # Different seeds per part: independent initialisations, reproducible from one seed.
        self.mlp1 = EnsembleMLP((N_STATE, *mlp1_hidden, 2), n_networks, seed=seed)
        self.bottleneck = EnsembleMLP((n_features, bottleneck), n_networks, seed=seed + 1,
                                      plain_last=bottleneck_activation == "linear")
        self.mlp2 = EnsembleMLP((N_STATE, *mlp2_hidden, mlp2_out), n_networks, seed=seed + 2)
        self.head = EnsembleMLP((bottleneck + mlp2_out, *head_hidden, 1), n_networks, seed=seed + 3)
        generator = torch.Generator().manual_seed(int(seed) + 4)
        self.attention = nn.Parameter(_glorot_uniform(generator, int(n_networks), 4, n_features))
        self.to(device)

    def weights(self, x, s):
        """(E, n, M_S) attention weights w_k (eqs. 5-6).

        x: (n, M_S) standardised descriptors; s: (E, 6) standardised state input per network.
        """
        z = self.mlp1(s[:, None, :])  # (E, 1, 2): MLP1_out^1, MLP1_out^2
        f = self.attention
        a = x[None] * f[:, None, 0] + z[..., 0:1] * f[:, None, 1] + z[..., 1:2] * f[:, None, 2] + f[:, None, 3]
        return torch.softmax(a, dim=-1)

    def encode(self, x, s):
        """(E, n, bottleneck) bottleneck outputs of every particle (PRB Figs. 10-11)."""
        return self.bottleneck(x[None] * self.weights(x, s))  # eq. 7

    def forward(self, x, s, return_weights: bool = False):
        w = self.weights(x, s)
        encoded = self.bottleneck(x[None] * w)  # eq. 7, (E, n, 2)
        state = self.mlp2(s[:, None, :]).expand(-1, x.shape[0], -1)  # (E, n, 4)
        out = self.head(torch.cat([encoded, state], dim=-1))[..., 0]  # (E, n): the one output
        return (out, w) if return_weights else out
