"""Planning: pure functions from a validated config to structures, splits, times, paths and targets.

Everything the Snakefile needs to build the DAG lives here, and nothing here imports LAMMPS,
numba, torch, SciPy or h5py: every parse of the Snakefile pays for what this module imports
(``tests/test_layers.py`` checks it).

Two ideas carry the module:

- :class:`SystemPlan` answers every planning question about one system (structures per
  temperature, the train / validation / test split, modelled time indices, which structure a
  chain continues) once, and caches the answers, so the input functions of tens of thousands
  of jobs stay cheap.
- :func:`stage_config` says what one stage reads for one job: exactly the keys of the system's
  config that the job uses, for this job's state point only. Rules hand it to their jobs as
  ``params`` (Snakemake's rerun trigger) and jobs use it for provenance and checkpoint
  identities, so an edit reruns exactly the stages that read what was edited (and, through
  their outputs, what depends on them).
"""

from __future__ import annotations

import functools
import math

from glassdyn.config import ConfigError, key_line, n_structures, requested_times, time_grid, validate_config

STRUCTURE_DIGITS = 5
LABEL_KINDS = ("propensity", "bond_breaking")


# -- naming ----------------------------------------------------------------------------------
def format_temperature(temperature: float) -> str:
    """Temperature as it appears in paths: 0.44 -> '0.44', 0.5 -> '0.5'."""
    return f"{float(temperature):g}"


def format_structure(index: int) -> str:
    """Structure index as it appears in paths: 7 -> '00007'."""
    return f"{int(index):0{STRUCTURE_DIGITS}d}"


def format_time_index(index: int) -> str:
    """Time index as it appears in model paths: 3 -> '003'."""
    return f"{int(index):03d}"


def state_point(system: dict, temperature: str | float) -> dict:
    """The state point of ``system`` whose formatted temperature is ``temperature``."""
    wanted = format_temperature(float(temperature))
    for sp in system["state_points"]:
        if format_temperature(sp["temperature"]) == wanted:
            return sp
    known = [format_temperature(sp["temperature"]) for sp in system["state_points"]]
    raise KeyError(f"no state point at T = {wanted}; configured: {known}")


def source_format(system: dict) -> str | None:
    """'botan', 'deepmind' or 'glassbench' for an imported system, None for a simulated one."""
    return system["source"]["format"] if "source" in system else None


def state_point_times(system: dict, sp: dict):
    """The label time grid of a state point (tau), (n_t,): MD steps x timestep when simulated."""
    if source_format(system) is None:
        return time_grid(sp, system["timestep"])[1]
    return requested_times(sp)


def state_point_mean_labels(system: dict, sp: dict) -> tuple[float, ...] | None:
    """The <C_B> values tGlassMLP predicts a state point at when it has neither labels nor
    times (its ``mean_labels``, else ``models.tglassmlp.mean_labels``); None otherwise."""
    if sp.get("labels", True) or "times" in sp:
        return None
    grid = sp.get("mean_labels") or (system.get("models", {}).get("tglassmlp") or {}).get("mean_labels")
    return tuple(float(c) for c in grid) if grid else None


def continued_structure(system: dict, structure: int | str) -> int | None:
    """single_run and swap modes: the structure that structure k continues (k - n_chains), else None."""
    if source_format(system) is not None:
        return None
    eq = system["equilibration"]
    index = int(structure)
    if eq["mode"] in ("single_run", "swap") and index >= eq["n_chains"]:
        return index - eq["n_chains"]
    return None


def matching_time_index(target_time: float, target_tau: float, source_times, source_tau: float) -> int:
    """Index of the source time closest in log(t / tau_alpha) to the target's (transfer studies)."""
    goal = math.log(target_time / target_tau)
    distances = [abs(math.log(float(t) / source_tau) - goal) for t in source_times]
    return distances.index(min(distances))


