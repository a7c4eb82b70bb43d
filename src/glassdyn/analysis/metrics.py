"""Scores between predictions and labels, distributions, and the replica noise ceiling.

Conventions follow the roadmap: scores are computed separately for each particle type and
time (roadmap SI, "independent predictions for each particle type"), either per structure
(then averaged) or pooled over all structures. R^2 = 1 - sum (y - y_hat)^2 / sum (y - <y>)^2
(roadmap SI Sec. II.A).

Noise ceiling (GlassMLP PRL Fig. 5a, dash-dotted line): with N_R replicas a label is the
true propensity plus replica noise, so even a perfect model cannot correlate with it
perfectly. Splitting the replicas in two halves gives two independent estimates whose
correlation r_half is the reliability of an N_R/2-replica average; the Spearman-Brown
formula r_full = 2 r_half / (1 + r_half) gives the reliability of the N_R average, and the
largest Pearson correlation any model can reach is sqrt(r_full).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def pearson(x, y) -> float:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return float((dx * dy).sum() / denominator) if denominator > 0 else float("nan")


def spearman(x, y) -> float:
    return pearson(stats.rankdata(x), stats.rankdata(y))


def r_squared(y_true, y_pred) -> float:
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    ss_tot = ((y_true - y_true.mean()) ** 2).sum()
    return float(1.0 - ((y_true - y_pred) ** 2).sum() / ss_tot) if ss_tot > 0 else float("nan")


METRICS = {"pearson": pearson, "spearman": spearman, "r2": r_squared}


def score(y_true, y_pred, types, metric: str = "pearson") -> np.ndarray:
    """Score per structure, time and type.

    y_true, y_pred: (n_structures, n_t, N) or (n_t, N); types: (N,) or (n_structures, N).
    Returns (n_structures, n_t, n_types); NaN where a type is absent or constant.
    """
    f = METRICS[metric]
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"labels {y_true.shape} and predictions {y_pred.shape} differ in shape")
    if y_true.ndim == 2:
        y_true, y_pred = y_true[None], y_pred[None]
    types = np.broadcast_to(np.asarray(types), (y_true.shape[0], y_true.shape[-1]))
    n_types = int(types.max()) + 1
    out = np.full((y_true.shape[0], y_true.shape[1], n_types), np.nan)
    for s in range(y_true.shape[0]):
        for a in range(n_types):
            sel = types[s] == a
            if sel.sum() > 1:
                for t in range(y_true.shape[1]):
                    out[s, t, a] = f(y_true[s, t, sel], y_pred[s, t, sel])
    return out


def pooled_score(y_true, y_pred, types, metric: str = "pearson") -> np.ndarray:
    """Score per time and type over all structures at once: (n_t, n_types)."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    types = np.broadcast_to(np.asarray(types), (y_true.shape[0], y_true.shape[-1]))
    # Put all structures side by side as one long "structure".
    flat = lambda a: np.moveaxis(a, 0, 1).reshape(a.shape[1], -1)  # noqa: E731
    return score(flat(y_true), flat(y_pred), types.reshape(-1), metric)[0]


def distribution(values, bins=50, range=None) -> tuple[np.ndarray, np.ndarray]:
    """Probability density p(x) of the values (e.g. p(R), roadmap SI Fig. 2): (density, edges)."""
    density, edges = np.histogram(np.asarray(values, dtype=float).ravel(), bins=bins, range=range, density=True)
    return density, edges


def spearman_brown(r, factor: float = 2.0):
    """Reliability of an average of ``factor`` times as many replicas as the one with reliability r."""
    r = np.asarray(r, dtype=float)
    return factor * r / (1.0 + (factor - 1.0) * r)


def split_half_correlation(replica_labels, types, n_splits: int = 16, rng=None) -> np.ndarray:
    """Mean Pearson correlation between labels averaged over two random halves of the replicas.

    replica_labels: (N_R, n_t, N) per-replica values (e.g. |dr_i| or n_t/n_0), N_R >= 2.
    Returns (n_t, n_types). An odd replica out is dropped so both halves have N_R // 2.
    """
    x = np.asarray(replica_labels, dtype=float)
    n_r = x.shape[0]
    if n_r < 2:
        raise ValueError("the split-half noise ceiling needs at least 2 replicas")
    rng = np.random.default_rng(0) if rng is None else rng
    half = n_r // 2
    acc = []
    for _ in range(n_splits):
        perm = rng.permutation(n_r)
        a, b = x[perm[:half]].mean(axis=0), x[perm[half : 2 * half]].mean(axis=0)
        acc.append(score(a, b, types)[0])
    return np.mean(acc, axis=0)


def noise_ceiling(split_half_r, factor: float = 2.0):
    """Largest Pearson correlation reachable with labels from the full replica set.

    split_half_r: correlation between two half-ensembles (array); ``factor`` is N_R over the
    replicas in one half (2 for an even split). The reliability of the full average follows
    from Spearman-Brown. Negative or NaN split-half correlations give NaN.
    """
    r = np.asarray(split_half_r, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.sqrt(spearman_brown(np.where(r > 0, r, np.nan), factor))
