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
        with open(path, "w") as f:
            f.write(text)
    return text


def read_table(path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))
