"""Ground-truth dynamics of one system and temperature, averaged over its structures."""

from __future__ import annotations

import warnings

import numpy as np

from glassdyn.analysis.dynamics import crossing_time, fit_double_stretched_exponential, relaxation_time
from glassdyn.analysis.heterogeneity import chi4_from_means, overlap
from glassdyn.analysis.metrics import noise_ceiling


def summarize_labels(labels, overlap_a: float = 0.44, overlap_sharpness: float = 20.0):
    """Average per-structure :class:`~glassdyn.io.Labels` into a :class:`~glassdyn.io.DynamicsSummary`.

    ``labels`` is an iterable (e.g. a generator reading files one at a time, so memory does
    not grow with the number of structures). All structures must share the time grid, box
    and composition.
    """
    from glassdyn.io import DynamicsSummary

    per_structure = {"R": [], "C_B": [], "w": []}
    f_s, halves = [], []
    first = None
    for lab in labels:
        if first is None:
            first = lab
            n_types = int(lab.types.max()) + 1
            counts = np.bincount(lab.types, minlength=n_types)
        else:
            if not np.array_equal(lab.times, first.times):
                raise ValueError(f"structure {lab.metadata.get('structure_index')} has another time grid")
            if not np.allclose(lab.box, first.box) or not np.array_equal(np.bincount(lab.types, minlength=n_types), counts):
                raise ValueError(f"structure {lab.metadata.get('structure_index')} has another box or composition")
        per_structure["R"].append(_type_means(lab.propensity, lab.types, n_types))
        per_structure["w"].append(_type_means(overlap(lab.propensity, overlap_a, overlap_sharpness), lab.types, n_types))
        if lab.bond_breaking is not None:
            per_structure["C_B"].append(_type_means(lab.bond_breaking, lab.types, n_types))
        if lab.self_intermediate_scattering is not None:
            f_s.append(lab.self_intermediate_scattering)
        if lab.split_half_correlation is not None:
            halves.append(lab.split_half_correlation)
    if first is None:
        raise ValueError("no labels to summarize")

    def chi4_of(means):  # per time and type; undefined from a single structure
        return chi4_from_means(means, counts[None]) if len(means) > 1 else np.full(means[0].shape, np.nan)

    out = dict(types=first.types, box=first.box, times=first.times)
    out["mean_propensity"] = np.mean(per_structure["R"], axis=0)
    out["chi4_propensity"] = chi4_of(per_structure["R"])
    out["chi4_overlap"] = chi4_of(per_structure["w"])
    if per_structure["C_B"]:
        mean_cb = np.mean(per_structure["C_B"], axis=0)
        out["mean_bond_breaking"] = mean_cb
        out["chi4_bond_breaking"] = chi4_of(per_structure["C_B"])
        out["tau_alpha_bond_breaking"] = np.array([crossing_time(first.times, mean_cb[:, a], 0.5) for a in range(n_types)])
    if len(f_s) == len(per_structure["R"]) and f_s:
        mean_fs = _nanmean(f_s)
        out["wavenumbers"] = first.wavenumbers
        out["self_intermediate_scattering"] = mean_fs
        out["tau_alpha"] = relaxation_time(first.times, mean_fs)
        out["tau_alpha_fit"] = np.array([
            [fit_double_stretched_exponential(first.times, mean_fs[:, a, j])["tau_alpha"] for j in range(mean_fs.shape[2])]
            for a in range(mean_fs.shape[1])
        ])
    n_replicas = first.metadata.get("n_replicas")
    if halves:
        r_half = _nanmean(halves)
        out["split_half_correlation"] = r_half
        # An odd replica out is dropped from the halves (split_half_correlation).
        out["noise_ceiling"] = noise_ceiling(r_half, 2.0 if not n_replicas else n_replicas / (n_replicas // 2))
    metadata = {k: v for k, v in first.metadata.items() if k in ("temperature", "tau_alpha", "system_name", "potential", "mixture")}
    metadata.update(
        n_structures=len(per_structure["R"]),
        n_replicas=n_replicas,
        particles_per_type=counts.tolist(),
        overlap_a=overlap_a,
        overlap_sharpness=overlap_sharpness,
    )
    return DynamicsSummary(**out, metadata=metadata)


def _nanmean(arrays):
    """Mean over structures ignoring NaN (e.g. a correlation of labels that are all 1 at t -> 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN entries stay NaN, silently
        return np.nanmean(np.stack(arrays), axis=0)


def _type_means(values, types, n_types):
    """(n_t, N) -> (n_t, n_types) mean over the particles of each type (NaN if absent)."""
    values = np.asarray(values, dtype=float)
    counts = np.bincount(types, minlength=n_types)
    sums = np.stack([values[:, types == a].sum(axis=1) for a in range(n_types)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / np.where(counts > 0, counts, np.nan)[None]


def summary_table(summary) -> str:
    """The summary as a tab-separated table (one row per time and type) for people and reports."""
    q = [] if summary.wavenumbers is None else list(summary.wavenumbers)
    head = ["t", "type", "mean_R", "chi4_R", "chi4_overlap"]
    if summary.mean_bond_breaking is not None:
        head += ["mean_C_B", "chi4_C_B"]
    head += [f"F_s(q={x:.4g})" for x in q]
    if summary.noise_ceiling is not None:
        head += ["noise_ceiling_R", "noise_ceiling_C_B"]
    rows = ["\t".join(head)]
    n_types = summary.mean_propensity.shape[1]
    for a in range(n_types):
        for k, t in enumerate(summary.times):
            row = [f"{t:.6g}", str(a), *(f"{v:.6g}" for v in (summary.mean_propensity[k, a], summary.chi4_propensity[k, a], summary.chi4_overlap[k, a]))]
            if summary.mean_bond_breaking is not None:
                row += [f"{summary.mean_bond_breaking[k, a]:.6g}", f"{summary.chi4_bond_breaking[k, a]:.6g}"]
            row += [f"{summary.self_intermediate_scattering[k, a, j]:.6g}" for j in range(len(q))]
            if summary.noise_ceiling is not None:
                row += [f"{summary.noise_ceiling[0, k, a]:.6g}", f"{summary.noise_ceiling[1, k, a]:.6g}"]
            rows.append("\t".join(row))
    lines = ["# " + line for line in _relaxation_lines(summary)]
    return "\n".join(lines + rows) + "\n"


def _relaxation_lines(summary):
    out = []
    if summary.tau_alpha is not None:
        for a in range(summary.tau_alpha.shape[0]):
            for j, q in enumerate(summary.wavenumbers):
                fit = "" if summary.tau_alpha_fit is None else f", double stretched exponential fit {summary.tau_alpha_fit[a, j]:.6g}"
                out.append(f"tau_alpha type {a} q {q:.6g}: F_s = 1/e at {summary.tau_alpha[a, j]:.6g}{fit}")
    if summary.tau_alpha_bond_breaking is not None:
        for a, tau in enumerate(summary.tau_alpha_bond_breaking):
            out.append(f"tau_alpha_BB type {a}: {tau:.6g}")
    return out
