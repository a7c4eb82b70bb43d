"""Stages of the figure rules: read the workflow's files, hand arrays and tables to
:mod:`glassdyn.plots`, write ``.pdf``, ``.png`` and ``.tsv``.

What each figure draws, and from which state point and times, is decided by planning
(:mod:`glassdyn.workflow.reporting`) and arrives in ``params.figure``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger("glassdyn")
#: BOTAN Secs. V A-B: the nearest-neighbour pairs its Figs. 4 and 6 show, r_ij(0) < 1.35 sigma_AA
NEAREST_NEIGHBOUR_PAIR = 1.35
# matplotlib's font subsetting logs every glyph table at INFO: keep the job logs readable
for _name in ("fontTools", "matplotlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def _save(job, plot) -> None:
    from glassdyn.plots import save_plot

    plot.notes += list(job.params["figure"].get("notes", []))
    save_plot(plot, pdf=job.output["pdf"], png=job.output["png"], tsv=job.output["tsv"])
    for note in plot.notes:
        log.info("%s: %s", Path(job.output["pdf"]).stem, note)
    log.info("wrote %s (%d data rows)", job.output["pdf"], len(plot.data))


def _files(job, key) -> list[str]:
    files = job.input.get(key, [])
    return [files] if isinstance(files, str) else list(files)


def plot_scores(job) -> None:
    """A figure of the comparison table."""
    import glassdyn.plots as plots
    from glassdyn.plots import read_rows

    spec = job.params["figure"]
    rows = read_rows(job.input["table"])
    _save(job, getattr(plots, spec["function"])(rows, **spec["options"]))


# -- state-point figures ------------------------------------------------------------------------
def _structure_index(path) -> int:
    return int(Path(path).stem)


def read_state_point(job):
    """(labels, {model: predictions}, descriptors) of the job's test structures, aligned by structure."""
    from glassdyn.io import load

    labels = [load(f, "labels") for f in _files(job, "labels")]
    order = [_structure_index(f) for f in _files(job, "labels")]
    predictions, edge_predictions = {}, {}
    for model, path in zip(job.params["figure"]["models"], _files(job, "predictions")):
        p = load(path, "predictions")
        rows = {int(s): k for k, s in enumerate(p.structures)}
        missing = [s for s in order if s not in rows]
        if missing:
            raise ValueError(f"{path}: no predictions of structures {missing}")
        predictions[model] = p.values[[rows[s] for s in order]]  # (S, n_t, N)
        if p.edge_values is not None:  # (n_t, E_s) per structure, in its label file's edge order
            edge_predictions[model] = [p.edge_values[:, p.edge_offsets[rows[s]]:p.edge_offsets[rows[s] + 1]]
                                       for s in order]
    descriptors = [load(f, "descriptors") for f in _files(job, "descriptors")]
    return labels, predictions, descriptors, edge_predictions


