"""Job resources from the science: threads, memory (MB), run time (minutes) and GPUs.

Every rule declares what its job needs, computed from the config by a cost model whose
constants are measured on one core (``python benchmarks/cost_model.py`` prints them; the README
gives the table). A job asks for ``SAFETY`` times the predicted run time and memory, and for
``attempt`` times that on the attempt-th try, so a job killed at its wall time or out of memory
comes back with more (it resumes from its checkpoint: nothing done is lost).

The functions take the job's own stage config or the system's config and return plain numbers:
Snakemake calls them through :class:`Resources`, which caches one answer per rule and state point
(a paper preset has tens of thousands of jobs of a handful of kinds).
"""

from __future__ import annotations

import math

from glassdyn.config import time_grid

#: Measured costs, seconds on one core of the development machine (benchmarks/cost_model.py).
COSTS = {
    # LAMMPS velocity Verlet, KA 3D at rho = 1.2 (lj/cut 2.5 sigma_ab, skin 0.3): s per atom-step
    "md_atom_step": 1.0e-6,
    # one FIRE / CG iteration of the quench, per atom
    "minimisation_atom_iteration": 1.5e-6,
    # swap Monte Carlo (KA2D), per attempted swap, and the MD between swap phases per atom-step
    "swap_attempt": 2.0e-6,
    # cage-state Monte Carlo, per attempted move
    "cage_move": 1.0e-6,
    # labels of one structure: per particle, replica and time
    "label_particle_replica_time": 2.0e-6,
    # descriptors of one structure, per particle and set
    "descriptor_particle": 2.0e-4,
    # training, per particle and epoch (one network, one label, one time), CPU
    "train_particle_epoch": {
        "glassmlp": 4.0e-6,
        "glassmlp-l1": 4.0e-6,
        "tglassmlp": 8.0e-6,
        "botan": 1.0e-4,
        "nt-gnn": 1.0e-4,
        "gnn-dm": 1.0e-4,
        "se3": 2.0e-2,
        "ridge": 1.0e-6,
    },
}
#: OpenMP speed-up of LAMMPS on t threads: t ** OMP_EXPONENT (measured for N = 4096).
OMP_EXPONENT = 0.8
#: Training on one GPU against one core (assumed; not measured on this project's machines).
GPU_SPEEDUP = 50.0
#: requested / predicted run time and memory
SAFETY = 2.0
#: floors: the start-up of Python, LAMMPS and PyTorch
MIN_RUNTIME_MIN = 10
BASE_MEM_MB = 1500
TORCH_MEM_MB = 1000
#: a job this long or longer is split (replicas_per_job) or threaded (md_threads) by the presets
PARTITION_LIMIT_MIN = 48 * 60


def md_speed(threads: int) -> float:
    """Atom-steps per second of LAMMPS with ``threads`` OpenMP threads."""
    return threads**OMP_EXPONENT / COSTS["md_atom_step"]


def runtime_minutes(seconds: float, attempt: int = 1) -> int:
    """Requested wall time (min) for a predicted run time: SAFETY x, attempt x, at least MIN_RUNTIME_MIN."""
    return int(max(MIN_RUNTIME_MIN, math.ceil(SAFETY * seconds / 60.0)) * attempt)


def memory_mb(array_bytes: float, attempt: int = 1, torch: bool = False) -> int:
    """Requested memory (MB): the interpreter (and PyTorch) plus SAFETY x the arrays; x (1 + attempt) / 2."""
    base = BASE_MEM_MB + (TORCH_MEM_MB if torch else 0)
    return int(math.ceil((base + SAFETY * array_bytes / 1e6) * (1 + attempt) / 2))


# -- MD ------------------------------------------------------------------------------------------
def equilibration_seconds(config: dict) -> float:
    """Predicted run time of one ``equilibrate_structure`` job (its stage config)."""
    eq, n, dt = config["equilibration"], config["n_particles"], config["timestep"]
    tau = config["state_point"]["tau_alpha"]
    threads = config.get("md_threads", 1)
    if eq["mode"] == "swap":
        # melt, quench, then stationarity windows: budget ten times the first window of MD and
        # swap phases (the window grows with tau_alpha^SWAP, which only the run measures)
        swap = eq.get("swap", {})
        n_md = swap.get("n_md", 10)
        attempts = swap.get("attempts_per_phase") or 2100 * n / 1290
        md_time = eq.get("melt_time", 0.0) + eq.get("quench_time", 0.0) + 10 * swap.get("initial_window", 50.0)
        steps = md_time / dt
        return steps * n / md_speed(threads) + steps / n_md * attempts * COSTS["swap_attempt"]
    if "duration_tau_alpha" in eq:  # from scratch
        md_time = eq.get("melt_time", 0.0) + eq.get("quench_time", 0.0) + eq["duration_tau_alpha"] * tau
    else:  # continuing a chain
        md_time = eq["sample_interval_tau_alpha"] * tau
    return md_time / dt * n / md_speed(threads)


