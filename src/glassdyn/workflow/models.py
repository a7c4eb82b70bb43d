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
    estimator.fit(train, validation)
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}),
               info=_training_info(job, model, seed))
    log.info("wrote %s (%s)", job.output["model"], json_summary(estimator.describe()))


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
    (PRB II.A).
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
    estimator = build_model(model, options, seed)
    points = sorted({(s.state["temperature"], s.state["time"]) for s in train})
    log.info("training %s for %s %s type %d on %d state points: %d training, %d validation samples", model,
             job.system_name, label, particle_type, len(points), len(train), len(validation))
    estimator.fit(train, validation)
    save_model(job.output["model"], estimator, job_provenance(job, seeds={"model": seed}),
               info=_training_info(job, model, seed))
    log.info("wrote %s", job.output["model"])


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
    times = np.asarray(sp["times"], dtype=float)
    loaded = {f: load_model(f) for files in model_files.values() for f in files}  # tGlassMLP: one file, all times
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
