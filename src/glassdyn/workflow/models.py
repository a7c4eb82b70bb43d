"""Model stages: train per model / temperature / label / type / time, predict, score, compare."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from glassdyn.io import load, save
from glassdyn.workflow.planning import format_temperature, read_structure_lists
from glassdyn.workflow.runtime import Job, derive_seed, job_provenance, log, torch_threads


def _training_info(job: Job, model: str, seed: int) -> dict:
    """What the workflow records about a training run (model name, files), beside the fitted state."""
    return {"model": model, "system": job.system_name, "training": job.wildcards["training"], "seed": seed,
            "training_files": read_structure_lists(job.input["train_labels"]),
            "validation_files": read_structure_lists(job.input["validation_labels"])}


def json_summary(info: dict, limit: int = 300) -> str:
    text = json.dumps(info, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def train_model(job: Job) -> None:
    """Stage ``train_model``: fit one model for one label kind, particle type and time.

    Inputs: ``train_descriptors``, ``train_labels``, ``validation_descriptors``,
    ``validation_labels``: structure lists (:func:`~glassdyn.workflow.planning.read_structure_lists`).
    """
    from glassdyn.models import load_samples, save_model
    from glassdyn.models.recipes import build_model, columns_for

    from glassdyn.models.recipes import get_recipe

    if get_recipe(job.wildcards["model"]).graph:
        return _train_graph_model(job)
    torch_threads(job.threads)
    w = job.wildcards
    model, label, particle_type, time_index = w["model"], w["label"], int(w["particle_type"]), int(w["time_index"])
    options = job.config["model"][model] or {}
    kwargs = dict(label=label, time_index=time_index, columns=columns_for(model))
    files = {k: read_structure_lists(job.input[k]) for k in ("train_descriptors", "train_labels",
                                                              "validation_descriptors", "validation_labels")}
    train = load_samples(files["train_descriptors"], files["train_labels"], particle_type, **kwargs)
    validation = load_samples(files["validation_descriptors"], files["validation_labels"], particle_type, **kwargs)
    seed = derive_seed(job.seed, "train_model", job.system_name, w["temperature"], model, label, particle_type, time_index,
                       w["training"])
    estimator = build_model(model, options, seed)
    log.info("training %s for %s T=%s %s type %d time %s (t = %g): %d training, %d validation structures", model,
             job.system_name, w["temperature"], label, particle_type, time_index, train[0].state["time"], len(train),
             len(validation))
    checkpoint = _checkpoint_beside(estimator, job.output["model"])
    estimator.fit(train, validation)
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}),
               info=_training_info(job, model, seed))
    Path(checkpoint).unlink(missing_ok=True)
    log.info("wrote %s (%s)", job.output["model"], json_summary(estimator.describe()))


def _checkpoint_beside(estimator, output) -> str:
    """Let ``estimator`` checkpoint its training beside ``output`` (resumed after a kill);
    returns the checkpoint's path, to remove once the model is saved."""
    from glassdyn.workflow.runtime import CHECKPOINT_INTERVAL

    estimator.checkpoint_path = f"{output}.checkpoint"
    estimator.checkpoint_interval = CHECKPOINT_INTERVAL
    return estimator.checkpoint_path