def isoconfigurational_seconds(config: dict, n_particles: int, n_replicas: int) -> float:
    """Predicted run time of ``n_replicas`` replicas of one structure (stage config of run_isoconfigurational)."""
    steps, _ = time_grid(config["state_point"], config["timestep"])
    return n_replicas * float(steps[-1]) * n_particles / md_speed(config.get("md_threads", 1))


def isoconfigurational_bytes(config: dict, n_particles: int, n_replicas: int, dimension: int) -> float:
    steps, _ = time_grid(config["state_point"], config["timestep"])
    return n_replicas * len(steps) * n_particles * dimension * 8.0 * 2  # positions, and the written copy


def minimisation_seconds(config: dict, n_particles: int) -> float:
    """Upper bound of one quench: max_iterations force evaluations."""
    return config["inherent_structure"]["max_iterations"] * n_particles * COSTS["minimisation_atom_iteration"]


def cage_state_seconds(config: dict, n_particles: int) -> float:
    cage = config["cage_state"]
    return (cage["equilibration_sweeps"] + cage["sampling_sweeps"]) * n_particles * COSTS["cage_move"]


# -- training ------------------------------------------------------------------------------------
def training_seconds(family: str, epochs: float, n_particles_seen: float, n_networks: int = 1,
                     gpu: bool = False) -> float:
    """Predicted training time: epochs x particles per epoch x measured cost per particle-epoch."""
    costs = COSTS["train_particle_epoch"]
    cost = costs.get(family, costs["botan"])  # a plug-in model: priced as a graph network
    seconds = epochs * n_particles_seen * n_networks * cost
    return seconds / GPU_SPEEDUP if gpu else seconds


def model_epochs(model) -> float:
    """Epochs a built model trains at most (GlassMLP: the sum of its phases; ridge: 1)."""
    if hasattr(model, "phases"):
        return float(sum(p.epochs for p in model.phases))
    epochs = getattr(model, "epochs", None)
    if epochs is None:
        return 1.0
    pretraining = getattr(model, "pretraining_epochs", 0) or 0
    return float(epochs + pretraining)


def wants_gpu(model) -> bool:
    """A model asks the scheduler for a GPU when its device is ``cuda`` or ``auto``."""
    return getattr(model, "device", "cpu") in ("cuda", "auto")