def plot_state_point(job) -> None:
    """A figure of the labels and predictions of one state point's test structures."""
    import glassdyn.plots as plots
    from glassdyn.analysis.heterogeneity import chi4_from_means
    from glassdyn.plots.base import empty_plot, model_name

    spec = job.params["figure"]
    labels, predictions, descriptors, edge_predictions = read_state_point(job)
    label, particle_type, indices = spec["label"], int(spec["particle_type"]), list(spec["time_indices"])
    md = np.stack([getattr(lab, label) for lab in labels])  # (S, n_t, N)
    types = np.stack([lab.types for lab in labels])
    mine = types == particle_type
    times = labels[0].times
    t = indices[0]
    function = spec["function"]

    def pooled(values, time_index):
        return values[:, time_index][mine]

    if function in ("label_distribution", "prediction_histograms"):
        plot = getattr(plots, function)(pooled(md, t), {m: pooled(v, t) for m, v in predictions.items()}, label=label)
    elif function == "cross_correlations":
        values = {"MD": pooled(md, t), **{m: pooled(v, t) for m, v in predictions.items()}}
        for d in descriptors[:1]:
            stacked = np.stack([x.values for x in descriptors])  # (S, N, M)
            values.update({str(name): stacked[:, :, k][mine] for k, name in enumerate(d.names)})
        plot = plots.cross_correlations(values)
    elif function == "snapshot" and len(indices) > 1:
        # GlassMLP PRL Fig. 3a: MD and the model at each modelled time, one shared scale
        first = labels[0]
        fields = {f"{model_name(name)}, t = {times[k]:g}": values[0, k]
                  for name, values in {"MD": md, **predictions}.items() for k in indices}
        plot = plots.snapshot(first.positions, first.types, first.box, fields, particle_types=(particle_type,),
                              label=plots.base.LABEL_SYMBOLS.get(label, label))
    elif function == "snapshot":
        first = labels[0]
        fields = {"MD": md[0, t], **{m: v[0, t] for m, v in predictions.items()}}
        own = []
        if descriptors and "epot_inh_L5" in set(descriptors[0].names):
            fields["epot_inh_L5"] = descriptors[0].column("epot_inh_L5")
            own.append("epot_inh_L5")
        plot = plots.snapshot(first.positions, first.types, first.box, fields, particle_types=(particle_type,),
                              own_scale=tuple(own), label=plots.base.LABEL_SYMBOLS.get(label, label))
    elif function == "label_distributions_over_time":
        plot = plots.label_distributions_over_time(
            {float(times[k]): pooled(md, k) for k in indices},
            {m: {float(times[k]): pooled(v, k) for k in indices} for m, v in predictions.items()}, label=label)
    elif function == "chi4_vs_time":
        # chi_4 over the test structures, of the particles of one type: MD and each model's
        # predictions on the same structures (GlassMLP PRL Fig. 3b: chi_4 of predictions).
        # (swap Monte Carlo gives each structure its own types: means per structure)
        def chi4_curve(values):
            means = np.array([[values[s, k][mine[s]].mean() for s in range(len(values))] for k in indices])
            return chi4_from_means(means.T, mine.sum(axis=1).mean())

        curves = {"MD": (times[indices], chi4_curve(md))}
        curves.update({m: (times[indices], chi4_curve(v)) for m, v in predictions.items()})
        symbol = plots.base.LABEL_SYMBOLS.get(label, label)
        plot = plots.chi4_vs_time(curves, ylabel=rf"$\chi_4(t)$ of {symbol}, type {particle_type}")
    elif function == "edge_snapshot":
        first = labels[0]
        if first.edges is None or first.edge_propensity is None:
            plot = empty_plot("the labels hold no pair-distance changes E_ij(t)")
        else:
            fields = {"MD": first.edge_propensity[t], **{m: e[0][t] for m, e in edge_predictions.items()}}
            plot = plots.edge_snapshot(first.positions, first.types, first.box, first.edges, fields,
                                       pair_types=((particle_type, particle_type),))
    elif function == "edge_distance_map":
        # BOTAN Fig. 6: nearest-neighbour pairs of one type, pooled over the test structures
        pooled_r0, pooled_e = [], {k: [] for k in indices}
        for lab in labels:
            if lab.edges is None or lab.edge_propensity is None:
                continue
            r0 = plots.edges.pair_distances(lab.positions, lab.box, lab.edges)
            same = (lab.types[lab.edges] == particle_type).all(axis=1) & (r0 < NEAREST_NEIGHBOUR_PAIR)
            pooled_r0.append(r0[same])
            for k in indices:
                pooled_e[k].append(lab.edge_propensity[k][same])
        if not pooled_r0:
            plot = empty_plot("the labels hold no pair-distance changes E_ij(t)")
        else:
            plot = plots.edge_distance_map(np.concatenate(pooled_r0),
                                           {float(times[k]): np.concatenate(pooled_e[k]) for k in indices})
    else:
        raise KeyError(f"no state-point figure function {function!r}")
    plot.notes.append(f"T = {spec['temperature']}, t = {', '.join(f'{times[k]:g}' for k in indices)}, "
                      f"{len(labels)} test structures, type {particle_type}.")
    _save(job, plot)