def _train_graph_model(job: Job) -> None:
    """``train_model`` of a graph network: one model for every particle of the structures, at
    one time (or, SE(3), at every time of ``config.time_indices``), from the label files
    (positions, node and edge targets) and, where the model reads them, the inherent structures'
    energies; BOTAN starts from its pretrained weights (input ``pretrained``). Checkpoints every
    epoch beside the output."""
    from glassdyn.models import load_graph_samples, load_model, save_model
    from glassdyn.models.recipes import build_model

    torch_threads(job.threads)
    w = job.wildcards
    model, label = w["model"], w["label"]
    time_index = job.config["time_indices"] if w["time_index"] == "all" else int(w["time_index"])
    seed = derive_seed(job.seed, "train_model", job.system_name, w["temperature"], model, label, "all", w["time_index"],
                       w["training"])
    estimator = build_model(model, job.config["model"][model] or {}, seed)
    edges = estimator.node_weight < 1 and w["time_index"] != "all"

    def graphs(part):
        energies = job.input.get(f"{part}_inherent_structures")
        return load_graph_samples(read_structure_lists(job.input[f"{part}_labels"]), time_index, label=label,
                                  cutoff=estimator.cutoff, edges=edges,
                                  inherent_structure_files=None if energies is None else read_structure_lists(energies))

    train, validation = graphs("train"), graphs("validation")
    if "pretrained" in job.input:
        estimator.warm_start(load_model(job.input["pretrained"]))
    estimator.checkpoint_path = f"{job.output['model']}.checkpoint"
    times = train[0].state["times"] if "times" in train[0].state else [train[0].state["time"]]
    log.info("training %s for %s T=%s %s, every particle, time %s (t = %s): %d training, %d validation structures, "
             "%d epochs%s", model, job.system_name, w["temperature"], label, time_index,
             ", ".join(f"{t:g}" for t in times), len(train), len(validation), estimator.epochs,
             ", from the pretrained weights" if "pretrained" in job.input else "")
    estimator.fit(train, validation)
    info = _training_info(job, model, seed)
    if "pretrained" in job.input:
        info["pretrained"] = job.input["pretrained"]
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}), info=info)
    log.info("wrote %s (%s)", job.output["model"], json_summary(estimator.describe()))


def pretrain_model(job: Job) -> None:
    """Stage ``pretrain_model``: BOTAN's edge pretraining (Sec. IV, Fig. 3), p = 0 on the
    training structures of one state point and time (``config.pretraining``)."""
    from glassdyn.models import load_graph_samples, save_model
    from glassdyn.models.recipes import build_model

    torch_threads(job.threads)
    model = job.wildcards["model"]
    plan = job.config["pretraining"]
    options = {**(job.config["model"][model] or {}), "node_weight": 0.0, "epochs": plan["epochs"],
               "learning_rate": plan["learning_rate"]}
    seed = derive_seed(job.seed, "pretrain_model", job.system_name, model)
    estimator = build_model(model, options, seed)
    train = load_graph_samples(read_structure_lists(job.input["train_labels"]), plan["time_index"], cutoff=estimator.cutoff)
    estimator.checkpoint_path = f"{job.output['model']}.checkpoint"
    log.info("pretraining %s on the edges of %s T=%s time %d (t = %g): %d structures, %d epochs", model, job.system_name,
             plan["temperature"], plan["time_index"], train[0].state["time"], len(train), plan["epochs"])
    estimator.fit(train)
    info = {"model": model, "system": job.system_name, "seed": seed, "pretraining": plan,
            "training_files": read_structure_lists(job.input["train_labels"])}
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}), info=info)
    log.info("wrote %s (%s)", job.output["model"], json_summary(estimator.describe()))