# -- paths -----------------------------------------------------------------------------------
class Layout:
    """Output paths of the workflow under ``results`` as Snakemake patterns ({wildcard}).

    Models: ``{training}`` is ``all`` (the split's training structures), ``n<N>`` (learning
    curve: the first N of them) or ``T<T'>`` (transfer: the ``all`` models of temperature T'
    applied at T). Models that take the state point as input (tGlassMLP) span every
    temperature of a system.
    """

    def __init__(self, results: str = "results"):
        r = results
        point = f"{r}/{{system}}/T{{temperature}}"
        self.results = r
        self.structure = f"{point}/equilibrated/{{structure}}.h5"
        self.isoconfigurational = f"{point}/isoconfigurational/{{structure}}.h5"
        # one job's replicas of a structure, when they are split (isoconfigurational.replicas_per_job)
        self.replica_group = f"{point}/replica_groups/{{structure}}/{{group}}.h5"
        self.inherent_structure = f"{point}/inherent_structures/{{structure}}.h5"
        self.cage_state = f"{point}/cage_states/{{structure}}.h5"
        self.labels = f"{point}/labels/{{structure}}.h5"
        self.dynamics = f"{point}/dynamics.h5"
        self.dynamics_table = f"{point}/dynamics.tsv"
        # chi_4, S_4 and its fits, G_4, chord lengths of one source (MD or a model's predictions),
        # the long table of glassdyn.plots.heterogeneity; read by the heterogeneity figures
        self.heterogeneity = f"{point}/heterogeneity/{{source}}.tsv"
        self.descriptors = f"{point}/descriptors/{{descriptor_set}}/{{structure}}.h5"
        self.glassbench_export = f"{point}/glassbench/{{structure}}.npz"
        self.model = f"{point}/models/{{training}}/{{model}}/{{label}}/type{{particle_type}}/t{{time_index}}.h5"
        self.transferable_model = f"{r}/{{system}}/models/{{training}}/{{model}}/{{label}}/type{{particle_type}}.h5"
        # BOTAN's edge pretraining: one per system and model, the start of all its trainings
        self.pretrained_model = f"{r}/{{system}}/models/pretraining/{{model}}.h5"
        self.predictions = f"{point}/predictions/{{training}}/{{model}}/{{label}}.h5"
        self.evaluation = f"{point}/evaluation/{{training}}/{{model}}/{{label}}.tsv"
        self.model_comparison = f"{r}/model_comparison.tsv"
        # One file listing a contiguous range of structures' label or descriptor files: a model
        # reads hundreds of structures, and depending on one list instead of each file keeps the
        # DAG small (Snakemake's planning cost grows with the number of input files per job).
        self.structure_list = f"{point}/structure_lists/{{kind}}_{{first}}-{{last}}.tsv"

    def structure_list_for(self, system: str, temperature: str, kind: str, structures) -> list[str]:
        """[list file] of a contiguous range of structures (``kind``: ``labels``, ``structures`` or a
        descriptor set), [] if empty."""
        structures = list(structures)
        if not structures:
            return []
        if structures != list(range(structures[0], structures[-1] + 1)):
            raise ValueError(f"structure lists cover contiguous ranges, got {structures}")
        return [self.structure_list.format(system=system, temperature=temperature, kind=kind,
                                           first=format_structure(structures[0]), last=format_structure(structures[-1]))]

    def listed_files(self, system: str, temperature: str, kind: str, first: str, last: str) -> list[str]:
        """The per-structure files a structure list names, in structure order."""
        pattern = {"labels": self.labels, "structures": self.structure,
                   "inherent_structures": self.inherent_structure}.get(kind, self.descriptors)
        return [pattern.format(system=system, temperature=temperature, descriptor_set=kind, structure=format_structure(k))
                for k in range(int(first), int(last) + 1)]


    def state_files(self, system: str, temperature: str, structure: str) -> dict:
        """{state name: file} of one structure: thermal structure, inherent structure, cage state."""
        ids = dict(system=system, temperature=temperature, structure=structure)
        return {"structure": self.structure.format(**ids), "inherent_structure": self.inherent_structure.format(**ids),
                "cage_state": self.cage_state.format(**ids)}


def write_structure_list(path, files) -> None:
    """Write a structure list: one file per line, in structure order (atomically)."""
    from glassdyn.atomic import write_text_atomic

    write_text_atomic(path, "".join(f"{f}\n" for f in files))


def list_structures(job) -> None:
    """Stage of rule list_structures: the list of the job's input files."""
    files = job.input["files"]
    write_structure_list(job.output["structure_list"], [files] if isinstance(files, str) else files)


def read_structure_lists(paths) -> list[str]:
    """The per-structure files named by structure lists, concatenated in order."""
    from pathlib import Path

    return [line for p in paths for line in Path(p).read_text().splitlines() if line]


