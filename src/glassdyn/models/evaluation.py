"""Predicting whole structures with fitted models, and scoring the predictions.

Scores follow the roadmap: Pearson, Spearman and R^2 between predicted and MD labels,
separately for each particle type and time, computed per test structure and averaged
(mean and standard error over structures). The tidy table has one row per
(model, label, training, type, time, metric), so models, times and studies sit in one file.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from glassdyn.analysis.metrics import METRICS
from glassdyn.io.data import Descriptors, Labels, Predictions
from glassdyn.models.data import label_values, make_sample

TABLE_COLUMNS = ("system", "temperature", "model", "label", "training", "particle_type", "time_index", "time",
                 "t_over_tau_alpha", "metric", "mean", "stderr", "n_structures")


def predict_structures(models, descriptors: list[Descriptors], n_times: int, temperature: float | None = None,
                       times=None) -> np.ndarray:
    """(S, n_times, N) predictions for structures of one state point, NaN where no model predicts.

    models: iterable of (time_index, model); each model predicts its own particle type and
    reads the columns it was trained on, selected by name (a missing column is an error).
    Every sample carries the state (temperature, time[time_index]) for models that take it
    as input (tGlassMLP), which predict all structures of a state point together so that
    their mean constraint acts on the set (PRB App. B), not on each structure.
    """
    descriptors = list(descriptors)
    out = np.full((len(descriptors), n_times, len(descriptors[0].types)), np.nan)
    for time_index, model in models:
        samples = [make_sample(d, None, model.particle_type_, columns=model.columns_) for d in descriptors]
        for s in samples:
            s.state = {"temperature": temperature, "time": None if times is None else float(times[time_index])}
        if hasattr(model, "predict_set"):
            predicted = model.predict_set(samples)
        else:
            predicted = [model.predict(s) for s in samples]
        for k, (s, p) in enumerate(zip(samples, predicted)):
            out[k, time_index, s.indices] = p
    return out


def predict_transferable(models, descriptors: list[Descriptors], temperature: float, mean_labels,
                         positions=None) -> dict:
    """tGlassMLP's predictions for the structures of one temperature at several <C_B>.

    models: the fitted :class:`~glassdyn.models.tglassmlp.TGlassMLP` of each particle type;
    mean_labels: (n_c,) state inputs <C_B> (each column of the output one state point; the
    mean constraint acts on the whole set, PRB App. B); positions: per structure (N, d), kept
    on the samples (unused by the prediction).

    Returns a dict of arrays: ``values`` (S, n_c, N) mean over the active networks, NaN for
    particles of no model's type; ``network_values`` (E, S, n_c, N) float32, every active
    network of the first type's model (the PRB's error bars are the spread between networks);
    ``bottleneck`` (S, n_c, N, b) float32, the first active network's bottleneck layer at the
    state input its mean constraint chose (PRB Figs. 10-11); ``attention_lengths`` (n_L,)
    coarse-graining lengths, ``attention_probability`` (n_c, n_L) P_int(L) and
    ``intrinsic_length`` (n_c,) xi_int of the first type's model (PRB Sec. VI.A, Fig. 9);
    ``input_mean_labels`` and ``mean_deviations`` (n_c, E) of the mean constraint.
    """
    descriptors = list(descriptors)
    mean_labels = np.asarray(mean_labels, dtype=float)
    n_s, n_c, n = len(descriptors), len(mean_labels), len(descriptors[0].types)
    values = np.full((n_s, n_c, n), np.nan)
    first = models[0]
    networks = np.nonzero(first.active)[0]
    network_values = np.full((len(networks), n_s, n_c, n), np.nan, dtype=np.float32)
    bottleneck = np.full((n_s, n_c, n, first.bottleneck), np.nan, dtype=np.float32)
    probability, xi, inputs, deviations, lengths = [], [], [], [], None
    with_lengths = _has_lengths(first)
    for model in models:
        samples = [make_sample(d, None, model.particle_type_, columns=model.columns_,
                               positions=None if positions is None else positions[k])
                   for k, d in enumerate(descriptors)]
        for j, c in enumerate(mean_labels):
            state = {"temperature": float(temperature), "mean_label": float(c)}
            per_network, record = model.constrained_predictions(samples, state)
            for k, (s, p) in enumerate(zip(samples, per_network)):
                values[k, j, s.indices] = p.mean(axis=0)
                if model is first:
                    network_values[:, k, j, s.indices] = p
                    b = model.bottleneck_outputs(s, temperature, record["input_mean_label"][0])[networks[0]]
                    bottleneck[k, j, s.indices] = b
            if model is first:
                inputs.append(record["input_mean_label"])
                deviations.append(record["mean_deviation"])
                if with_lengths:
                    attention = model.intrinsic_length(samples, state)
                    lengths = attention.lengths
                    probability.append(attention.probability)
                    xi.append(attention.xi)
    out = {"values": values, "network_values": network_values, "bottleneck": bottleneck,
           "input_mean_labels": np.asarray(inputs), "mean_deviations": np.asarray(deviations)}
    if lengths is not None:
        out.update(attention_lengths=np.asarray(lengths), attention_probability=np.asarray(probability),
                   intrinsic_length=np.asarray(xi))
    return out


def _has_lengths(model) -> bool:
    """Whether every descriptor column of ``model`` names its coarse-graining length."""
    from glassdyn.models.tglassmlp import column_lengths

    try:
        column_lengths(model.columns_)
    except (TypeError, ValueError):
        return False
    return True


def predict_graphs(models, structures, n_times: int, energies=None) -> tuple[np.ndarray, dict]:
    """Graph models' predictions for structures of one state point.

    models: iterable of (time_index, graph model) or (time_index, model, column): a model of
    every time (SE(3)) predicts ``time_index`` with its output ``column``; structures: list of
    :class:`~glassdyn.io.Structure`; energies: per structure, the particles' inherent-structure
    energies (for the models that read them). Each structure's graph is built once per cut-off,
    and a model of every time runs once per structure.
    Returns (values (S, n_times, N), NaN where no model predicts; edges): edges is
    {edge_values (n_times, P_total), edge_offsets (S + 1,)} when a model has an edge decoder
    (BOTAN; pairs in the order of the label files' edges), else {}.
    """
    from glassdyn.models.graphs import graph_from_structure

    structures = list(structures)
    models = [m if len(m) == 3 else (*m, None) for m in models]
    energies = [None] * len(structures) if energies is None else list(energies)
    values = np.full((len(structures), n_times, structures[0].n_particles), np.nan)
    graphs = {}
    for _, model, _ in models:
        if model.cutoff not in graphs:
            graphs[model.cutoff] = [graph_from_structure(s, model.cutoff, name=f"structure {k}", energies=e)
                                    for k, (s, e) in enumerate(zip(structures, energies))]
    outputs = {}  # a model of every time: its (N, n_t) outputs, once per structure
    for time_index, model, column in models:
        if column is None:
            continue
        if id(model) not in outputs:
            outputs[id(model)] = [model.predict(g) for g in graphs[model.cutoff]]
        for k, out in enumerate(outputs[id(model)]):
            values[k, time_index] = out[:, column]
    models = [(t, m) for t, m, column in models if column is None]
    with_edges = [(t, m) for t, m in models if getattr(m, "edge_decoder", "none") != "none"]
    edges = {}
    if with_edges:
        cutoff = with_edges[0][1].cutoff
        offsets = np.concatenate([[0], np.cumsum([len(g.pairs) for g in graphs[cutoff]])]).astype(np.int64)
        edges = {"edge_values": np.full((n_times, offsets[-1]), np.nan, dtype=np.float32), "edge_offsets": offsets}
    for time_index, model in models:
        for k, graph in enumerate(graphs[model.cutoff]):
            values[k, time_index] = model.predict(graph)
        if edges and (time_index, model) in with_edges and model.cutoff == cutoff:
            for k, graph in enumerate(graphs[cutoff]):
                edges["edge_values"][time_index, offsets[k]:offsets[k + 1]] = model.predict_edges(graph)
    return values, edges


def score_edges(predictions: Predictions, labels: list[Labels], pair_types=(0, 0), max_distance: float = 1.35):
    """(S, n_t) Pearson correlation of predicted and MD E_ij(t) per structure and time, on pairs
    of ``pair_types`` closer than ``max_distance`` at t = 0 (BOTAN Sec. V: A-A pairs within
    1.35 sigma_AA, the first neighbour shell), NaN where nothing was predicted."""
    from glassdyn.analysis.metrics import METRICS
    from glassdyn.geometry import minimum_image

    offsets = predictions.edge_offsets
    out = np.full((len(labels), len(predictions.times)), np.nan)
    for s, lab in enumerate(labels):
        if lab.edges is None or lab.edge_propensity is None:
            raise ValueError(f"structure {predictions.structures[s]}: the label file has no edge labels to score")
        n_pairs = int(offsets[s + 1] - offsets[s])
        if len(lab.edges) != n_pairs:
            raise ValueError(f"structure {predictions.structures[s]}: {n_pairs} predicted pairs, the labels have "
                             f"{len(lab.edges)} (another edge cut-off?)")
        i, j = lab.edges[:, 0], lab.edges[:, 1]
        r0 = np.linalg.norm(minimum_image(lab.positions[j] - lab.positions[i], lab.box), axis=1)
        a, b = lab.types[i], lab.types[j]
        p, q = pair_types
        mask = (((a == p) & (b == q)) | ((a == q) & (b == p))) & (r0 < max_distance)
        for t in range(len(predictions.times)):
            predicted = predictions.edge_values[t, offsets[s]:offsets[s + 1]][mask]
            if not mask.any() or np.isnan(predicted).all():
                continue
            out[s, t] = METRICS["pearson"](lab.edge_propensity[t, mask], predicted)
    return out


def edge_score_table(scores, predictions: Predictions, *, system: str, temperature: str, model: str, label: str,
                     training: str, tau_alpha: float | None, pair_types=(0, 0)) -> list[dict]:
    """Tidy rows of :func:`score_edges`: metric ``edge_pearson``, particle_type ``"0-0"`` (the pair)."""
    rows = score_table({"edge_pearson": scores[:, :, None]}, predictions, system=system, temperature=temperature,
                       model=model, label=label, training=training, tau_alpha=tau_alpha)
    for row in rows:
        row["particle_type"] = "-".join(str(k) for k in pair_types)
    return rows


def predict_structure(models, descriptors: Descriptors, n_times: int, temperature=None, times=None) -> np.ndarray:
    """(n_times, N) predictions of one structure (see :func:`predict_structures`)."""
    return predict_structures(models, [descriptors], n_times, temperature, times)[0]


def score_predictions(predictions: Predictions, labels: list[Labels], label: str, metrics=("pearson", "spearman", "r2")):
    """Scores per structure: dict metric -> (S, n_t, n_types) array, NaN where nothing was predicted."""
    if len(labels) != len(predictions.structures):
        raise ValueError(f"{len(labels)} label files for {len(predictions.structures)} predicted structures")
    n_s, n_t, _ = predictions.values.shape
    n_types = int(predictions.types.max()) + 1
    types = predictions.types
    out = {m: np.full((n_s, n_t, n_types), np.nan) for m in metrics}
    for s, lab in enumerate(labels):
        truth = label_values(lab, label)
        if truth.shape[0] != n_t or not np.array_equal(lab.types, types[s]):
            raise ValueError(f"structure {predictions.structures[s]}: labels ({truth.shape}) do not match the predictions")
        for t in range(n_t):
            for k in range(n_types):
                mine = types[s] == k
                p = predictions.values[s, t, mine]
                if not mine.any() or np.isnan(p).all():
                    continue
                for m in metrics:
                    out[m][s, t, k] = METRICS[m](truth[t, mine], p)
    return out


def score_table(scores: dict, predictions: Predictions, *, system: str, temperature: str, model: str, label: str,
                training: str, tau_alpha: float | None) -> list[dict]:
    """Tidy rows (see TABLE_COLUMNS): mean and standard error over structures."""
    rows = []
    for metric, values in scores.items():
        _, n_t, n_types = values.shape
        for k in range(n_types):
            for t in range(n_t):
                v = values[:, t, k]
                v = v[np.isfinite(v)]
                if not len(v):
                    continue
                time = float(predictions.times[t])
                rows.append({
                    "system": system, "temperature": temperature, "model": model, "label": label, "training": training,
                    "particle_type": k, "time_index": t, "time": f"{time:.6g}",
                    "t_over_tau_alpha": f"{time / tau_alpha:.6g}" if tau_alpha else "",
                    "metric": metric, "mean": f"{v.mean():.6f}",
                    "stderr": f"{v.std(ddof=1) / np.sqrt(len(v)):.6f}" if len(v) > 1 else "",
                    "n_structures": len(v)})
    return rows


def write_table(rows, path=None) -> str:
    """Rows as tab-separated text (written to ``path`` if given)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TABLE_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    if path is not None:
        from glassdyn.io import write_text_atomic

        write_text_atomic(path, text)
    return text


def read_table(path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))