def train_transferable_model(job: Job) -> None:
    """Stage ``train_transferable_model``: tGlassMLP on every (T, time) state point at once.

    Every structure contributes one sample per modelled time of its temperature; the state
    input is (T, <X>(t)), the mean label of the state point over its training structures
    (PRB II.A). With ``two_step`` (PRB Sec. II.E, Table I) the MD state points at T >= t_min
    and the transferred ones (the training structures of ``target_descriptors``, predicted by
    self-consistent equal-time networks) train it, see :func:`glassdyn.models.tglassmlp.train_two_step`.
    The model file keeps the time-temperature superposition of the training structures' mean
    label (bond breaking), which converts between t and <C_B> at any temperature.
    """
    from glassdyn.models import make_sample, save_model
    from glassdyn.models.recipes import build_model

    torch_threads(job.threads)
    w = job.wildcards
    model, label, particle_type = w["model"], w["label"], int(w["particle_type"])
    options = job.config["model"][model] or {}
    time_indices = job.config["time_indices"]

    def samples(descriptor_files, label_files):
        out = []
        for d_file, l_file in zip(descriptor_files, label_files):
            descriptors, labels = load(d_file, "descriptors"), load(l_file, "labels")
            temperature = labels.metadata.get("temperature")
            if temperature is None:
                raise ValueError(f"{l_file}: no temperature in the metadata")
            for t in time_indices[format_temperature(temperature)]:
                sample = make_sample(descriptors, labels, particle_type, label=label, time_index=t, name=Path(d_file).name)
                sample.state["temperature"] = float(temperature)
                out.append(sample)
        return out

    train = samples(read_structure_lists(job.input["train_descriptors"]), read_structure_lists(job.input["train_labels"]))
    validation = samples(read_structure_lists(job.input["validation_descriptors"]),
                         read_structure_lists(job.input["validation_labels"]))
    seed = derive_seed(job.seed, "train_transferable_model", job.system_name, model, label, particle_type, w["training"])
    time_map = None
    if label == "bond_breaking":
        try:
            time_map = fit_time_map(train, options.get("arrhenius_max_temperature"))
        except ValueError as error:  # only state points without MD need it; they say so when predicted
            log.warning("no time-temperature superposition: %s", error)
    plan = options.get("two_step")
    if plan is None:
        estimator = build_model(model, options, seed)
        points = sorted({(s.state["temperature"], s.state["time"]) for s in train})
        log.info("training %s for %s %s type %d on %d state points: %d training, %d validation samples", model,
                 job.system_name, label, particle_type, len(points), len(train), len(validation))
        _checkpoint_beside(estimator, job.output["model"])
        estimator.fit(train, validation)
    else:
        estimator = _train_two_step(job, model, options, plan, train, validation, particle_type, seed)
    info = _training_info(job, model, seed)
    if time_map is not None:
        info["time_temperature_superposition"] = time_map.to_dict()
        log.info("time-temperature superposition: tau^BB %s (Arrhenius E = %.4g over T = %s)",
                 {T: f"{tau:.4g} ({time_map.tau_sources_[T]})" for T, tau in sorted(time_map.taus_.items())},
                 time_map.energy_, time_map.arrhenius_temperatures_)
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}), info=info)
    Path(f"{job.output['model']}.checkpoint").unlink(missing_ok=True)
    log.info("wrote %s", job.output["model"])


def fit_time_map(samples, arrhenius_max_temperature=None):
    """:class:`~glassdyn.analysis.TemperatureTimeMap` of the samples' state-point mean label
    (<C_B>(t) over the training structures of each temperature)."""
    from glassdyn.analysis import TemperatureTimeMap
    from glassdyn.models.tglassmlp import state_point_means

    means = state_point_means(samples)
    points = {}
    for s, c in zip(samples, means):
        points[(float(s.state["temperature"]), float(s.state["time"]))] = float(c)
    curves = {}
    for (T, t), c in sorted(points.items()):
        curves.setdefault(T, ([], []))
        curves[T][0].append(t)
        curves[T][1].append(c)
    return TemperatureTimeMap(0.5, arrhenius_max_temperature).fit(curves)


