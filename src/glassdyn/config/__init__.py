"""Workflow configuration: schema validation with clear messages, defaults, derived quantities.

Every config is validated before any job runs (the Snakefile calls :func:`validate_config`).
An error names the offending key as a dotted path, e.g. ``systems.ka3d.isoconfigurational.n_replicas``.
"""

from __future__ import annotations

import copy
import difflib
import glob
import math
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import yaml


class ConfigError(ValueError):
    """Invalid configuration; ``key`` is the dotted path of the offending entry."""

    def __init__(self, key: str, message: str):
        self.key, self.detail = key, message
        super().__init__(f"invalid config: {key}: {message}" if key else f"invalid config: {message}")


@cache
def _schema_file() -> dict:
    return yaml.safe_load(resources.files("glassdyn.config").joinpath("schema.yaml").read_text())


def schema() -> dict:
    """The config schema, with the names of the registered descriptor sets and models.

    The file lists the built-in names; plug-ins (``plugins``) add theirs to the registries,
    so the allowed names are taken from the registries at validation time.
    """
    from glassdyn.descriptors.sets import DESCRIPTOR_SETS
    from glassdyn.models.recipes import RECIPES, model_names

    root = copy.deepcopy(_schema_file())
    system = root["$defs"]["system"]["properties"]
    system["descriptors"]["properties"]["sets"]["items"] = {"enum": sorted(DESCRIPTOR_SETS)}
    models = system["models"]["properties"]
    models["train"]["items"] = {"enum": model_names()}
    for name in RECIPES:
        # a plug-in model's options are its constructor arguments (and descriptor_set)
        models.setdefault(name, {"type": "object", "default": {}})
    return root


def load_plugins(modules) -> list:
    """Import the plug-in modules named in the config (``plugins``); the working directory is searched too.

    Raises :class:`ConfigError` naming the entry when a module cannot be imported.
    """
    import importlib
    import sys

    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        raise ConfigError("plugins", f"a list of module names, got {modules!r}")
    if modules and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    loaded = []
    for i, name in enumerate(modules):
        try:
            loaded.append(importlib.import_module(name))
        except Exception as exc:  # any failure inside the user's module, reported with its key
            raise ConfigError(f"plugins.{i}", f"cannot import {name!r}: {type(exc).__name__}: {exc}") from exc
    return loaded


def _is_integer(checker, instance) -> bool:
    # 4.0 is not an integer here (jsonschema's default accepts it): a replica count written
    # 4.0 would reach LAMMPS as a float and fail hours later
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_number(checker, instance) -> bool:
    # NaN and infinities pass every minimum/maximum comparison as False or True at random:
    # refuse them as numbers, so the error is a type error at their own key
    return isinstance(instance, (int, float)) and not isinstance(instance, bool) and math.isfinite(instance)


#: Draft 2020-12 with integers that are ints and numbers that are finite
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}),
)


def _type_message(error: jsonschema.ValidationError) -> str | None:
    """A plain message for the type errors users make in YAML, or None for jsonschema's own."""
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    value = error.instance
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, got {value}"
    if "integer" in expected and isinstance(value, float) and value.is_integer():
        return f"must be a whole number, got {value!r} (write {int(value)})"
    if isinstance(value, str) and {"number", "integer"} & set(expected):
        try:
            float(value)
        except ValueError:
            return None
        # YAML 1.1 reads 1e-4 (no dot) as a string
        return f"{value!r} is a string to YAML; write numbers in exponent form with a dot (e.g. 1.0e-4)"
    return None


def _dotted(path) -> str:
    return ".".join(str(p) for p in path)


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"]
        target = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _known_keys(node: dict, root: dict) -> list[str]:
    return list(_resolve(node, root).get("properties", {}))


#: where a name comes from a registry that plug-ins extend
_REGISTRY_KEYS = (("descriptors", "sets"), ("models", "train"), ("models",))
_PLUGIN_HINT = " (a plug-in's name? list its module under plugins)"


