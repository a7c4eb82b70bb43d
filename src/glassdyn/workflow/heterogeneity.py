"""Stage of the heterogeneity rule: chi_4, S_4 and its fits, G_4 and chord lengths of one state
point's test structures, from the MD labels or from one model's predictions on them.

The table is the long one of :mod:`glassdyn.plots.heterogeneity` (one row per value), read by
the heterogeneity figures; the library does the physics
(:class:`glassdyn.analysis.heterogeneity.DynamicHeterogeneity`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from glassdyn.io import load, write_text_atomic
from glassdyn.workflow.planning import read_structure_lists
from glassdyn.workflow.runtime import Job, log

#: the table's columns (glassdyn.plots.heterogeneity.HETEROGENEITY_COLUMNS)
COLUMNS = ("source", "system", "temperature", "time", "quantity", "x", "value", "error", "spread")
#: per-time scalars of DynamicHeterogeneity.result(), in table order
SCALARS = ("mean_label", "chi4", "chi4_oz", "xi4", "A", "chord_length")


def heterogeneity_options(config: dict) -> dict:
    """The :class:`DynamicHeterogeneity` parameters of a stage config (0 switches G_4 or the
    chords off; C_B and the propensity's overlap are mobile where low)."""
    opts = config["heterogeneity"]
    return {"q_max": opts["q_max"], "n_q_bins": opts["n_q_bins"], "oz_q_range": opts["oz_q_range"],
            "cubic_q_range": opts["cubic_q_range"], "g4_r_max": opts["g4_r_max"] or None, "g4_bins": opts["g4_bins"],
            "chord_spacing": opts["chord_spacing"] or None, "chord_mobile": "low",
            "jackknife_blocks": opts["jackknife_blocks"]}


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.9g}"


def heterogeneity_rows(result: dict, times, *, wavenumbers, distances, source: str, system: str,
                       temperature: str, spread: dict | None = None) -> list[dict]:
    """Rows of the heterogeneity table from :meth:`DynamicHeterogeneity.result`: per time the
    scalars, S_4 per q bin and G_4 per r bin; values without an estimate (a time the source
    has no value at, a failed fit) are left out, errors without one are empty. ``spread``:
    {quantity: (n_t,) or (n_t, n_q)} standard deviation between a model's networks (PRB
    Figs. 6-7 error bars), column ``spread``."""
    spread = spread or {}
    rows = []

    def cell(quantity, *index):
        return _cell(float(spread[quantity][index])) if quantity in spread else ""

    for k, t in enumerate(times):
        base = {"source": source, "system": system, "temperature": temperature, "time": f"{float(t):.9g}"}
        for quantity in SCALARS:
            if quantity in result:
                value, error = result[quantity]
                if math.isfinite(value[k]):
                    rows.append({**base, "quantity": quantity, "x": "", "value": _cell(value[k]), "error": _cell(error[k]),
                                 "spread": cell(quantity, k)})
        for quantity, axis in (("S4", wavenumbers), ("G4", distances)):
            if quantity not in result:
                continue
            value, error = result[quantity]
            for j, x in enumerate(axis):
                if math.isfinite(x) and math.isfinite(value[k, j]):
                    rows.append({**base, "quantity": quantity, "x": f"{x:.9g}", "value": _cell(value[k, j]),
                                 "error": _cell(error[k, j]), "spread": cell(quantity, k, j)})
    return rows


def attention_rows(predictions, *, source: str, system: str, temperature: str) -> list[dict]:
    """P_int(L) (x = L) and xi_int rows of every predicted time of a tGlassMLP predictions
    file (PRB Sec. VI.A, Figs. 9 and 12); none when it has no attention lengths."""
    if predictions is None or predictions.attention_lengths is None:
        return []
    rows = []
    for k, t in enumerate(predictions.times):
        if not math.isfinite(float(predictions.intrinsic_length[k])):
            continue
        base = {"source": source, "system": system, "temperature": temperature, "time": f"{float(t):.9g}",
                "error": "", "spread": ""}
        rows += [{**base, "quantity": "P_int", "x": f"{float(L):.9g}", "value": _cell(float(p))}
                 for L, p in zip(predictions.attention_lengths, predictions.attention_probability[k])]
        rows.append({**base, "quantity": "xi_int", "x": "", "value": _cell(float(predictions.intrinsic_length[k]))})
    return rows