# -- per-system plans ------------------------------------------------------------------------
class SystemPlan:
    """Every planning answer about one system of a validated config, computed once.

    Parameters
    ----------
    name : str
        The system's name (the ``{system}`` wildcard).
    system : dict
        Its validated config (defaults filled in).
    """

    def __init__(self, name: str, system: dict):
        self.name = name
        self.system = system
        self.temperatures = [format_temperature(sp["temperature"]) for sp in system["state_points"]]
        self._state_points = dict(zip(self.temperatures, system["state_points"]))
        self.source_format = source_format(system)
        #: the system whose models predict this one: its own, or predict_with's
        self.model_system = system.get("predict_with", {}).get("system", name)
        self.predicts_only = "predict_with" in system

    def has_labels(self, temperature: str) -> bool:
        """Whether a state point has MD labels (``labels: false``: predictions only)."""
        return bool(self.state_point(temperature).get("labels", True))

    @property
    def labelled_temperatures(self) -> list[str]:
        return [t for t in self.temperatures if self.has_labels(t)]

    # structures ---------------------------------------------------------------------------
    def state_point(self, temperature: str) -> dict:
        try:
            return self._state_points[format_temperature(float(temperature))]
        except KeyError:
            raise KeyError(f"{self.name}: no state point at T = {temperature}; configured: {self.temperatures}") from None

    def n_structures(self, temperature: str) -> int:
        return n_structures(self.system, self.state_point(temperature))

    def structures(self, temperature: str) -> list[str]:
        """Formatted structure indices of one state point."""
        return [format_structure(i) for i in range(self.n_structures(temperature))]

    @functools.cache
    def source_files(self, temperature: str) -> tuple[str, ...]:
        """Data files of an imported state point, in natural order (structure 0 first)."""
        from glassdyn.config import source_files

        return tuple(source_files(self.state_point(temperature)["files"]))

    def source_file(self, temperature: str, structure: str) -> str:
        """The data file an imported structure comes from."""
        files, index = self.source_files(temperature), int(structure)
        if index >= len(files):
            raise IndexError(f"structure {structure} asked for, but only {len(files)} files match")
        return files[index]

    def continued_structure(self, structure: int | str) -> int | None:
        """See :func:`continued_structure`."""
        return continued_structure(self.system, structure)

    # replicas -----------------------------------------------------------------------------
    def replicas_per_job(self, temperature: str) -> int:
        """Replicas one isoconfigurational job runs: the state point's ``replicas_per_job``, else
        ``isoconfigurational.replicas_per_job``, else all."""
        iso = self.system.get("isoconfigurational", {})
        n = iso.get("n_replicas", 32)
        return min(n, self.state_point(temperature).get("replicas_per_job") or iso.get("replicas_per_job") or n)

    def grouped_replicas(self) -> bool:
        """Whether replicas run in groups (``run_replica_group``, merged by ``merge_replicas``) at
        every state point: they do when one state point splits them."""
        if self.source_format is not None:
            return False
        n = self.system["isoconfigurational"]["n_replicas"]
        return any(self.replicas_per_job(t) < n for t in self.temperatures)

    def replica_groups(self, temperature: str) -> list[tuple[int, int]]:
        """[first, last) replica indices of each job of a structure."""
        n, size = self.system["isoconfigurational"]["n_replicas"], self.replicas_per_job(temperature)
        return [(first, min(first + size, n)) for first in range(0, n, size)]

    def replica_group(self, temperature: str, group: str) -> list[int]:
        first, last = self.replica_groups(temperature)[int(group)]
        return [first, last]

    # times --------------------------------------------------------------------------------
    @functools.cache
    def times(self, temperature: str) -> tuple[float, ...]:
        """The label time grid (tau) of a state point; () for one predicted at mean_labels."""
        if self.mean_labels(temperature) is not None:
            return ()
        return tuple(float(t) for t in state_point_times(self.system, self.state_point(temperature)))

    @functools.cache
    def mean_labels(self, temperature: str) -> tuple[float, ...] | None:
        """The <C_B> values tGlassMLP predicts a state point at when it has neither labels nor
        times (its ``mean_labels``, else ``models.tglassmlp.mean_labels``); None otherwise."""
        return state_point_mean_labels(self.system, self.state_point(temperature))

    def n_times(self, temperature: str) -> int:
        """Length of a state point's prediction axis: its times, or its mean_labels."""
        grid = self.mean_labels(temperature)
        return len(self.times(temperature)) if grid is None else len(grid)

    @functools.cache
    def time_indices(self, temperature: str) -> tuple[int, ...]:
        """Time indices with a model: ``models.time_indices`` or every time of the grid (every
        mean_labels value of a state point predicted at them)."""
        grid = self.mean_labels(temperature)
        if grid is not None:
            return tuple(range(len(grid)))
        chosen = self.system["models"].get("time_indices")
        return tuple(chosen) if chosen else tuple(range(len(requested_times(self.state_point(temperature)))))

    @functools.cache
    def transfer_time_map(self, temperature: str, source_temperature: str) -> dict[int, int]:
        """{target time index: source time index} at equal t / tau_alpha (roadmap SI II.G)."""
        target, source = self.state_point(temperature), self.state_point(source_temperature)
        target_times, source_times = self.times(temperature), self.times(source_temperature)
        source_indices = self.time_indices(source_temperature)
        out = {}
        for t in self.time_indices(temperature):
            if t >= len(target_times):
                continue
            k = matching_time_index(target_times[t], target["tau_alpha"], [source_times[i] for i in source_indices],
                                    source["tau_alpha"])
            out[t] = source_indices[k]
        return out

    # models -------------------------------------------------------------------------------
    @functools.cache
    def split(self, temperature: str, training: str = "all") -> dict[str, tuple[int, ...]]:
        """Structure indices of one state point: train, validation and test (by structure).

        The split's training block (the first ``split.train`` structures) holds the validation
        structures at its end (``models.validation_fraction``); the test structures are the
        last ``split.test``. ``training = "n<N>"`` (learning curve) trains on the first N of
        the training structures and validates on the same validation structures as the full
        model; ``"T<T'>"`` (transfer) uses the models of T', so its split is T's test set.
        """
        n_total = self.n_structures(temperature)
        n_train = min(self.system["split"]["train"], n_total)
        n_test = self.system["split"]["test"]
        fraction = self.system["models"]["validation_fraction"]
        n_val = min(n_train - 1, max(1, int(round(fraction * n_train)))) if fraction > 0 and n_train > 1 else 0
        pool = tuple(range(n_train - n_val))
        if training.startswith("n"):
            size = int(training[1:])
            if size > len(pool):
                raise ConfigError(f"systems.{self.name}.models.studies.learning_curve.training_sizes",
                                  f"{size} training structures asked for at T = {temperature}, but split.train = "
                                  f"{n_train} leaves {len(pool)} after the {n_val} validation structures")
            pool = pool[:size]
        return {"train": pool, "validation": tuple(range(n_train - n_val, n_train)),
                "test": tuple(range(n_total - n_test, n_total))}

    def model_split(self, temperature: str, training: str, model: str) -> dict[str, tuple[int, ...]]:
        """:meth:`split` as a model uses it. A graph network without early stopping (its
        ``patience`` unset, the papers' protocol: BOTAN and Bapst et al. train on all 400
        structures) trains on the validation structures too and validates on none."""
        split = self.split(temperature, training)
        options = self.system["models"].get(model) or {}
        if self.is_graph_model(model) and options.get("patience") is None and training == "all":
            return {**split, "train": split["train"] + split["validation"], "validation": ()}
        return split

    @functools.cache
    def model_names(self, names: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """Workflow model names of ``names`` (default ``models.train``); baselines -> one per column."""
        from glassdyn.models.recipes import expand_model_names
        from glassdyn.systems.mixtures import get_mixture

        names = self.system["models"]["train"] if names is None else names
        return tuple(expand_model_names(names, get_mixture(self.system["mixture"]).dimension))

    @functools.cache
    def model_descriptor_set(self, model: str) -> str | None:
        """The descriptor set a model reads (None: a graph model, which reads structures)."""
        from glassdyn.models.recipes import get_recipe

        return get_recipe(model).descriptor_set_for(self.system["models"].get(model))

    @functools.cache
    def per_time(self, model: str) -> bool:
        from glassdyn.models.recipes import get_recipe

        return get_recipe(model).per_time

    @functools.cache
    def is_graph_model(self, model: str) -> bool:
        """Whether the model reads the structure's graph (BOTAN, NT-GNN, GNN(DM))."""
        from glassdyn.models.recipes import get_recipe

        return get_recipe(model).graph

    @functools.cache
    def all_times(self, model: str) -> bool:
        """Whether one model of a temperature predicts all its times (SE(3); time index ``all``)."""
        from glassdyn.models.recipes import get_recipe

        return get_recipe(model).all_times

    @functools.cache
    def reads_inherent_energies(self, model: str) -> bool:
        """Whether the model reads the particles' inherent-structure energies (SE(3))."""
        from glassdyn.models.recipes import get_recipe

        return get_recipe(model).inherent_energies

    def model_time_index(self, model: str, time_index: int) -> str:
        """The ``{time_index}`` of the model file that predicts ``time_index``: ``all`` for a
        model of every time (SE(3))."""
        return "all" if self.all_times(model) else format_time_index(time_index)

    def trained_time_indices(self, temperature: str) -> list[int]:
        """The time indices a model of every time (SE(3)) learns at ``temperature``: all the
        modelled ones, in every training (the SI trains the 10 times at once; a learning curve
        scores some of them)."""
        return list(self.time_indices(temperature))

    def model_particle_types(self, model: str) -> tuple[str, ...]:
        """The ``{particle_type}`` of a model's files: one per modelled type, or ``all`` for a
        graph model (one network predicts every particle)."""
        if self.is_graph_model(model):
            return ("all",)
        return tuple(str(k) for k in self.system["models"]["particle_types"])

    def model_labels(self, model: str) -> tuple[str, ...]:
        """Label kinds a model learns: its ``labels`` option, else ``models.labels``."""
        options = self.system["models"].get(model) or {}
        return tuple(options.get("labels") or self.system["models"]["labels"])

    @functools.cache
    def pretraining(self, model: str) -> dict | None:
        """The edge pretraining of a model whose recipe asks for one (BOTAN), resolved:
        {temperature (formatted), time_index, epochs, learning_rate}; None without one.

        Defaults: the lowest temperature and its first modelled time (BOTAN Sec. IV pretrains at
        t = 13 of T = 0.44: a short time, where E_ij(t) follows r_ij(0) closely), 2000 epochs,
        the model's learning rate.
        """
        from glassdyn.models.recipes import get_recipe

        options = self.system["models"].get(model) or {}
        chosen = options.get("pretraining", {})
        if not get_recipe(model).pretrain or chosen is False:
            return None
        key = f"systems.{self.name}.models.{model}.pretraining"
        if "temperature" in chosen:
            temperature = format_temperature(chosen["temperature"])
            if temperature not in self._state_points:
                raise ConfigError(f"{key}.temperature", f"no state point at T = {temperature}; configured: {self.temperatures}")
        else:
            temperature = min(self.temperatures, key=float)
        time_index = chosen.get("time_index", min(self.time_indices(temperature)))
        n_times = len(self.times(temperature))
        if time_index >= n_times:
            raise ConfigError(f"{key}.time_index", f"{time_index} is beyond the {n_times} times of T = {temperature}")
        return {"temperature": temperature, "time_index": int(time_index), "epochs": int(chosen.get("epochs", 2000)),
                "learning_rate": float(chosen.get("learning_rate", options.get("learning_rate", 1e-4)))}

    def check(self) -> None:
        """Plan every training of every state point (splits, pretraining); raises :class:`ConfigError`."""
        for temperature in self.temperatures:
            for model, training in self.trainings(temperature):
                if not training.startswith("T") and not self.predicts_only:
                    self.model_split(temperature, training, model)
        if not self.predicts_only and self.system["models"]["train"]:
            for model in self.model_names():
                self.pretraining(model)

    def trainings(self, temperature: str) -> list[tuple[str, str]]:
        """(model, training) pairs evaluated at one temperature: all models, learning curves, transfers."""
        models = self.system["models"]
        if not models["train"]:
            return []
        if self.predicts_only:  # the training system's models, as they are
            if "trained_at" not in self.state_point(temperature):  # tGlassMLP alone
                return [(m, "all") for m in self.model_names() if not self.per_time(m)]
            return [(m, "all") for m in self.model_names()]
        if not self.has_labels(temperature):  # predicted by the models of every state point
            return [(m, "all") for m in self.model_names() if not self.per_time(m)]
        studies = models["studies"]
        out = [(m, "all") for m in self.model_names()]
        if "learning_curve" in studies:
            lc = studies["learning_curve"]
            out += [(m, f"n{n}") for m in self.model_names(tuple(lc["models"])) for n in lc["training_sizes"]]
        if "transfer" in studies:
            out += [(m, f"T{source}") for m in self.model_names(tuple(studies["transfer"]["models"]))
                    for source in self.labelled_temperatures if source != temperature]
        return out

    def transferred_temperatures(self, model: str) -> list[str]:
        """Temperatures with transferred data in ``model``'s two-step training (PRB Table I 't')."""
        plan = (self.system["models"].get(model) or {}).get("two_step")
        return sorted({format_temperature(e["temperature"]) for e in plan["transferred"]}, key=float) if plan else []

    @functools.cache
    def model_time_map(self, temperature: str, model: str, training: str) -> tuple[str, str, dict[int, int]]:
        """(source temperature, source training, {target time index: source time index}) of a
        prediction; a predict_with system's source temperature is in the training system
        (``trained_at``), at the same times."""
        if self.predicts_only:
            source = format_temperature(self.state_point(temperature)["trained_at"])
            return source, "all", {t: t for t in self.time_indices(temperature)}
        if training.startswith("T"):
            return training[1:], "all", self.transfer_time_map(temperature, training[1:])
        if training.startswith("n"):
            chosen = self.system["models"]["studies"]["learning_curve"].get("time_indices")
            return temperature, training, {t: t for t in (chosen or self.time_indices(temperature))}
        return temperature, training, {t: t for t in self.time_indices(temperature)}

    # dynamic heterogeneity ----------------------------------------------------------------
    def heterogeneity_label(self) -> str:
        """The label the heterogeneity tables analyse: ``heterogeneity.label``, else the first
        of ``models.labels``."""
        return heterogeneity_label(self.system)

    @functools.cache
    def heterogeneity_sources(self, temperature: str) -> tuple[str, ...]:
        """Sources of the heterogeneity tables of a state point: ``MD`` (the test structures'
        labels) and every ``all``-trained model predicting the label on them; none without test
        structures or with ``heterogeneity.compute: false``. Baselines are left out: their
        predictions are one descriptor each."""
        if not self.system["heterogeneity"]["compute"] or not self.split(temperature)["test"]:
            return ()
        label = self.heterogeneity_label()
        predicting = [m for m, training in self.trainings(temperature) if training == "all"]
        md = ("MD",) if self.has_labels(temperature) else ()
        return (*md, *(m for m in predicting if not m.startswith("baseline-") and label in self.model_labels(m)))

    # stage configs ------------------------------------------------------------------------
    def stage_config(self, stage: str, temperature: str | None = None, **job) -> dict:
        """See :func:`stage_config`."""
        return stage_config(stage, self.system, temperature, **job)


def heterogeneity_label(system: dict) -> str:
    """See :meth:`SystemPlan.heterogeneity_label`."""
    return system["heterogeneity"].get("label") or system["models"]["labels"][0]


def _state(sp: dict, *keys) -> dict:
    return {k: sp[k] for k in keys if k in sp}


def _equilibration(system: dict, continued: bool) -> dict:
    eq = system["equilibration"]
    # A continued structure neither melts nor quenches, but its protocol record names the
    # chain's melt; a melt change reruns the chain's first structure and so the whole chain.
    out = {"mode": eq["mode"], "melt_temperature": eq["melt_temperature"], "melt_time": eq["melt_time"],
           "quench_time": eq["quench_time"]}
    if eq["mode"] == "swap":
        out["swap"] = dict(eq["swap"])
        if continued:
            out["sample_interval_tau_alpha"] = eq["sample_interval_tau_alpha"]
    else:
        out["sample_interval_tau_alpha" if continued else "duration_tau_alpha"] = (
            eq["sample_interval_tau_alpha"] if continued else eq["duration_tau_alpha"])
    return out


def _training_options(system: dict, model: str, training: str = "all") -> dict | None:
    """A model's options as its training reads them: without ``labels`` (which trainings
    exist) and ``pretraining`` (its own job, whose output the training reads); a learning-curve
    training (``n<N_S>``) of a model with ``learning_curve_epochs`` E runs round(E / N_S) epochs
    (SE(3): N_e(N_S) = 8e4 / N_S, roadmap SI II.F), the other trainings their ``epochs``."""
    options = system["models"].get(model)
    if options is None:
        return None
    out = {k: v for k, v in options.items() if k not in ("labels", "pretraining", "learning_curve_epochs")}
    if training.startswith("n") and options.get("learning_curve_epochs"):
        out["epochs"] = max(1, int(round(options["learning_curve_epochs"] / int(training[1:]))))
    return out


def _canonical(value):
    """``value`` with every mapping's keys sorted: Snakemake compares params with their key
    order, so a config whose keys are written in another order (a YAML file rewritten by a
    tool, keys moved by hand) would otherwise rerun every job."""
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def stage_config(stage: str, system: dict, temperature: str | float | None = None, **job) -> dict:
    """What one job of ``stage`` reads from its system's config, for its own state point only,
    keys sorted (:func:`_canonical`); see :func:`_stage_config`."""
    return _canonical(_stage_config(stage, system, temperature, **job))


def _stage_config(stage: str, system: dict, temperature: str | float | None = None, *, structure=None,
                  model: str | None = None, time_indices: dict | None = None, pretraining: dict | None = None,
                  training: str = "all") -> dict:
    """What one job of ``stage`` reads from its system's config, for its own state point only.

    Parameters
    ----------
    stage : str
        Rule name (``equilibrate_structure``, ``run_isoconfigurational``, ...).
    system : dict
        The system's validated config.
    temperature : str or float, optional
        The job's temperature (wildcard); stages of one state point read only that one.
    structure : int or str, optional
        ``equilibrate_structure``: the structure, which decides whether it starts from scratch
        or continues a chain (the two read different keys).
    model : str, optional
        ``train_model`` and ``train_transferable_model``: the model whose options are read.
    time_indices : dict or list, optional
        ``train_transferable_model``: {temperature: modelled time indices}; ``train_model`` of a
        model of every time (SE(3)): the time indices it learns.
    pretraining : dict, optional
        ``pretrain_model``: the resolved pretraining (:meth:`SystemPlan.pretraining`).
    training : str, optional
        ``train_model``: the ``{training}`` (a learning curve may set the epochs).

    Returns
    -------
    dict
        JSON-able; the same config gives the same dict, in the same key order.
    """
    sp = state_point(system, temperature) if temperature is not None else None
    physics = {"mixture": system["mixture"], "potential": system["potential"]}
    # OpenMP threads change a trajectory's last bits: an MD job reads them (serial by default,
    # left out then, so that results of serial runs keep their stage config)
    threads = {"md_threads": system["md_threads"]} if system.get("md_threads", 1) > 1 else {}
    if stage == "equilibrate_structure":
        continued = continued_structure(system, structure) is not None
        return {**physics, "n_particles": system["n_particles"], "density": system["density"],
                "timestep": system["timestep"], "thermostat_damping": system["thermostat_damping"],
                "equilibration": _equilibration(system, continued), "state_point": _state(sp, "temperature", "tau_alpha"),
                **threads}
    if stage in ("run_isoconfigurational", "run_replica_group", "merge_replicas"):
        # how the replicas are split into jobs changes no number: not part of the stage config
        iso = {k: v for k, v in system["isoconfigurational"].items() if k != "replicas_per_job"}
        return {**physics, "timestep": system["timestep"], "thermostat_damping": system["thermostat_damping"],
                "isoconfigurational": iso, "state_point": _state(sp, "temperature", "tau_alpha", "times"), **threads}
    if stage == "quench_inherent_structure":
        return {**physics, "inherent_structure": dict(system["inherent_structure"])}
    if stage in ("import_isoconfigurational", "import_labels"):
        return {**physics, "source": dict(system["source"]), "state_point": _state(sp, "temperature", "tau_alpha", "times")}
    if stage == "compute_labels":
        labels = {k: v for k, v in system["labels"].items() if k != "overlap"}
        return {"mixture": system["mixture"], "labels": labels, "state_point": _state(sp, "temperature", "tau_alpha")}
    if stage == "summarize_dynamics":
        return {"labels": {"overlap": dict(system["labels"]["overlap"])}}
    if stage == "compute_cage_state":
        return {**physics, "cage_state": dict(system["descriptors"]["cage_state"]), "state_point": _state(sp, "temperature")}
    if stage == "compute_descriptors":
        return {"mixture": system["mixture"]}
    if stage == "train_model":
        # the state point (T, tau_alpha, t) comes with the label files, as the model records it
        out = {"model": {model: _training_options(system, model, training)}}
        if time_indices is not None:  # a model of every time (SE(3)): the times it learns
            out["time_indices"] = [int(t) for t in time_indices]
        return out
    if stage == "pretrain_model":
        return {"model": {model: _training_options(system, model)},
                "pretraining": pretraining}
    if stage == "train_transferable_model":
        return {"model": {model: system["models"].get(model)},
                "time_indices": {str(t): list(v) for t, v in (time_indices or {}).items()}}
    if stage == "predict_model":
        grid = state_point_mean_labels(system, sp)
        if grid is not None:  # tGlassMLP at <C_B> values, times from time-temperature superposition
            return {"state_point": {**_state(sp, "temperature", "tau_alpha"), "mean_labels": list(grid)}}
        return {"state_point": {**_state(sp, "temperature", "tau_alpha"),
                                "times": [float(t) for t in state_point_times(system, sp)]}}
    if stage == "evaluate_model":
        return {"state_point": _state(sp, "temperature", "tau_alpha")}
    if stage == "compute_heterogeneity":
        # the analysis itself, the label and type it reads, and how a propensity becomes an
        # overlap (PRL SM VI); the source (MD or a model) is the job's wildcard
        opts = {k: v for k, v in system["heterogeneity"].items() if k not in ("compute", "label")}
        label = heterogeneity_label(system)
        out = {"heterogeneity": opts, "label": label, "particle_type": int(system["models"]["particle_types"][0]),
               "state_point": _state(sp, "temperature")}
        if label == "propensity":
            out["overlap"] = dict(system["labels"]["overlap"])
        return out
    raise KeyError(f"no stage {stage!r}")


# -- targets ---------------------------------------------------------------------------------
def evaluation_targets(plans: dict[str, SystemPlan], layout: Layout) -> list[str]:
    """Every evaluation table: all models x T x label (+ learning curves and transfers)."""
    targets = []
    for name, plan in plans.items():
        for temperature in plan.labelled_temperatures:
            for model, training in plan.trainings(temperature):
                for label in plan.model_labels(model):
                    targets.append(layout.evaluation.format(system=name, temperature=temperature, training=training,
                                                            model=model, label=label))
    return targets


def heterogeneity_targets(plans: dict[str, SystemPlan], layout: Layout) -> list[str]:
    """Every heterogeneity table: system x T x source."""
    return [layout.heterogeneity.format(system=name, temperature=t, source=source)
            for name, plan in plans.items() for t in plan.temperatures for source in plan.heterogeneity_sources(t)]


def comparison_dynamics(plans: dict[str, SystemPlan], layout: Layout) -> dict[tuple[str, str], str]:
    """{(system, T): dynamics file} of every system with models."""
    return {(name, t): layout.dynamics.format(system=name, temperature=t)
            for name, plan in plans.items() if plan.system["models"]["train"] for t in plan.labelled_temperatures}


def all_targets(plans: dict[str, SystemPlan], layout: Layout) -> list[str]:
    """What ``snakemake`` makes by default: labels, inherent structures, descriptors, dynamics,
    heterogeneity tables, models, figures."""
    targets = []
    for name, plan in plans.items():
        sets = plan.system["descriptors"]["sets"]
        for temperature in plan.temperatures:
            labelled = plan.has_labels(temperature)
            for structure in plan.structures(temperature):
                ids = dict(system=name, temperature=temperature, structure=structure)
                targets += [layout.labels.format(**ids)] if labelled else []
                targets += [layout.inherent_structure.format(**ids)]
                targets += [layout.descriptors.format(descriptor_set=s, **ids) for s in sets]
            ids = dict(system=name, temperature=temperature)
            if labelled:
                targets += [layout.dynamics.format(**ids), layout.dynamics_table.format(**ids)]
            elif plan.system["models"]["train"]:  # predictions only: what the heterogeneity stage reads
                targets += [layout.predictions.format(training="all", model=m, label=label, **ids)
                            for m, _ in plan.trainings(temperature) for label in plan.model_labels(m)]
    targets += heterogeneity_targets(plans, layout)
    evaluations = evaluation_targets(plans, layout)
    if evaluations:
        targets += evaluations + [layout.model_comparison]
    from glassdyn.workflow.reporting import figure_targets

    return targets + figure_targets(plans, layout.results)


def plan_workflow(config: dict, files=()) -> tuple[dict, dict[str, SystemPlan]]:
    """Validate a config and plan every system; every error is a :class:`ConfigError` naming its key.

    What the Snakefile runs before it defines a rule, so a config that cannot be planned stops
    with one line and no job runs. Planning (every split, pretraining and target) is done here
    once, eagerly: an error found later, inside an input function, would reach the user as a
    Snakemake traceback. ``files``: the config files read, in order; an error's key is looked
    up there and its file and line added to the message.

    Returns
    -------
    config : dict
        The validated config, defaults filled in.
    plans : dict
        A :class:`SystemPlan` per system.
    """
    try:
        config = validate_config(config)
        plans = {name: SystemPlan(name, system) for name, system in config["systems"].items()}
        for plan in plans.values():
            plan.check()
        all_targets(plans, Layout(config["results"]))
    except ConfigError as exc:
        where = [(f, key_line(f, exc.key)) for f in files] if exc.key else []
        where = [(f, n) for f, n in where if n is not None]
        if where:  # the last file that writes the key is the one that counts (later files override)
            raise ConfigError(exc.key, f"{exc.detail} ({where[-1][0]} line {where[-1][1]})") from None
        raise
    return config, plans


def plan_summary(plans: dict[str, SystemPlan]) -> str:
    """One line per system: temperatures, structures, equilibration, replica runs."""
    lines = []
    for name, plan in plans.items():
        system = plan.system
        n_t = len(plan.temperatures)
        if plan.source_format:
            n_s = sum(plan.n_structures(t) for t in plan.temperatures)
            lines.append(f"glassdyn plan: {name}: {n_t} temperatures, {n_s} structures imported from {plan.source_format} files")
            continue
        n_s = system["n_structures"]
        if plan.predicts_only and not plan.labelled_temperatures:
            lines.append(f"glassdyn plan: {name}: {n_t} temperatures x {n_s} structures of N = {system['n_particles']}, "
                         f"predicted with the models of {plan.model_system} (no MD labels)")
            continue
        n_r = system["isoconfigurational"]["n_replicas"]
        eq = system["equilibration"]
        chains = f" in {eq['n_chains']} chain(s) per temperature" if eq["mode"] in ("single_run", "swap") else ""
        per_job = sorted({plan.replicas_per_job(t) for t in plan.temperatures})
        per_job = "/".join(str(k) for k in per_job)
        lines.append(
            f"glassdyn plan: {name}: {n_t} temperatures x {n_s} structures = {n_t * n_s} structures "
            f"(equilibration: {eq['mode']}{chains}), {n_t * n_s * n_r} replica runs ({per_job} per isoconfigurational job)"
        )
    return "\n".join(lines)