def _message(error: jsonschema.ValidationError, root: dict) -> ConfigError:
    exc = _plain_message(error, root)
    path = [p for p in error.absolute_path if not isinstance(p, int)]
    if error.validator in ("enum", "additionalProperties") and any(tuple(path[-len(k):]) == k for k in _REGISTRY_KEYS):
        exc = ConfigError(exc.key, exc.detail + _PLUGIN_HINT)
    return exc


def _plain_message(error: jsonschema.ValidationError, root: dict) -> ConfigError:
    key = _dotted(error.absolute_path)
    if error.validator == "additionalProperties":
        known = _known_keys(error.schema, root)
        extra = sorted(set(error.instance) - set(known))
        name = extra[0] if extra else "?"
        hint = difflib.get_close_matches(name, known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else f" (known keys: {', '.join(known)})"
        return ConfigError(_dotted([*error.absolute_path, name]), f"unknown key{suggestion}")
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return ConfigError(_dotted([*error.absolute_path, missing]), "required key is missing")
    if error.validator == "type" and _type_message(error):
        return ConfigError(key, _type_message(error))
    if error.validator == "propertyNames":
        return ConfigError(key, f"name {error.instance!r} must start with a letter and contain only letters, digits, _ and -")
    return ConfigError(key, error.message)


def _fill_defaults(instance, node: dict, root: dict):
    node = _resolve(node, root)
    if isinstance(instance, dict) and node.get("type") == "object":
        for name, sub in node.get("properties", {}).items():
            sub_r = _resolve(sub, root)
            if name not in instance and "default" in sub_r:
                instance[name] = copy.deepcopy(sub_r["default"])
            if name in instance:
                _fill_defaults(instance[name], sub_r, root)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            for name in instance:
                if name not in node.get("properties", {}):
                    _fill_defaults(instance[name], extra, root)
    elif isinstance(instance, list) and "items" in node:
        for item in instance:
            _fill_defaults(item, node["items"], root)
    return instance


def requested_times(state_point: dict) -> np.ndarray:
    """The state point's time grid in tau, as configured (a list or a log-spaced range)."""
    spec = state_point["times"]
    if isinstance(spec, dict):
        ls = spec["log_spaced"]
        return np.geomspace(ls["start"], ls["stop"], ls["num"])
    return np.asarray(spec, dtype=float)


def time_grid(state_point: dict, timestep: float) -> tuple[np.ndarray, np.ndarray]:
    """Time grid of a state point in MD steps and in tau: (steps, times = steps * timestep).

    Times are rounded to whole steps; the rounded grid must stay strictly increasing.
    """
    steps = np.rint(requested_times(state_point) / timestep).astype(np.int64)
    return steps, steps * timestep


def natural_key(path) -> list:
    """Sort key that puts 'x_2' before 'x_10' (data sets number their files without padding)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def source_files(pattern: str) -> list[str]:
    """Files matching an imported state point's glob, in natural order (structure 0 first)."""
    return sorted(glob.glob(os.path.expanduser(pattern)), key=natural_key)


def n_structures(system: dict, state_point: dict) -> int:
    """Structures at a state point: configured when simulated, counted files when imported."""
    return state_point["n_structures"] if "source" in system else system["n_structures"]


def _check_times(key: str, sp: dict, timestep: float | None) -> None:
    if isinstance(sp["times"], dict):
        ls = sp["times"]["log_spaced"]
        if ls["stop"] <= ls["start"] and ls["num"] > 1:
            raise ConfigError(f"{key}.log_spaced", "stop must exceed start")
    elif np.any(np.diff(sp["times"]) <= 0):
        raise ConfigError(key, f"times must be strictly increasing, got {sp['times']}")
    if timestep is None:
        return
    steps, _ = time_grid(sp, timestep)
    if steps[0] < 1:
        raise ConfigError(key, f"first time {sp['times'] if not isinstance(sp['times'], dict) else 'start'} is shorter than one time step ({timestep})")
    if np.any(np.diff(steps) <= 0):
        raise ConfigError(key, f"two times round to the same MD step with timestep {timestep}: steps {steps.tolist()}")


def _check_system(name: str, system: dict, models_asked: bool = True) -> None:
    """Check one system and fill in what follows from it; ``models_asked``: whether the config
    names ``models.train`` (else the default models train only where a split is possible)."""
    where = f"systems.{name}"
    from glassdyn.systems import get_mixture

    mixture = get_mixture(system["mixture"])
    system.setdefault("potential", mixture.smoothing)
    source = system.get("source")
    temperatures = [sp["temperature"] for sp in system["state_points"]]
    if len(set(temperatures)) != len(temperatures):
        raise ConfigError(f"{where}.state_points", f"temperatures must be unique, got {temperatures}")
    if source is None:
        length = mixture.box_length(system["n_particles"], system["density"])
        if length <= 2 * mixture.cutoff_matrix.max():
            raise ConfigError(
                f"{where}.n_particles",
                f"box edge {length:.3f} is smaller than twice the largest cutoff "
                f"({mixture.cutoff_matrix.max():.3f}); use more particles",
            )
        eq = system["equilibration"]
        if eq["mode"] == "swap":
            masses = mixture.mass_array
            if not (masses == masses[0]).all():
                raise ConfigError(f"{where}.equilibration.mode", f"swap Monte Carlo needs equal masses; {mixture.name} has {masses}")
            # PRL: 2100 attempts per phase for N = 1290, i.e. the same attempts per particle
            eq["swap"].setdefault("attempts_per_phase", max(1, round(2100 * system["n_particles"] / 1290)))
    elif source["format"] in ("botan", "glassbench") and "box" not in source:
        raise ConfigError(f"{where}.source.box", f"{source['format']} files store no box; give its edge length")
    if "predict_with" not in system and any("trained_at" in sp for sp in system["state_points"]):
        raise ConfigError(f"{where}.state_points", "trained_at needs predict_with (the system whose models predict)")
    if "predict_with" not in system and not all(sp["labels"] for sp in system["state_points"]) \
            and not _transferable_models(system, mixture):
        raise ConfigError(f"{where}.state_points", "a state point without labels needs predict_with or tglassmlp "
                                                   "(models to predict it)")
    for i, sp in enumerate(system["state_points"]):
        key = f"{where}.state_points.{i}"
        if source is None:
            if "files" in sp:
                raise ConfigError(f"{key}.files", "only imported systems (with `source`) read files")
            if "times" not in sp:
                if "predict_with" in system:
                    continue  # the training state point's, filled in by _link_predictions
                if not sp["labels"]:
                    continue  # tGlassMLP predicts at mean_labels, checked with the models
                raise ConfigError(f"{key}.times", "required key is missing")
            _check_times(f"{key}.times", sp, system["timestep"])
            continue
        if "files" not in sp:
            raise ConfigError(f"{key}.files", "required key is missing (a glob of the data files)")
        found = source_files(sp["files"])
        if not found:
            raise ConfigError(f"{key}.files", f"no file matches {sp['files']!r} (relative to {os.getcwd()})")
        folders = [f for f in found if not os.path.isfile(f)]
        if folders:
            raise ConfigError(f"{key}.files", f"{sp['files']!r} matches {len(folders)} entries that are not files, "
                                              f"e.g. {folders[0]!r} (a folder? end the glob in the file pattern)")
        sp["n_structures"] = len(found)
        if "times" in sp:
            _check_times(f"{key}.times", sp, None)
        elif source["format"] != "deepmind":
            raise ConfigError(f"{key}.times", f"{source['format']} files store no time grid; give the times")
    counts = [n_structures(system, sp) for sp in system["state_points"]]
    split = system.get("split")
    if "predict_with" in system:
        # nothing trains here: every structure is predicted (and scored, where there are labels)
        if split and split.get("train", 0):
            raise ConfigError(f"{where}.split", "a predict_with system trains nothing: leave split out (all structures test)")
        system["split"] = {"train": 0, "test": min(counts)}
        return
    if split:
        total = split.get("train", 0) + split.get("test", 0)
        if total > min(counts):
            raise ConfigError(f"{where}.split", f"train + test = {total} exceeds n_structures = {min(counts)}")
    else:
        test = min(counts) // 3
        system["split"] = {"train": min(counts) - test, "test": test}
    system["split"].setdefault("train", 0)
    system["split"].setdefault("test", 0)
    if not models_asked and (system["split"]["train"] < 1 or system["split"]["test"] < 1):
        # too few structures for a split, no models asked for: a system that imports (or
        # simulates) and labels only
        system["models"]["train"] = []
    _check_models(where, system, mixture)


def _transferable_models(system: dict, mixture) -> list[str]:
    """The models of ``models.train`` that span all state points (tGlassMLP)."""
    from glassdyn.models.recipes import expand_model_names, get_recipe

    names = system.get("models", {}).get("train") or []
    return [m for m in expand_model_names(names, mixture.dimension) if not get_recipe(m).per_time]


def _check_transferable(where: str, system: dict) -> None:
    """tGlassMLP's grid and two-step plan against the state points (PRB Table I)."""
    options = system["models"].get("tglassmlp") or {}
    grid = options.get("mean_labels")
    temperatures = {f"{float(sp['temperature']):g}": sp for sp in system["state_points"]}
    labelled = sorted(float(t) for t, sp in temperatures.items() if sp["labels"])
    if not labelled:
        raise ConfigError(f"{where}.state_points", "tglassmlp needs a state point with labels")
    for i, sp in enumerate(system["state_points"]):
        if not sp["labels"] and "times" not in sp and not (sp.get("mean_labels") or grid):
            raise ConfigError(f"{where}.state_points.{i}.mean_labels", "a state point without labels or times is "
                              "predicted at <C_B> values: give mean_labels here or models.tglassmlp.mean_labels")
        if "times" in sp and "mean_labels" in sp:
            raise ConfigError(f"{where}.state_points.{i}.mean_labels", "give times or mean_labels, not both")
        if sp["labels"] and "mean_labels" in sp:
            raise ConfigError(f"{where}.state_points.{i}.mean_labels", "a state point with labels is predicted at its times")
    plan = options.get("two_step")
    grid_points = [i for i, sp in enumerate(system["state_points"]) if not sp["labels"]]
    labels = options.get("labels") or system["models"]["labels"]
    if (plan is not None or grid_points) and "propensity" in labels:
        raise ConfigError(f"{where}.models.tglassmlp.labels", "state points without labels and two_step are "
                          "predicted through <C_B> and its time-temperature superposition: set labels: [bond_breaking]")
    if plan is None:
        return
    key = f"{where}.models.tglassmlp.two_step"
    if not any(t >= plan["t_min"] - 1e-12 for t in labelled):
        raise ConfigError(f"{key}.t_min", f"no state point with labels at T >= {plan['t_min']:g}; labelled: {labelled}")
    if not grid:
        raise ConfigError(f"{where}.models.tglassmlp.mean_labels", "two_step needs the <C_B> grid (PRB Table I rows)")
    for i, entry in enumerate(plan["transferred"]):
        at = f"{float(entry['temperature']):g}"
        if at not in temperatures:
            raise ConfigError(f"{key}.transferred.{i}.temperature", f"no state point at T = {at}; "
                                                                     f"state points: {sorted(temperatures, key=float)}")
        off = [c for c in entry["mean_labels"] if not any(abs(c - g) < 1e-9 for g in grid)]
        if off:
            raise ConfigError(f"{key}.transferred.{i}.mean_labels", f"{off} are not on the grid "
                                                                     f"models.tglassmlp.mean_labels {grid}")


def _check_models(where: str, system: dict, mixture, predicting: bool = False) -> None:
    """Models need their descriptor sets, training and test structures, and times that exist
    (``predicting``: a predict_with system's, which trains nothing)."""
    from glassdyn.models.recipes import columns_for, expand_model_names, get_recipe

    models = system["models"]
    if not models["train"]:
        return
    names = expand_model_names(models["train"], mixture.dimension)
    for study in ("learning_curve", "transfer"):
        if study in models["studies"]:
            for name in expand_model_names(models["studies"][study]["models"], mixture.dimension):
                if name not in names:
                    raise ConfigError(f"{where}.models.studies.{study}.models", f"{name!r} is not in models.train")
                if not get_recipe(name).per_time:
                    raise ConfigError(f"{where}.models.studies.{study}.models", f"{name!r} spans all temperatures and times; "
                                      "studies retrain per-time models")
    sets = system["descriptors"]["sets"]
    for name in names:
        needed = get_recipe(name).descriptor_set_for(models.get(name))
        if needed is not None and needed not in sets:  # None: a graph model, which reads the structures
            raise ConfigError(f"{where}.descriptors.sets", f"model {name!r} reads descriptor set {needed!r}; add it to the sets")
        columns = columns_for(name)
        if columns:
            from glassdyn.descriptors.sets import baseline_columns

            if columns[0] not in baseline_columns(mixture.dimension):
                raise ConfigError(f"{where}.models.train", f"no baseline column {columns[0]!r}; "
                                  f"columns: {baseline_columns(mixture.dimension)}")
    if not predicting and "tglassmlp" in names:
        _check_transferable(where, system)
    bad = [k for k in models["particle_types"] if k >= mixture.n_types]
    if bad:
        raise ConfigError(f"{where}.models.particle_types", f"types {bad}, but {mixture.name} has {mixture.n_types}")
    if not predicting and (system["split"]["train"] < 1 or system["split"]["test"] < 1):
        raise ConfigError(f"{where}.split", "models need at least one training and one test structure")
    for i, sp in enumerate(system["state_points"]):
        n_times = len(requested_times(sp)) if "times" in sp and sp["labels"] else None
        if n_times is not None and models.get("time_indices"):
            bad = [t for t in models["time_indices"] if t >= n_times]
            if bad:
                raise ConfigError(f"{where}.models.time_indices", f"indices {bad} beyond the {n_times} times of state point {i}")


def _link_predictions(systems: dict) -> None:
    """Give every predict_with system its training system's models block (the chosen models),
    and its state points the training state point's times (per-time models; tGlassMLP alone
    predicts any state point); refuse another mixture or potential."""
    from glassdyn.models.recipes import expand_model_names, get_recipe
    from glassdyn.systems import get_mixture

    for name, system in systems.items():
        if "predict_with" not in system:
            continue
        where = f"systems.{name}.predict_with"
        source_name = system["predict_with"]["system"]
        source = systems.get(source_name)
        if source is None or source_name == name:
            raise ConfigError(f"{where}.system", f"no other system {source_name!r}; systems: {sorted(systems)}")
        if "predict_with" in source:
            raise ConfigError(f"{where}.system", f"{source_name!r} predicts with {source['predict_with']['system']!r} "
                                                 "itself: name the system that trains")
        for key in ("mixture", "potential"):
            if source[key] != system[key]:
                raise ConfigError(f"{where}.system", f"the models of {source_name!r} are trained on {key} {source[key]!r}, "
                                                     f"not {system[key]!r}: predictions need the same {key}")
        mixture = get_mixture(system["mixture"])
        trained = expand_model_names(source["models"]["train"], mixture.dimension) if source["models"]["train"] else []
        chosen = system["predict_with"].get("models")
        chosen = (expand_model_names(chosen, mixture.dimension) if chosen
                  else [m for m in trained if not m.startswith("baseline-")])
        missing = [m for m in chosen if m not in trained]
        if missing or not chosen:
            raise ConfigError(f"{where}.models", f"{missing or 'none'}: {source_name!r} trains {trained}")
        models = copy.deepcopy(source["models"])
        models.update(train=chosen, studies={})
        system["models"] = models
        known = {f"{float(sp['temperature']):g}": sp for sp in source["state_points"]}
        per_time = [m for m in chosen if get_recipe(m).per_time]
        for i, sp in enumerate(system["state_points"]):
            key = f"systems.{name}.state_points.{i}"
            if not per_time:  # tGlassMLP alone: any temperature, at its own times or mean_labels
                if "trained_at" in sp:
                    raise ConfigError(f"{key}.trained_at", f"{chosen} span every temperature: nothing to name")
                if "times" in sp:
                    _check_times(f"{key}.times", sp, system.get("timestep"))
                elif sp["labels"]:
                    raise ConfigError(f"{key}.times", "required key is missing (a state point with labels)")
                elif not (sp.get("mean_labels") or (models.get("tglassmlp") or {}).get("mean_labels")):
                    raise ConfigError(f"{key}.mean_labels", f"give the <C_B> values to predict at (or "
                                                            f"{source_name}'s models.tglassmlp.mean_labels)")
                continue
            at = f"{float(sp.get('trained_at', sp['temperature'])):g}"
            if at not in known:
                raise ConfigError(f"{key}.trained_at", f"{source_name!r} has no state point at T = {at}; "
                                                       f"it has {sorted(known, key=float)}")
            sp["trained_at"] = known[at]["temperature"]
            theirs = time_grid(known[at], source["timestep"])[1] if "source" not in source else requested_times(known[at])
            sp.setdefault("times", [float(t) for t in theirs])
            _check_times(f"{key}.times", sp, system.get("timestep"))
            ours = time_grid(sp, system["timestep"])[1] if "source" not in system else requested_times(sp)
            if len(ours) != len(theirs) or not np.allclose(ours, theirs, rtol=1e-9):
                raise ConfigError(f"{key}.times", f"the models predict the times of {source_name!r} at T = {at}, "
                                                  f"{[float(t) for t in theirs]}; leave times out or give those")
        _check_models(f"systems.{name}", system, mixture, predicting=True)


def validate_config(config: dict) -> dict:
    """Validate ``config`` and return a copy with defaults filled in; raises :class:`ConfigError`."""
    if not isinstance(config, dict) or not config:
        raise ConfigError("", "empty configuration (give --configfile or keep config/config.yaml)")
    load_plugins(config.get("plugins", []))
    root = schema()
    validator = _Validator(root)
    errors = list(validator.iter_errors(config))
    if errors:
        raise _message(jsonschema.exceptions.best_match(errors), root)
    resolved = _fill_defaults(copy.deepcopy(config), root, root)
    for name, system in resolved["systems"].items():
        if "predict_with" in system and "models" in config["systems"][name]:
            raise ConfigError(f"systems.{name}.models", "a predict_with system uses the models block of the system "
                                                        "it names; choose models with predict_with.models")
        _check_system(name, system, models_asked="train" in (config["systems"][name].get("models") or {}))
    _link_predictions(resolved["systems"])
    return resolved


def read_config_file(path) -> dict:
    """Read a YAML config file into a dict; refuse what is not a config with the file and line.

    Raises :class:`ConfigError` (key ``""``) for a missing or unreadable file, a file with no
    keys (empty or comments only), a YAML syntax error or a tab in the indentation (with its
    line), and a file whose top level is not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("", f"{path}: no such config file (relative to {os.getcwd()}; give --configfile <file>)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"{path}: cannot read the config file: {exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark is not None else str(path)
        line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
        if "\t" in line[: len(line) - len(line.lstrip())] or "'\\t'" in str(exc):
            raise ConfigError("", f"{where}: a tab in the indentation; YAML indents with spaces only") from None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError("", f"{where}: not valid YAML: {problem}") from None
    if raw is None:
        raise ConfigError("", f"{path}: the config file holds no keys (empty or comments only)")
    if not isinstance(raw, dict):
        raise ConfigError("", f"{path}: the config file's top level must be keys (a mapping), got a {type(raw).__name__}")
    return raw


def key_line(path, key: str) -> int | None:
    """Line (1-based) of the dotted ``key`` in the YAML file ``path``, or None where it is not written there."""
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for part in key.split(".") if key else []:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            line, node = match[0][0].start_mark.line + 1, match[0][1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_config(path) -> dict:
    """Read a YAML config file and validate it (:func:`read_config_file`, :func:`validate_config`)."""
    return validate_config(read_config_file(path))