def table_text(rows, notes=()) -> str:
    """The table as tab-separated text, ``notes`` as leading ``#`` lines."""
    lines = [f"# {note}" for note in notes] + ["\t".join(COLUMNS)]
    lines += ["\t".join(str(row[c]) for c in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def _input_files(job: Job) -> list[str]:
    """The per-structure files giving the t = 0 positions: labels, or structures without them."""
    return read_structure_lists(job.input["labels" if "labels" in job.input else "structures"])


def _source_values(job: Job, label: str, files, predictions=None):
    """(file, record with positions, types and box, values (n_t, N), times, networks) of every
    structure of ``files``: the labels' own values, or the model's ``predictions`` of the same
    structures (checked to be the same particles; networks (E, n_t, N) of a model of several,
    else None); without labels the structure files give the positions."""
    rows = {} if predictions is None else {int(s): k for k, s in enumerate(predictions.structures)}
    kind = "labels" if "labels" in job.input else "structure"
    for path in files:
        record = load(path, kind)
        if predictions is None:
            values = getattr(record, label)
            if values is None:
                raise ValueError(f"{path}: no {label} labels to analyse (set heterogeneity.label)")
            times = record.times
        else:
            index = int(record.metadata.get("structure_index", Path(path).stem))
            if index not in rows:
                raise ValueError(f"{job.input['predictions']}: no predictions of structure {index} ({path})")
            values, times = predictions.values[rows[index]], predictions.times
            if not np.array_equal(predictions.types[rows[index]], record.types):
                raise ValueError(f"{job.input['predictions']}: structure {index} has other particle types than {path}")
        networks = None
        if predictions is not None and predictions.network_values is not None:
            networks = predictions.network_values[:, rows[index]]
        yield path, record, values, times, networks


def compute_heterogeneity(job: Job) -> None:
    """Stage ``compute_heterogeneity``: the heterogeneity table of one state point and source."""
    from glassdyn.analysis.heterogeneity import DynamicHeterogeneity, overlap

    config = job.config
    label, particle_type = config["label"], int(config["particle_type"])
    source, temperature = job.wildcards["source"], job.wildcards["temperature"]
    options = heterogeneity_options(config)
    analysis = DynamicHeterogeneity(**options)
    per_network = None  # one analysis per network of a model with several (G_4 left out: not in the spread)
    times = None
    files = _input_files(job)
    n_files = len(files)

    def field(values):
        if label == "propensity":  # GlassMLP PRL SM VI: the overlap of the displacements
            values = overlap(values, config["overlap"]["a"], config["overlap"]["sharpness"])
        return np.asarray(values, dtype=float)

    predictions = load(job.input["predictions"], "predictions") if "predictions" in job.input else None
    for k, (path, record, values, its_times, networks) in enumerate(_source_values(job, label, files, predictions), 1):
        if times is None:
            times = its_times
        elif not np.array_equal(times, its_times):
            raise ValueError(f"{path}: another time grid than the first structure's")
        mine = record.types == particle_type
        if not mine.any():
            raise ValueError(f"{path}: no particles of type {particle_type}")
        analysis.compute(record.positions[mine], field(values)[:, mine], record.box)
        if networks is not None and len(networks) > 1:
            if per_network is None:
                per_network = [DynamicHeterogeneity(**{**options, "g4_r_max": None}) for _ in networks]
            for one, values_e in zip(per_network, networks):
                one.compute(record.positions[mine], field(values_e)[:, mine], record.box)
        log.info("structure %d of %d (%s): %d particles of type %d", k, n_files, path, mine.sum(), particle_type)
    result = analysis.result()
    spread = None
    if per_network is not None:
        results = [one.result() for one in per_network]
        spread = {q: np.std([r[q][0] for r in results], axis=0, ddof=1) for q in (*SCALARS, "S4") if q in results[0]}
    rows = heterogeneity_rows(result, times, wavenumbers=analysis.wavenumbers_,
                              distances=analysis.distances_ if analysis.g4_r_max is not None else (),
                              source=source, system=job.system_name, temperature=temperature, spread=spread)
    rows += attention_rows(predictions, source=source, system=job.system_name, temperature=temperature)
    shown = "overlap of the propensity (PRL SM VI)" if label == "propensity" else label
    notes = [f"{source}: {shown} of type {particle_type}, {n_files} test structures, "
             f"jackknife over {min(n_files, analysis.jackknife_blocks)} blocks"
             + (f"; spread: standard deviation between its {len(per_network)} networks" if per_network else "")]
    write_text_atomic(job.output["table"], table_text(rows, notes))
    xi = result["xi4"][0]
    best = int(np.nanargmax(xi)) if np.isfinite(xi).any() else None
    log.info("wrote %s (%d rows)%s", job.output["table"], len(rows),
             "" if best is None else f"; largest xi_4 = {xi[best]:.3g} at t = {times[best]:.4g}")
