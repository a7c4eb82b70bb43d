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
from dataclasses import dataclass

from glassdyn.config import time_grid

#: Measured costs, seconds on one core of the development machine (benchmarks/cost_model.py,
#: N = 4096 KA 3D; figures of 2026-12-03, rounded up).
COSTS = {
    # LAMMPS velocity Verlet, KA 3D at rho = 1.2 (lj/cut 2.5 sigma_ab, skin 0.3): s per atom-step
    "md_atom_step": 8.0e-7,
    # one FIRE / CG iteration of the quench, per atom
    "minimisation_atom_iteration": 1.3e-6,
    # swap Monte Carlo (KA2D), per attempted swap: an estimate, not measured by cost_model.py
    "swap_attempt": 2.0e-6,
    # cage-state Monte Carlo, per attempted move
    "cage_move": 1.7e-5,
    # labels of one structure (R, C_B, edges, F_s, noise ceiling): per particle, replica and time
    "label_particle_replica_time": 2.7e-6,
    # one descriptor set of one structure (glassmlp-prl), per particle
    "descriptor_particle": 5.5e-3,
    # heterogeneity of one structure (S_4 to q = 2 in 50 bins, G_4 to r = 10, chords), per
    # analysed particle and time: benchmarks/heterogeneity_speed.py, 7.7 s for N_1 = 38400 x 10 (idle),
    "heterogeneity_particle_time": 2.0e-5,
    # training, per particle and epoch (one network, one label, one time), CPU, one thread
    "train_particle_epoch": {
        "glassmlp": 9.0e-6,
        "glassmlp-l1": 9.0e-6,
        # estimates, not measured: tGlassMLP about twice GlassMLP (wider input), linear fits tiny
        "tglassmlp": 2.0e-5,
        "ridge": 1.0e-6,
        "single-descriptor": 1.0e-6,
        "botan": 1.2e-3,
        "nt-gnn": 1.2e-3,
        "gnn-dm": 1.2e-3,
        # benchmarks/se3_speed.py: 150 s per step of two N = 4096 graphs (every time at once)
        "se3": 1.8e-2,
    },
}
#: OpenMP speed-up of LAMMPS on t threads: t ** OMP_EXPONENT (0.92 measured from 1 to 2 threads;
#: 0.8 allows for the poorer scaling of 4096 atoms on 16 threads, which was not measured)
OMP_EXPONENT = 0.8
#: Training on one GPU against one core, per family. Not measured here (no GPU): SE(3) from the
#: SI's timing (200 epochs of 400 structures in 11 h on a V100) against benchmarks/se3_speed.py;
#: the others assumed.
GPU_SPEEDUP = {"se3": 150.0, "default": 50.0}
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
def training_seconds(family: str, epochs: float, n_particles_seen: float, n_networks: int = 1) -> float:
    """Predicted training time on one core: epochs x particles per epoch x networks x the
    measured cost per particle-epoch of the model family."""
    costs = COSTS["train_particle_epoch"]
    cost = costs.get(family, costs["botan"])  # a plug-in model: priced as a graph network
    return epochs * n_particles_seen * n_networks * cost


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


@dataclass(frozen=True)
class Estimate:
    """What one job needs: predicted seconds on ``threads`` threads, bytes of its arrays,
    whether it imports PyTorch, and whether it asks for a GPU."""

    seconds: float
    array_bytes: float = 0.0
    torch: bool = False
    gpu: bool = False
    threads: int = 1


#: CPU training threads: a job predicted longer than this on one core gets more threads
TRAINING_HOURS_PER_THREAD = 12.0
MAX_TRAINING_THREADS = 8
#: PyTorch's speed-up on t CPU threads (assumed t ** TORCH_EXPONENT)
TORCH_EXPONENT = 0.7


def training_estimate(seconds_one_core: float, array_bytes: float, gpu: bool, family: str = "default") -> Estimate:
    """A training job: on a GPU one thread; on the CPU as many threads as keep it near
    TRAINING_HOURS_PER_THREAD (PyTorch's intra-op threads, torch.set_num_threads)."""
    if gpu:
        speedup = GPU_SPEEDUP.get(family, GPU_SPEEDUP["default"])
        return Estimate(seconds_one_core / speedup, array_bytes, True, True, 1)
    threads = int(min(MAX_TRAINING_THREADS, max(1, math.ceil(seconds_one_core / 3600 / TRAINING_HOURS_PER_THREAD))))
    return Estimate(seconds_one_core / threads**TORCH_EXPONENT, array_bytes, True, False, threads)