# -- averaged dynamics --------------------------------------------------------------------------
def plot_dynamics(job) -> None:
    """A figure of the ``dynamics.h5`` summaries of every temperature of a system."""
    import glassdyn.plots as plots
    from glassdyn.io import load

    spec = job.params["figure"]
    summaries = dict(zip(spec["temperatures"], (load(f, "dynamics") for f in _files(job, "dynamics"))))
    first = next(iter(summaries.values()))
    if first.wavenumbers is None:
        from glassdyn.plots.base import empty_plot

        _save(job, empty_plot("the labels hold no F_s(q, t)"))
        return
    q = int(np.argmin(np.abs(first.wavenumbers - 2 * np.pi)))  # BOTAN: k = 2 pi / sigma_AA
    if spec["function"] == "self_scattering":
        curves = {T: (s.times, s.self_intermediate_scattering[:, 0, q]) for T, s in summaries.items()}
        plot = plots.self_scattering(curves, wavenumber=float(first.wavenumbers[q]), particle_type=0)
    elif spec["function"] == "relaxation_times":
        temperatures = [float(T) for T in summaries]

        def column(values):
            return [np.nan if v is None else float(np.asarray(v).ravel()[0]) for v in values]

        plot = plots.relaxation_times(temperatures, {
            r"$\tau_\alpha^{\rm ISF}$ ($F_s = 1/e$)": column(s.tau_alpha[0, q] if s.tau_alpha is not None else None
                                                          for s in summaries.values()),
            r"$\tau_\alpha^{\rm BB}$ ($\langle C_B \rangle = 1/2$)": column(
                s.tau_alpha_bond_breaking[0] if s.tau_alpha_bond_breaking is not None else None for s in summaries.values()),
        })
    elif spec["function"] == "mean_label_vs_time":
        curves = {T: (s.times, s.mean_bond_breaking[:, 0]) for T, s in summaries.items() if s.mean_bond_breaking is not None}
        taus = {T: float(s.tau_alpha_bond_breaking[0]) for T, s in summaries.items()
                if s.tau_alpha_bond_breaking is not None}
        overlapped = _overlap_taus(curves, taus)
        plot = plots.mean_label_vs_time(curves, {**taus, **overlapped}, label="bond_breaking")
        plot.notes += [f"T = {T}: tau_alpha^BB = {tau:.4g} from the overlap with the master curve (PRB App. A)"
                       for T, tau in overlapped.items()]
    else:
        raise KeyError(f"no dynamics figure function {spec['function']!r}")
    _save(job, plot)


def _overlap_taus(curves: dict, taus: dict) -> dict:
    """tau^BB of the curves that never reach <C_B> = 1/2, from their overlap with the master
    curve of the others (tGlassMLP PRB App. A, Fig. 13 bottom); {} when none can be found."""
    from glassdyn.analysis import TemperatureTimeMap

    missing = [T for T in curves if not np.isfinite(taus.get(T, np.nan))]
    if not missing or len(missing) == len(curves):
        return {}
    try:
        time_map = TemperatureTimeMap().fit({float(T): c for T, c in curves.items()})
    except ValueError:
        return {}
    return {T: float(time_map.taus_[float(T)]) for T in missing}


