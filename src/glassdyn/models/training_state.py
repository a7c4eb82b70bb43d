"""What a training run needs to resume bit for bit: network, optimizer and random streams as arrays.

A killed training resumes from its checkpoint (:class:`glassdyn.md.checkpoint.Checkpoint`)
and ends with the same bytes as an uninterrupted run: the checkpoint holds every parameter,
Adam's moments and step counts, and the state of every random stream the loop draws from.
"""

from __future__ import annotations

import numpy as np


def module_arrays(module, prefix: str) -> dict[str, np.ndarray]:
    """Every entry of ``module.state_dict()`` as ``<prefix><name>``."""
    return {f"{prefix}{k}": v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def load_module_arrays(module, arrays: dict, prefix: str, device) -> None:
    """Inverse of :func:`module_arrays`."""
    import torch

    module.load_state_dict({k: torch.as_tensor(arrays[f"{prefix}{k}"], device=device) for k in module.state_dict()})


def optimizer_arrays(optimizer, prefix: str = "optimizer.") -> dict[str, np.ndarray]:
    """The per-parameter state of ``optimizer`` (Adam: step, exp_avg, exp_avg_sq) as arrays
    ``<prefix><parameter index>.<name>``; its hyperparameters are the caller's."""
    arrays = {}
    for k, state in optimizer.state_dict()["state"].items():
        for name, value in state.items():
            arrays[f"{prefix}{k}.{name}"] = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
    return arrays


def load_optimizer_arrays(optimizer, arrays: dict, device, prefix: str = "optimizer.") -> None:
    """Inverse of :func:`optimizer_arrays` (Adam keeps ``step`` on the CPU)."""
    import torch

    state = optimizer.state_dict()
    for k in range(sum(len(g["params"]) for g in state["param_groups"])):
        names = [key[len(f"{prefix}{k}."):] for key in arrays if key.startswith(f"{prefix}{k}.")]
        if names:
            state["state"][k] = {n: torch.as_tensor(arrays[f"{prefix}{k}.{n}"], device="cpu" if n == "step" else device)
                                 for n in names}
    optimizer.load_state_dict(state)


def generator_state(rng: np.random.Generator) -> dict:
    """A numpy generator's state, JSON-serialisable (its integers are Python ints)."""
    return rng.bit_generator.state


def set_generator_state(rng: np.random.Generator, state: dict) -> None:
    rng.bit_generator.state = state