def _train_two_step(job: Job, model: str, options: dict, plan: dict, train, validation, particle_type: int, seed: int):
    """PRB Sec. II.E with the workflow's data: MD state points (T >= t_min) by (T, <C_B>),
    targets = the training structures of every transferred (T, <C_B>) of the grid; the
    model's ``n_networks`` candidates per training."""
    from glassdyn.models import make_sample
    from glassdyn.models.recipes import Recipe, build_model
    from glassdyn.models.tglassmlp import state_point_means, train_two_step

    t_min = float(plan["t_min"])

    def by_state(samples):
        out = {}
        for s, c in zip(samples, state_point_means(samples) if samples else []):
            if s.state["temperature"] >= t_min - 1e-12:
                out.setdefault((float(s.state["temperature"]), float(c)), []).append(s)
        return out

    labelled, held_out = by_state(train), by_state(validation)
    dropped = sorted({s.state["temperature"] for s in train if s.state["temperature"] < t_min - 1e-12})
    if dropped:
        log.info("two-step: MD labels at T = %s < t_min = %g are not trained on", dropped, t_min)
    descriptors = read_structure_lists(job.input["target_descriptors"]) if "target_descriptors" in job.input else []
    structures = read_structure_lists(job.input["target_structures"]) if "target_structures" in job.input else []
    # matched as the paths name temperatures, so that 0.15 in the config is 0.15 in the files
    wanted = {format_temperature(e["temperature"]): (float(e["temperature"]), [float(c) for c in e["mean_labels"]])
              for e in plan["transferred"]}
    targets = {}
    for d_file, s_file in zip(descriptors, structures):
        d, structure = load(d_file, "descriptors"), load(s_file, "structure")
        temperature, values = wanted.get(format_temperature(d.metadata["temperature"]), (None, ()))
        sample = make_sample(d, None, particle_type, columns=None, positions=structure.positions, name=Path(d_file).name)
        for c in values:
            targets.setdefault((temperature, c), []).append(sample)
    missing = sorted(k for k in ((T, c) for T, cs in wanted.values() for c in cs) if k not in targets)
    if missing:
        raise ValueError(f"two-step: no training structures for the transferred state points {missing}")
    n_candidates = build_model(model, options, seed).n_networks
    model_options = {k: v for k, v in options.items() if k not in (*Recipe.WORKFLOW_OPTIONS, "n_networks", "seed")}
    log.info("two-step %s for %s type %d: %d MD state points at T >= %g, %d transferred state points, %d candidate "
             "networks per training", model, job.system_name, particle_type, len(labelled), t_min, len(targets),
             n_candidates)
    result = train_two_step(labelled, t_min, targets, n_candidates, model_options=model_options,
                            tolerance=float(plan["tolerance"]), min_networks=int(plan["min_networks"]), seed=seed,
                            validation_by_state=held_out, grid_tolerance=float(plan["grid_tolerance"]))
    report = result.report
    for key, entry in report["step1"].items():
        log.info("two-step step 1 at %s: %d of %d networks self-consistent", key, len(entry["passing"]),
                 len(entry["deviation"]))
    log.info("two-step final networks kept: %s%s", report["final_networks"],
             " (fallback: fewer passed than min_networks)" if report["fallback"] else "")
    return result.model


def predict_model(job: Job) -> None:
    """Stage ``predict_model``: one model's predictions for the test structures of one state point.

    Params: ``model_files`` {target time index: [model file per particle type]} (the model may
    come from another temperature, transfer, or a smaller training set, learning curve) and
    ``structures`` (the test structures' indices).
    """
    from glassdyn.io import Predictions
    from glassdyn.models import load_model
    from glassdyn.models.evaluation import predict_structures

    torch_threads(job.threads)
    sp = job.config["state_point"]
    model_files = job.params["model_files"]
    loaded = {f: load_model(f) for files in model_files.values() for f in files}  # tGlassMLP: one file, all times
    if not getattr(next(iter(loaded.values())), "PER_TIME", True):
        return _predict_transferable(job, [loaded[f] for f in sorted(loaded)], sorted(int(t) for t in model_files))
    times = np.asarray(sp["times"], dtype=float)
    models = [(int(t), loaded[f]) for t, files in model_files.items() for f in files]
    edges = {}
    if "structures" in job.input:  # graph models read the structures themselves
        from glassdyn.models.evaluation import predict_graphs

        inputs = [load(path, "structure") for path in read_structure_lists(job.input["structures"])]
        energies = None
        if "inherent_structures" in job.input:
            energies = [load(path, "inherent_structure").particle_energies
                        for path in read_structure_lists(job.input["inherent_structures"])]
        models = [(t, m, _model_column(m, t, sp)) for t, m in models]
        values, edges = predict_graphs(models, inputs, len(times), energies)
    else:
        inputs = [load(path, "descriptors") for path in read_structure_lists(job.input["descriptors"])]
        values = predict_structures(models, inputs, len(times), float(sp["temperature"]), times)
    w = job.wildcards
    record = Predictions(values=values, structures=np.asarray(job.params["structures"], dtype=np.int64), times=times,
                         types=np.stack([d.types for d in inputs]), box=inputs[0].box, **edges,
                         metadata={"system_name": job.system_name, "temperature": float(sp["temperature"]),
                                   "model": w["model"], "label": w["label"], "training": w["training"],
                                   "tau_alpha": float(sp["tau_alpha"]),
                                   "model_files": {str(t): [str(f) for f in fs] for t, fs in model_files.items()}})
    save(job.output["predictions"], record, job_provenance(job))
    log.info("wrote %s: %d structures x %d times", job.output["predictions"], len(inputs), len(model_files))