class Resources:
    """Per-rule ``threads`` and ``resources`` for Snakemake, bound to the workflow's system plans.

    ``Resources(plans).of("run_isoconfigurational")`` returns the ``resources:`` mapping of the
    rule (``runtime``, ``mem_mb``, and ``gpu`` for training rules): callables of (wildcards,
    attempt) that look up one cached :class:`Estimate` per rule and state point (and model).
    ``threads(rule)`` gives the rule's ``threads:``.
    """

    def __init__(self, plans: dict):
        self.plans = plans
        self._store = {}

    def estimate(self, rule: str, wildcards) -> Estimate:
        """The cached :class:`Estimate` of a job of ``rule`` with these wildcards."""
        keys = ("system", "temperature", "model", "training", "label")
        key = (rule, *(_get(wildcards, k) for k in keys))
        if key not in self._store:
            self._store[key] = getattr(self, "_" + rule, self._default)(wildcards)
        return self._store[key]

    def of(self, rule: str) -> dict:
        def runtime(wildcards, attempt):
            return runtime_minutes(self.estimate(rule, wildcards).seconds, attempt)

        def mem_mb(wildcards, attempt):
            e = self.estimate(rule, wildcards)
            return memory_mb(e.array_bytes, attempt, e.torch)

        out = {"runtime": runtime, "mem_mb": mem_mb}
        if rule in TRAINING_RULES:
            out["gpu"] = lambda wildcards: int(self.estimate(rule, wildcards).gpu)
        return out

    def threads(self, rule: str):
        """``threads:`` of a rule: the system's md_threads for MD, the estimate's for training."""
        return lambda wildcards: self.estimate(rule, wildcards).threads

    def _default(self, wildcards):
        return Estimate(60.0)

    def _equilibrate_structure(self, wildcards):
        plan = self.plans[wildcards.system]
        # a chain's first structures run from scratch: the longest job of the rule
        config = plan.stage_config("equilibrate_structure", wildcards.temperature, structure=0)
        threads = config.get("md_threads", 1)  # the stage config carries it when > 1
        n, d = plan.system["n_particles"], _dimension(plan)
        return Estimate(equilibration_seconds(config), n * d * 8.0 * 20, threads=threads)

    def _run_replica_group(self, wildcards):
        plan = self.plans[wildcards.system]
        config = plan.stage_config("run_isoconfigurational", wildcards.temperature)
        threads = config.get("md_threads", 1)
        n, d = plan.system["n_particles"], _dimension(plan)
        per_job = plan.replicas_per_job(wildcards.temperature)
        return Estimate(isoconfigurational_seconds(config, n, per_job),
                        isoconfigurational_bytes(config, n, per_job, d), threads=threads)

    _run_isoconfigurational = _run_replica_group  # one group of all the replicas

    def _merge_replicas(self, wildcards):
        plan = self.plans[wildcards.system]
        config = plan.stage_config("run_isoconfigurational", wildcards.temperature)
        n, d = plan.system["n_particles"], _dimension(plan)
        reps = plan.system["isoconfigurational"]["n_replicas"]
        return Estimate(60.0, 2 * isoconfigurational_bytes(config, n, reps, d))

    def _quench_inherent_structure(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        return Estimate(minimisation_seconds(plan.stage_config("quench_inherent_structure"), n), n * 8.0 * 100)

    def _compute_cage_state(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        config = plan.stage_config("compute_cage_state", wildcards.temperature)
        return Estimate(cage_state_seconds(config, n), n * 8.0 * 100)

    def _compute_labels(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        reps = plan.system.get("isoconfigurational", {}).get("n_replicas", 32)
        n_t = len(plan.times(wildcards.temperature))
        return Estimate(n * reps * n_t * COSTS["label_particle_replica_time"], 4 * reps * n_t * n * 3 * 8.0)

    def _compute_descriptors(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        return Estimate(n * COSTS["descriptor_particle"], n * 8.0 * 2000)

    def _train_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, wildcards.training)
        split = plan.model_split(wildcards.temperature, wildcards.training, wildcards.model)
        n = _n_particles(plan, wildcards.temperature)
        structures = len(split["train"]) + len(split.get("validation", ()))
        # a network of every time (SE(3)) predicts them all in one pass: the cost of one
        seconds = training_seconds(family, model_epochs(model), len(split["train"]) * n, getattr(model, "n_networks", 1))
        return training_estimate(seconds, _training_bytes(plan.is_graph_model(wildcards.model), n, model, structures),
                                 wants_gpu(model), family)

    def _pretrain_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, "all")
        pre = plan.pretraining(wildcards.model) or {}
        temperature = str(pre.get("temperature", plan.temperatures[0]))
        temperature = temperature if temperature in plan.temperatures else plan.temperatures[0]
        n = _n_particles(plan, temperature)
        structures = len(plan.split(temperature)["train"])
        epochs = pre.get("epochs", model_epochs(model))
        return training_estimate(training_seconds(family, epochs, structures * n),
                                 _training_bytes(True, n, model, structures), wants_gpu(model), family)

    def _train_transferable_model(self, wildcards):
        plan = self.plans[wildcards.system]
        model, family = _built_model(plan, wildcards.model, wildcards.training)
        seen = 0
        for t in plan.labelled_temperatures:
            seen += len(plan.split(t)["train"]) * _n_particles(plan, t) * len(plan.time_indices(t))
        # two-step (PRB Table I): one equal-time training per transferred <C_B> on the MD data
        # of that <C_B> (about one time per temperature), the final one on MD + transferred data
        two_step = (plan.system["models"].get(wildcards.model) or {}).get("two_step")
        if two_step:
            md = sum(len(plan.split(t)["train"]) * _n_particles(plan, t) for t in plan.labelled_temperatures)
            values = {c for entry in two_step["transferred"] for c in entry["mean_labels"]}
            transferred = sum(len(plan.split(f"{float(e['temperature']):g}")["train"]) * len(e["mean_labels"])
                              * _n_particles(plan, f"{float(e['temperature']):g}") for e in two_step["transferred"])
            seen += md * len(values) + transferred
        return training_estimate(training_seconds(family, model_epochs(model), seen), seen * 400 * 4 * 2,
                                 wants_gpu(model), family)

    def _predict_model(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)
        n_test = len(plan.split(wildcards.temperature)["test"])
        return Estimate(120.0 + n_test * n * 1e-3, n_test * n * 8.0 * 1000, torch=True)


    def _compute_heterogeneity(self, wildcards):
        plan = self.plans[wildcards.system]
        n = _n_particles(plan, wildcards.temperature)  # an upper bound on the analysed type's count
        n_test = len(plan.split(wildcards.temperature)["test"])
        n_t = plan.n_times(wildcards.temperature)
        q_max = plan.system["heterogeneity"]["q_max"]
        length = (n / plan.system.get("density", 1.2)) ** (1.0 / _dimension(plan))
        # the per-axis phase tables of S_4 (complex, 2 n_max + 1 columns, for the field and the
        # density) and each time's values and pair sums
        phases = 2 * q_max * length / (2 * math.pi) + 1
        # a model of several networks (tGlassMLP) is analysed once more per network for their
        # spread, without G_4: S_4 and chords are a quarter of the cost (benchmarks/heterogeneity_speed.py)
        source = wildcards.source
        networks = 1
        if source != "MD" and not plan.per_time(source):
            networks = int((plan.system["models"].get(source) or {}).get("n_networks", 1))
        factor = 1.0 + (0.25 * networks if networks > 1 else 0.0)
        return Estimate(60.0 + factor * n_test * n_t * n * COSTS["heterogeneity_particle_time"],
                        n * 16.0 * 4 * phases + n * n_t * 8.0 * 4)


TRAINING_RULES = ("train_model", "pretrain_model", "train_transferable_model")


def _get(wildcards, key):
    try:
        return wildcards.get(key)
    except AttributeError:
        return getattr(wildcards, key, None)


def _training_bytes(graph: bool, n_particles: int, model, structures: int) -> float:
    """Memory of a training job's data: each structure's graph (about 60 directed edges per
    particle: indices, vectors, targets, 40 bytes) and one batch's activations kept for the
    backward pass (hidden floats per edge and cycle, three copies); or each structure's
    descriptor rows (up to 400 float32 columns and their standardised copy)."""
    if not graph:
        return structures * n_particles * 400 * 4 * 2
    hidden = getattr(model, "hidden", None) or 16 * getattr(model, "channels", 8)
    cycles = getattr(model, "n_cycles", None) or getattr(model, "n_layers", 8)
    batch = getattr(model, "batch_size", 1) or 1
    return structures * n_particles * 60 * 40 + batch * n_particles * 60 * hidden * 4 * 3 * cycles


def _dimension(plan) -> int:
    from glassdyn.systems import get_mixture

    return get_mixture(plan.system["mixture"]).dimension


def _n_particles(plan, temperature=None) -> int:
    n = plan.system.get("n_particles")
    return int(n) if n else 4096  # imported data: the published sets' N (BOTAN, roadmap KA 3D)


def _built_model(plan, model: str, training: str):
    from glassdyn.models.recipes import build_model, get_recipe
    from glassdyn.workflow.planning import _training_options

    built = build_model(model, _training_options(plan.system, model, training) or {})
    return built, model if model in COSTS["train_particle_epoch"] else get_recipe(model).kind