# -- model files --------------------------------------------------------------------------------
def plot_training(job) -> None:
    """Loss curves of a system's model files (BOTAN's edge pretraining)."""
    import glassdyn.plots as plots
    from glassdyn.models import load_model
    from glassdyn.models.gnn import HISTORY_COLUMNS

    spec = job.params["figure"]
    histories = {}
    for model, path in zip(spec["models"], _files(job, "models")):
        history = np.asarray(load_model(path).history_, dtype=float).reshape(-1, len(HISTORY_COLUMNS))
        histories[f"{plots.base.model_name(model)} pretraining"] = {c: history[:, k] for k, c in enumerate(HISTORY_COLUMNS)}
    _save(job, plots.training_loss(histories))


# -- dynamic heterogeneity ----------------------------------------------------------------------
def plot_heterogeneity(job) -> None:
    """A figure of the heterogeneity tables (every temperature and source of a system)."""
    import glassdyn.plots as plots
    from glassdyn.plots import read_rows

    spec = job.params["figure"]
    rows = [row for path in _files(job, "tables") for row in read_rows(path)]
    options = dict(spec["options"])
    function = getattr(plots, spec["function"])
    if spec["function"] in ("four_point_structure_factor", "heterogeneity_vs_time", "four_point_correlation"):
        options.setdefault("sources", spec["sources"])
    _save(job, function(rows, **options))


# -- tGlassMLP's bottleneck layer ---------------------------------------------------------------
def bottleneck_panel(predictions, labels, particle_type: int, mean_label: float, label: str = "bond_breaking"):
    """(title, bottleneck (n, 2), colour (n,), coloured by) of one state point for
    :func:`glassdyn.plots.bottleneck_scatter`: the particles of ``particle_type`` of every
    predicted structure at the time whose <C_B> is nearest ``mean_label``, coloured by their MD
    ``label`` when ``labels`` (the same structures' label records) are given, else by the
    prediction."""
    if predictions.bottleneck is None or predictions.mean_labels is None:
        raise ValueError("the predictions hold no bottleneck layer (not a tGlassMLP of this version)")
    means = np.asarray(predictions.mean_labels, dtype=float)
    k = int(np.nanargmin(np.abs(means - mean_label)))
    values = predictions.values[:, k]
    source = "prediction"
    if labels:
        by_index = {int(lab.metadata.get("structure_index", -1)): lab for lab in labels}
        missing = [int(s) for s in predictions.structures if int(s) not in by_index]
        if missing:
            raise ValueError(f"no labels of structures {missing}")
        values = np.stack([getattr(by_index[int(s)], label)[k] for s in predictions.structures])
        source = "MD"
    mine = predictions.types == particle_type
    title = rf"$T = {predictions.metadata['temperature']:g}$, $\langle \bar C_B \rangle = {means[k]:.2f}$"
    return title, predictions.bottleneck[:, k][mine], values[mine], source


def plot_bottleneck(job) -> None:
    """A figure of tGlassMLP's bottleneck layer (PRB Figs. 10-11): one panel per time at one
    temperature, or per temperature at one <C_B>."""
    import glassdyn.plots as plots
    from glassdyn.io import load
    from glassdyn.workflow.planning import format_temperature, read_structure_lists

    spec = job.params["figure"]
    options = spec["options"]
    labels = {}
    for path in read_structure_lists(_files(job, "labels")):
        record = load(path, "labels")
        labels.setdefault(format_temperature(record.metadata["temperature"]), []).append(record)
    panels, notes = {}, []
    for path in _files(job, "predictions"):
        predictions = load(path, "predictions")
        temperature = format_temperature(predictions.metadata["temperature"])
        targets = options["mean_labels"] if "mean_labels" in options else [options["mean_label"]]
        for target in targets:
            title, bottleneck, values, source = bottleneck_panel(predictions, labels.get(temperature),
                                                                 int(spec["particle_type"]), float(target), spec["label"])
            if title not in panels:
                panels[title] = (bottleneck, values)
                if source != "MD":
                    notes.append(f"{title}: coloured by the prediction (no MD at this state point)")
    plot = plots.bottleneck_scatter(panels, label=spec["label"])
    plot.notes += notes
    _save(job, plot)