def _predict_transferable(job: Job, models, time_indices) -> None:
    """``predict_model`` of tGlassMLP (one model per particle type): every time of the state
    point at its <C_B>, the training state point's mean label where the model was trained
    there, else the model's time-temperature superposition (PRB App. A); a state point
    without labels or times at its ``mean_labels``, each time from the superposition. Writes
    the networks' spread, one network's bottleneck layer and P_int(L), xi_int beside the
    predictions."""
    from glassdyn.analysis import TemperatureTimeMap
    from glassdyn.io import Predictions
    from glassdyn.models.evaluation import predict_transferable

    sp = job.config["state_point"]
    temperature = float(sp["temperature"])
    first = models[0]
    state = first.info_.get("time_temperature_superposition")
    time_map = None if state is None else TemperatureTimeMap.from_dict(state)
    name = first.info_.get("model", "tglassmlp")
    if "mean_labels" in sp:
        if time_map is None:
            raise ValueError(f"{name} has no time-temperature superposition (trained on {job.wildcards['label']}): "
                             "it predicts state points at times only")
        mean_labels = np.asarray(sp["mean_labels"], dtype=float)
        times, tau_alpha = time_map.time(temperature, mean_labels), time_map.tau(temperature)
        time_indices = list(range(len(mean_labels)))
        log.info("T = %g: tau^BB = %.4g from the time-temperature superposition (%s); <C_B> %s at t = %s", temperature,
                 tau_alpha, time_map.tau_sources_.get(temperature, "Arrhenius"), mean_labels.tolist(),
                 ", ".join(f"{t:.4g}" for t in times))
    else:
        times, tau_alpha = np.asarray(sp["times"], dtype=float), float(sp["tau_alpha"])
        mean_labels = np.full(len(times), np.nan)
        for t in time_indices:
            mean_labels[t] = _state_mean_label(first, time_map, temperature, times[t], name)
    inputs = [load(path, "descriptors") for path in read_structure_lists(job.input["descriptors"])]
    out = predict_transferable(models, inputs, temperature, mean_labels[time_indices])
    n_t = len(times)

    def placed(a, axis):  # the predicted times into the state point's axis (NaN elsewhere)
        shape = list(a.shape)
        shape[axis] = n_t
        full = np.full(shape, np.nan, dtype=a.dtype)
        index = [slice(None)] * a.ndim
        index[axis] = time_indices
        full[tuple(index)] = a
        return full

    w = job.wildcards
    extra = {}
    if "attention_lengths" in out:
        extra = dict(attention_lengths=out["attention_lengths"],
                     attention_probability=placed(out["attention_probability"], 0),
                     intrinsic_length=placed(out["intrinsic_length"], 0))
    record = Predictions(values=placed(out["values"], 1), structures=np.asarray(job.params["structures"], dtype=np.int64),
                         times=np.asarray(times, dtype=float), types=np.stack([d.types for d in inputs]),
                         box=inputs[0].box, mean_labels=mean_labels, network_values=placed(out["network_values"], 2),
                         bottleneck=placed(out["bottleneck"], 1), **extra,
                         metadata={"system_name": job.system_name, "temperature": temperature, "model": w["model"],
                                   "label": w["label"], "training": w["training"], "tau_alpha": float(tau_alpha),
                                   "mean_constraint_inputs": out["input_mean_labels"].tolist(),
                                   "mean_constraint_deviations": out["mean_deviations"].tolist(),
                                   "model_files": {str(t): [str(f) for f in job.params["model_files"][t]]
                                                   for t in job.params["model_files"]}})
    save(job.output["predictions"], record, job_provenance(job))
    log.info("wrote %s: %d structures x %d state points (<C_B> = %s), %d networks", job.output["predictions"],
             len(inputs), len(time_indices), ", ".join(f"{c:.3g}" for c in mean_labels[time_indices]),
             out["network_values"].shape[0])