class Resources:
    """Per-rule resource functions for Snakemake, bound to the workflow's system plans.

    ``Resources(plans).of("run_isoconfigurational")`` returns the ``resources:`` mapping of the
    rule: callables of (wildcards, attempt) that look up one cached estimate per rule and
    state point.
    """

    def __init__(self, plans: dict):
        self.plans = plans

    def of(self, rule: str) -> dict:
        estimate = getattr(self, "_" + rule, self._default)

        def runtime(wildcards, attempt):
            return runtime_minutes(self._cached(rule, estimate, wildcards)[0], attempt)

        def mem_mb(wildcards, attempt):
            seconds, array_bytes, torch, _ = self._cached(rule, estimate, wildcards)
            return memory_mb(array_bytes, attempt, torch)

        out = {"runtime": runtime, "mem_mb": mem_mb}
        if rule in ("train_model", "pretrain_model", "train_transferable_model"):
            out["gpu"] = lambda wildcards: int(self._cached(rule, estimate, wildcards)[3])
        return out

    def threads(self, rule: str):
        """``threads:`` of an MD rule: the system's md_threads (LAMMPS OpenMP threads)."""
        return lambda wildcards: int(self.plans[wildcards.system].system.get("md_threads", 1))

    def _cached(self, rule, estimate, wildcards):
        keys = ("system", "temperature", "model", "training", "label")
        key = (rule, *(wildcards.get(k) for k in keys))
        return _cache(self, key, estimate, wildcards)

    # Each estimate returns (seconds, array bytes, imports torch, wants a GPU).
    def _default(self, wildcards):
        return 60.0, 0.0, False, False

    def _equilibrate_structure(self, wildcards):
        plan = self.plans[wildcards.system]
        # a chain's first structures run from scratch: the longest job of the rule
        config = plan.stage_config("equilibrate_structure", wildcards.temperature, structure=0)
        config["md_threads"] = plan.system.get("md_threads", 1)
        n, d = plan.system["n_particles"], _dimension(plan)
        return equilibration_seconds(config), n * d * 8.0 * 20, False, False

    def _run_replica_group(self, wildcards):
        plan = self.plans[wildcards.system]
        config = plan.stage_config("run_isoconfigurational", wildcards.temperature)
        config["md_threads"] = plan.system.get("md_threads", 1)
        n, d = plan.system["n_particles"], _dimension(plan)
        per_job = plan.replicas_per_job()
        return (isoconfigurational_seconds(config, n, per_job),
                isoconfigurational_bytes(config, n, per_job, d), False, False)

    _run_isoconfigurational = _run_replica_group  # one group of all the replicas

    def _merge_replicas(self, wildcards):
        plan = self.plans[wildcards.system]
        config = plan.stage_config("run_isoconfigurational", wildcards.temperature)
        n, d = plan.system["n_particles"], _dimension(plan)
        reps = plan.system["isoconfigurational"]["n_replicas"]
        return 60.0, 2 * isoconfigurational_bytes(config, n, reps, d), False, False

    def _quench_inherent_structure(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        return minimisation_seconds(plan.stage_config("quench_inherent_structure"), n), n * 8.0 * 100, False, False

    def _compute_cage_state(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        config = plan.stage_config("compute_cage_state", wildcards.temperature)
        return cage_state_seconds(config, n), n * 8.0 * 100, False, False

    def _compute_labels(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        reps = plan.system.get("isoconfigurational", {}).get("n_replicas", 32)
        n_t = len(plan.times(wildcards.temperature))
        seconds = n * reps * n_t * COSTS["label_particle_replica_time"] * 50  # neighbour lists per replica and time
        return seconds, 4 * reps * n_t * n * 3 * 8.0, False, False

    def _compute_descriptors(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        return n * COSTS["descriptor_particle"], n * 8.0 * 2000, False, False

    def _train_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, wildcards.get("training", "all"))
        split = plan.model_split(wildcards.temperature, wildcards.training, wildcards.model)
        n = _n_particles(plan, wildcards.temperature)
        n_times = len(plan.trained_time_indices(wildcards.temperature)) if plan.all_times(wildcards.model) else 1
        seen = len(split["train"]) * n * n_times
        gpu = wants_gpu(model)
        seconds = training_seconds(family, model_epochs(model), seen, getattr(model, "n_networks", 1), gpu)
        graph = plan.is_graph_model(wildcards.model)
        # descriptors (or graphs: ~ 60 edges per particle, hidden 64, float32, kept for backprop)
        per_structure = n * (60 * 64 * 4.0 * 3 if graph else 1000 * 8.0)
        return seconds, (len(split["train"]) + len(split.get("validation", ()))) * per_structure, True, gpu

    def _pretrain_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, "all")
        pre = plan.pretraining(wildcards.model) or {}
        temperature = pre.get("temperature") or next(iter(plan.system["state_points"]))["temperature"]
        n = _n_particles(plan, temperature)
        n_train = len(plan.split(str(temperature))["train"]) if isinstance(temperature, str) else n
        epochs = pre.get("epochs", model_epochs(model))
        gpu = wants_gpu(model)
        return (training_seconds(family, epochs, n_train * n, 1, gpu), n_train * n * 60 * 64 * 4.0 * 3, True, gpu)

    def _train_transferable_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, wildcards.get("training", "all"))
        seen = 0
        for sp in plan.system["state_points"]:
            t = str(sp["temperature"])
            seen += len(plan.split(t)["train"]) * _n_particles(plan, t) * len(plan.times(t))
        gpu = wants_gpu(model)
        return training_seconds(family, model_epochs(model), seen, 1, gpu), seen * 1000 * 8.0 / 4, True, gpu

    def _predict_model(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        n_test = len(plan.split(wildcards.temperature)["test"])
        return 120.0 + n_test * n * 1e-3, n_test * n * 8.0 * 1000, True, False


def _cache(resources, key, estimate, wildcards):
    store = resources.__dict__.setdefault("_store", {})
    if key not in store:
        store[key] = estimate(wildcards)
    return store[key]


def _dimension(plan) -> int:
    from glassdyn.systems import get_mixture

    return get_mixture(plan.system["mixture"]).dimension


def _n_particles(plan, temperature) -> int:
    n = plan.system.get("n_particles")
    return int(n) if n else 4096  # imported data: the published sets' N (BOTAN, roadmap KA 3D)


def _built_model(plan, model: str, training: str):
    from glassdyn.models.recipes import build_model, get_recipe
    from glassdyn.workflow.planning import _training_options

    built = build_model(model, _training_options(plan.system, model, training) or {})
    return built, model if model in COSTS["train_particle_epoch"] else get_recipe(model).kind
