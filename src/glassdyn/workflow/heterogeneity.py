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
COLUMNS = ("source", "system", "temperature", "time", "quantity", "x", "value", "error")
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
                       temperature: str) -> list[dict]:
    """Rows of the heterogeneity table from :meth:`DynamicHeterogeneity.result`: per time the
    scalars, S_4 per q bin and G_4 per r bin; values without an estimate (a time the source
    has no value at, a failed fit) are left out, errors without one are empty."""
    rows = []
    for k, t in enumerate(times):
        base = {"source": source, "system": system, "temperature": temperature, "time": f"{float(t):.9g}"}
        for quantity in SCALARS:
            if quantity in result:
                value, error = result[quantity]
                if math.isfinite(value[k]):
                    rows.append({**base, "quantity": quantity, "x": "", "value": _cell(value[k]), "error": _cell(error[k])})
        for quantity, axis in (("S4", wavenumbers), ("G4", distances)):
            if quantity not in result:
                continue
            value, error = result[quantity]
            for j, x in enumerate(axis):
                if math.isfinite(x) and math.isfinite(value[k, j]):
                    rows.append({**base, "quantity": quantity, "x": f"{x:.9g}", "value": _cell(value[k, j]),
                                 "error": _cell(error[k, j])})
    return rows


def table_text(rows, notes=()) -> str:
    """The table as tab-separated text, ``notes`` as leading ``#`` lines."""
    lines = [f"# {note}" for note in notes] + ["\t".join(COLUMNS)]
    lines += ["\t".join(str(row[c]) for c in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def _input_files(job: Job) -> list[str]:
    """The per-structure files giving the t = 0 positions: labels, or structures without them."""
    return read_structure_lists(job.input["labels" if "labels" in job.input else "structures"])


def _source_values(job: Job, label: str, files):
    """(file, record with positions, types and box, values (n_t, N), times) of every structure
    of ``files``: the labels' own values, or the model's predictions of the same structures
    (checked to be the same particles); without labels the structure files give the positions."""
    predictions = load(job.input["predictions"], "predictions") if "predictions" in job.input else None
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
        yield path, record, values, times


def compute_heterogeneity(job: Job) -> None:
    """Stage ``compute_heterogeneity``: the heterogeneity table of one state point and source."""
    from glassdyn.analysis.heterogeneity import DynamicHeterogeneity, overlap

    config = job.config
    label, particle_type = config["label"], int(config["particle_type"])
    source, temperature = job.wildcards["source"], job.wildcards["temperature"]
    analysis = DynamicHeterogeneity(**heterogeneity_options(config))
    times = None
    files = _input_files(job)
    n_files = len(files)
    for k, (path, record, values, its_times) in enumerate(_source_values(job, label, files), 1):
        if times is None:
            times = its_times
        elif not np.array_equal(times, its_times):
            raise ValueError(f"{path}: another time grid than the first structure's")
        if label == "propensity":  # GlassMLP PRL SM VI: the overlap of the displacements
            values = overlap(values, config["overlap"]["a"], config["overlap"]["sharpness"])
        mine = record.types == particle_type
        if not mine.any():
            raise ValueError(f"{path}: no particles of type {particle_type}")
        analysis.compute(record.positions[mine], np.asarray(values, dtype=float)[:, mine], record.box)
        log.info("structure %d of %d (%s): %d particles of type %d", k, n_files, path, mine.sum(), particle_type)
    result = analysis.result()
    rows = heterogeneity_rows(result, times, wavenumbers=analysis.wavenumbers_,
                              distances=analysis.distances_ if analysis.g4_r_max is not None else (),
                              source=source, system=job.system_name, temperature=temperature)
    shown = "overlap of the propensity (PRL SM VI)" if label == "propensity" else label
    notes = [f"{source}: {shown} of type {particle_type}, {n_files} test structures, "
             f"jackknife over {min(n_files, analysis.jackknife_blocks)} blocks"]
    write_text_atomic(job.output["table"], table_text(rows, notes))
    xi = result["xi4"][0]
    best = int(np.nanargmax(xi)) if np.isfinite(xi).any() else None
    log.info("wrote %s (%d rows)%s", job.output["table"], len(rows),
             "" if best is None else f"; largest xi_4 = {xi[best]:.3g} at t = {times[best]:.4g}")