def _state_mean_label(model, time_map, temperature: float, time: float, name: str) -> float:
    """<C_B> of (T, t): the training state point's, else the time-temperature superposition's."""
    trained = model.state_point_mean_label(temperature, time)
    if trained is not None:
        return trained
    if time_map is None:
        raise ValueError(f"{name} was not trained at T = {temperature:g}, t = {time:g} and has no time-temperature "
                         "superposition (label bond_breaking) to find <C_B> there")
    return float(time_map.value(temperature, time))


def _model_column(model, time_index: int, state_point: dict) -> int | None:
    """The output column of a model of every time (SE(3)) that predicts ``time_index`` of
    ``state_point``: the same index at the model's own temperature, else the modelled time at
    the same t / tau_alpha (transfer, roadmap SI II.G); None for a model of one time."""
    if not getattr(model, "ALL_TIMES", False):
        return None
    from glassdyn.workflow.planning import matching_time_index

    state = model.state_
    indices = list(state["time_indices"])
    if np.isclose(float(state["temperature"]), float(state_point["temperature"])):
        if time_index not in indices:
            raise ValueError(f"the model was trained on time indices {indices}, not {time_index}")
        return indices.index(time_index)
    return matching_time_index(state_point["times"][time_index], state_point["tau_alpha"], state["times"],
                               state["tau_alpha"])


def evaluate_model(job: Job) -> None:
    """Stage ``evaluate_model``: Pearson, Spearman and R^2 per type and time on the test structures."""
    from glassdyn.models.evaluation import score_predictions, score_table, write_table

    w = job.wildcards
    predictions = load(job.input["predictions"], "predictions")
    labels = [load(f, "labels") for f in read_structure_lists(job.input["labels"])]
    scores = score_predictions(predictions, labels, w["label"])
    ids = dict(system=job.system_name, temperature=w["temperature"], model=w["model"], label=w["label"],
               training=w["training"], tau_alpha=job.config["state_point"]["tau_alpha"])
    rows = score_table(scores, predictions, **ids)
    if predictions.edge_values is not None:
        from glassdyn.models.evaluation import edge_score_table, score_edges

        rows += edge_score_table(score_edges(predictions, labels), predictions, **ids)
    write_table(rows, job.output["table"])
    for row in rows:
        if row["metric"] == "pearson":
            log.info("%s type %s t = %s: Pearson %s +- %s", w["model"], row["particle_type"], row["time"], row["mean"],
                     row["stderr"])


def compare_models(job: Job) -> None:
    """Stage ``compare_models``: every evaluation in one table, with the replica noise ceiling.

    Params: ``dynamics`` [[system, temperature, dynamics file], ...]; the noise ceiling
    (largest reachable Pearson correlation, PRL Fig. 5a) enters as model ``noise_ceiling``.
    """
    from glassdyn.models.evaluation import read_table, write_table

    evaluation_files, output = job.input["evaluations"], job.output["table"]
    rows = [row for f in evaluation_files for row in read_table(f)]
    seen = {(r["system"], r["temperature"], r["label"], r["particle_type"]) for r in rows}
    for system_name, temperature, path in job.params["dynamics"]:
        summary = load(path, "dynamics")
        if summary.noise_ceiling is None:
            continue
        tau = summary.metadata.get("tau_alpha")
        for kind, label in enumerate(("propensity", "bond_breaking")):
            for t, time in enumerate(summary.times):
                for k in range(summary.noise_ceiling.shape[2]):
                    value = summary.noise_ceiling[kind, t, k]
                    if not np.isfinite(value) or (system_name, temperature, label, str(k)) not in seen:
                        continue
                    rows.append({"system": system_name, "temperature": temperature, "model": "noise_ceiling",
                                 "label": label, "training": "", "particle_type": k, "time_index": t,
                                 "time": f"{time:.6g}", "t_over_tau_alpha": f"{time / tau:.6g}" if tau else "",
                                 "metric": "pearson", "mean": f"{value:.6f}", "stderr": "", "n_structures": ""})
    write_table(rows, output)
    log.info("wrote %s: %d rows from %d evaluations", output, len(rows), len(evaluation_files))
