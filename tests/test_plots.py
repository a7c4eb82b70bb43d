"""Figure functions on synthetic inputs: each figure's data table is checked against what went in."""

import copy

import numpy as np
import pytest
import yaml

from glassdyn.config import validate_config
from glassdyn.plots import (chi4_vs_time, cross_correlations, label_distribution, label_distributions_over_time,
                            learning_curve, prediction_histograms, read_rows, relaxation_times, save_plot,
                            score_vs_time, score_vs_time_by_temperature, self_scattering, snapshot, transferability)
from glassdyn.plots.scores import best_baseline

from test_planning import DEMO, ROOT


def _row(model, time_index, time, tau, mean, stderr=0.01, *, system="ka", temperature="0.5", label="propensity",
         training="all", metric="pearson", particle_type="0"):
    return {"system": system, "temperature": temperature, "model": model, "label": label, "training": training,
            "particle_type": particle_type, "time_index": str(time_index), "time": str(time),
            "t_over_tau_alpha": str(time / tau), "metric": metric, "mean": str(mean), "stderr": str(stderr),
            "n_structures": "2"}


TIMES = [1.0, 10.0, 100.0]
ROWS = ([_row("glassmlp", k, t, 10.0, 0.5 + 0.1 * k) for k, t in enumerate(TIMES)]
        + [_row("cage-ridge", k, t, 10.0, 0.3 + 0.05 * k) for k, t in enumerate(TIMES)]
        + [_row("baseline-epot_inh_L5", k, t, 10.0, 0.2) for k, t in enumerate(TIMES)]
        + [_row("baseline-psi6", k, t, 10.0, 0.1) for k, t in enumerate(TIMES)]
        + [_row("noise_ceiling", k, t, 10.0, 0.9, "") for k, t in enumerate(TIMES)]
        + [_row("glassmlp", k, t, 10.0, 0.7, metric="r2") for k, t in enumerate(TIMES)])


def _by(data, **key):
    return [r for r in data if all(r[k] == v for k, v in key.items())]


def test_score_vs_time_plots_the_table_with_the_ceiling_and_the_best_baseline():
    plot = score_vs_time(ROWS, models=["glassmlp", "cage-ridge", "botan", "baseline-epot_inh_L5", "baseline-psi6"])
    assert [r["mean"] for r in _by(plot.data, model="glassmlp")] == pytest.approx([0.5, 0.6, 0.7])
    assert [r["time"] for r in _by(plot.data, model="cage-ridge")] == TIMES
    assert [r["mean"] for r in _by(plot.data, model="noise_ceiling")] == [0.9] * 3
    assert {r["model"] for r in plot.data} == {"glassmlp", "cage-ridge", "baseline-epot_inh_L5", "noise_ceiling"}
    assert plot.notes == ["models not in the results, left out: botan."]
    assert best_baseline(ROWS) == "baseline-epot_inh_L5"
    every = score_vs_time(ROWS, baselines="all")
    assert {"baseline-psi6", "baseline-epot_inh_L5"} <= {r["model"] for r in every.data}
    r2 = score_vs_time(ROWS, metric="r2", ceiling=False)
    assert {r["model"] for r in r2.data} == {"glassmlp"} and [r["mean"] for r in r2.data] == [0.7] * 3
    assert score_vs_time(ROWS, label="bond_breaking").empty


def test_score_by_temperature_has_a_line_per_temperature():
    rows = ROWS + [_row("glassmlp", k, t, 100.0, 0.2, temperature="0.4") for k, t in enumerate(TIMES)]
    plot = score_vs_time_by_temperature(rows, model="glassmlp")
    assert {r["temperature"] for r in plot.data} == {"0.4", "0.5"}
    assert [r["mean"] for r in _by(plot.data, temperature="0.4")] == [0.2] * 3


def test_learning_curve_takes_the_time_nearest_tau_alpha():
    rows = [_row("glassmlp", k, t, 10.0, n / 1000 + k, training=f"n{n}") for n in (10, 100) for k, t in enumerate(TIMES)]
    plot = learning_curve(rows + ROWS)
    assert [(r["n_structures"], r["time"], r["mean"]) for r in plot.data] == [(10, 10.0, 1.01), (100, 10.0, 1.1)]
    assert learning_curve(ROWS).empty


def test_transferability_maps_trainings_to_their_temperature():
    rows = [_row("glassmlp", 1, 10.0, 10.0, 0.6, temperature="0.5"), _row("glassmlp", 1, 50.0, 50.0, 0.5, temperature="0.4"),
            _row("glassmlp", 1, 10.0, 10.0, 0.4, temperature="0.5", training="T0.4"),
            _row("glassmlp", 1, 50.0, 50.0, 0.3, temperature="0.4", training="T0.5")]
    plot = transferability(rows)
    got = {(r["trained_at"], r["temperature"]): r["mean"] for r in plot.data}
    assert got == {("0.5", 0.5): 0.6, ("0.4", 0.4): 0.5, ("0.4", 0.5): 0.4, ("0.5", 0.4): 0.3}
    assert transferability(ROWS).empty


def test_distribution_is_a_normalised_histogram_on_one_grid():
    rng = np.random.default_rng(0)
    md, model = rng.gamma(3.0, 0.2, 5000), rng.normal(0.6, 0.1, 5000)
    model[:10] = np.nan  # not predicted: dropped
    plot = label_distribution(md, {"glassmlp": model}, bins=25)
    for source, values in (("MD", md), ("GlassMLP", model[10:])):
        rows = _by(plot.data, source=source)
        centres, density = np.array([r["bin_centre"] for r in rows]), np.array([r["density"] for r in rows])
        width = centres[1] - centres[0]
        assert density.sum() * width == pytest.approx(1.0)
        edges = np.concatenate([centres - width / 2, [centres[-1] + width / 2]])
        np.testing.assert_allclose(density, np.histogram(values, edges, density=True)[0], rtol=1e-10)


def test_distributions_over_time_keep_each_time():
    rng = np.random.default_rng(1)
    md = {1.0: rng.uniform(0.8, 1, 300), 10.0: rng.uniform(0.2, 0.9, 300)}
    plot = label_distributions_over_time(md, {"glassmlp": {10.0: rng.uniform(0.3, 0.8, 300)}}, bins=10)
    assert {(r["source"], r["time"]) for r in plot.data} == {("MD", 1.0), ("MD", 10.0), ("GlassMLP", 10.0)}


def test_prediction_histograms_count_every_particle_once():
    rng = np.random.default_rng(2)
    md = rng.normal(size=1000)
    predictions = {"glassmlp": md + rng.normal(0, 0.5, 1000), "cage-ridge": rng.normal(size=1000)}
    plot = prediction_histograms(md, predictions, bins=12)
    for model, values in predictions.items():
        rows = _by(plot.data, model=model)
        assert sum(r["count"] for r in rows) == 1000
        assert rows[0]["pearson"] == pytest.approx(np.corrcoef(values, md)[0, 1])


def test_cross_correlations_are_the_pearson_matrix():
    rng = np.random.default_rng(3)
    values = {"MD": rng.normal(size=400)}
    values["glassmlp"] = values["MD"] + rng.normal(size=400)
    values["epot_inh_L5"] = -values["MD"] + rng.normal(0, 2, 400)
    plot = cross_correlations(values)
    expected = np.corrcoef(np.stack(list(values.values())))
    names = list(values)
    got = np.array([[_by(plot.data, x=a, y=b)[0]["pearson"] for b in names] for a in names])
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_snapshot_draws_a_slab_of_one_type_in_3d():
    rng = np.random.default_rng(4)
    box = np.array([10.0, 10.0, 10.0])
    positions = rng.uniform(0, 10, (500, 3))
    types = (rng.random(500) < 0.2).astype(int)
    fields = {"MD": rng.normal(size=500), "glassmlp": rng.normal(size=500), "epot_inh_L5": rng.normal(size=500)}
    plot = snapshot(positions, types, box, fields, particle_types=(0,), own_scale=("epot_inh_L5",), thickness=2.0)
    drawn = np.array(sorted({r["particle"] for r in plot.data}))
    expected = np.flatnonzero((types == 0) & (np.abs(positions[:, 2] - 5.0) < 1.0))
    np.testing.assert_array_equal(drawn, expected)
    for r in _by(plot.data, panel="glassmlp"):
        assert r["value"] == fields["glassmlp"][r["particle"]] and r["x"] == positions[r["particle"], 0]
    plot2d = snapshot(positions[:, :2], types, box[:2], {"MD": fields["MD"]}, particle_types=(0, 1))
    assert len(plot2d.data) == 500


def test_dynamics_figures_plot_their_curves():
    t = np.logspace(-1, 2, 8)
    f_s = {"0.5": (t, np.exp(-t / 10)), "0.6": (t, np.exp(-t))}
    plot = self_scattering(f_s, wavenumber=6.28)
    np.testing.assert_allclose([r["F_s"] for r in _by(plot.data, temperature="0.5")], np.exp(-t / 10))
    chi = chi4_vs_time({"MD": (t, np.sin(t) ** 2), "glassmlp": (t, np.full(8, np.nan))})
    assert {r["source"] for r in chi.data} == {"MD"} and len(chi.data) == 8
    taus = relaxation_times([0.4, 0.5, 0.6], {"tau": [100.0, np.nan, 1.0]})
    assert [(r["temperature"], r["tau"]) for r in taus.data] == [(0.4, 100.0), (0.6, 1.0)]
    assert self_scattering({}).empty


def test_saved_figures_are_reproducible_and_carry_their_data(tmp_path):
    plot = score_vs_time(ROWS, models=["glassmlp", "botan"])
    files = {ext: tmp_path / f"figure.{ext}" for ext in ("pdf", "png", "tsv")}
    save_plot(plot, **files)
    first = {ext: p.read_bytes() for ext, p in files.items()}
    save_plot(score_vs_time(ROWS, models=["glassmlp", "botan"]), **files)
    assert {ext: p.read_bytes() for ext, p in files.items()} == first
    assert first["pdf"].startswith(b"%PDF") and first["png"].startswith(b"\x89PNG")
    assert files["tsv"].read_text().startswith("# models not in the results, left out: botan.\n")
    rows = read_rows(files["tsv"])
    assert [float(r["mean"]) for r in rows if r["model"] == "glassmlp"] == pytest.approx([0.5, 0.6, 0.7])


# -- which figures a config draws ----------------------------------------------------------------
def _plans(config):
    from glassdyn.workflow.planning import SystemPlan

    return {n: SystemPlan(n, s) for n, s in config["systems"].items()}


def test_the_demo_requests_the_figures_it_can_draw():
    from glassdyn.workflow.reporting import figure_params, requested_figures

    requested = {(spec.paper, spec.name, system) for spec, system in requested_figures(_plans(DEMO))}
    assert ("roadmap", "main_fig3_pearson_vs_time", None) in requested
    assert ("roadmap", "si_fig4_snapshots", "ka2d") in requested and ("botan-jcp", "fig8_pearson_vs_time", None) in requested
    assert not {name for _, name, _ in requested} & {"si_fig6_learning_curve", "si_fig7_transferability",
                                                      "sm1_relaxation_times"}  # no study, one temperature each
    params = figure_params(_plans(DEMO), "roadmap", "si_fig2_distribution", "ka3d")
    assert params["label"] == "propensity" and params["time_indices"] == [5]  # t = 16.5 = tau_alpha
    assert "glassmlp" in params["models"] and not any(m.startswith("baseline-") for m in params["models"])
    assert figure_params(_plans(DEMO), "botan-jcp", "fig8_pearson_vs_time")["notes"] == [
        "Not in this config, left out: nt-gnn."]
    # heterogeneity: the PRL's figures where GlassMLP is trained, the PRB's where tGlassMLP is
    # (ka3d only); tGlassMLP's attention weights are not computed yet
    assert {("glassmlp-prl", "fig4a_four_point_structure_factor", s) for s in ("ka3d", "ka2d")} <= requested
    prb = {(name, system) for paper, name, system in requested if paper == "tglassmlp-prb" and name.startswith("fig")}
    assert ("fig7_xi4", "ka3d") in prb and ("fig7_xi4", "ka2d") not in prb and ("fig9_attention_lengths", "ka3d") in prb
    sm2c = figure_params(_plans(DEMO), "glassmlp-prl", "sm2c_four_point_structure_factor", "ka2d")
    assert sm2c["sources"] == ["MD", "glassmlp", "glassmlp-ridge"] and sm2c["temperatures"] == ["0.6"]


def test_a_learning_curve_study_requests_its_figure():
    from glassdyn.workflow.reporting import requested_figures

    preset = validate_config(yaml.safe_load((ROOT / "config/presets/roadmap-ka3d.yaml").read_text()))
    names = {spec.name for spec, _ in requested_figures(_plans(preset))}
    assert {"si_fig6_learning_curve", "si_fig7_transferability", "sm1_relaxation_times"} <= names
    config = copy.deepcopy(DEMO)
    config["systems"]["ka3d"]["models"]["train"] = []
    config["systems"]["ka2d"]["models"]["train"] = []
    names = {spec.name for spec, _ in requested_figures(_plans(validate_config(config)))}
    assert names == {"fig2_self_scattering", "fig13_mean_bond_breaking"}


# -- figures of later stages, on synthetic tables ------------------------------------------------
def test_score_vs_time_draws_a_panel_per_particle_type_and_score_vs_parameter_a_line_per_time():
    from glassdyn.plots import score_vs_parameter

    rows = ROWS + [_row("glassmlp", k, t, 10.0, 0.2 + 0.1 * k, particle_type="1") for k, t in enumerate(TIMES)]
    plot = score_vs_time(rows, models=["glassmlp"], particle_type=["0", "1"], ceiling=False)
    assert len(plot.figure.axes) == 2
    assert [r["mean"] for r in _by(plot.data, particle_type="1")] == pytest.approx([0.2, 0.3, 0.4])
    study = [_row("botan", 0, 130.0, 4120.0, 0.1 * n, training=f"n_cycles={n}") for n in (1, 4, 7)]
    study += [_row("botan", 1, 4120.0, 4120.0, 0.05 * n, training=f"n_cycles={n}") for n in (1, 4, 7)]
    study += [_row("botan", 0, 130.0, 4120.0, 0.9, training="all")]  # not a study row
    plot = score_vs_parameter(study, "n_cycles")
    assert [(r["time"], r["n_cycles"]) for r in plot.data] == [(t, n) for t in (130.0, 4120.0) for n in (1, 4, 7)]
    assert [r["mean"] for r in plot.data] == pytest.approx([0.1, 0.4, 0.7, 0.05, 0.2, 0.35])
    assert score_vs_parameter(study, "p").empty


def _heterogeneity_rows():
    """MD and a model at two temperatures: S_4 exactly Ornstein-Zernike, with its fit rows."""
    rows = []
    q = np.geomspace(0.1, 3.0, 12)
    for source, scale in (("MD", 1.0), ("glassmlp", 0.8)):
        for temperature, xi in (("0.3", 4.0), ("0.4", 2.0)):
            for time in (10.0, 100.0):
                chi = scale * xi ** 2 * time / 100
                rows += [{"source": source, "system": "ka2d", "temperature": temperature, "time": time, "quantity": "S4",
                          "x": a, "value": chi / (1 + (a * xi) ** 2), "error": ""} for a in q]
                rows += [{"source": source, "system": "ka2d", "temperature": temperature, "time": time, "quantity": k,
                          "x": "", "value": v, "error": 0.1} for k, v in (("xi4", xi), ("chi4_oz", chi), ("A", 0.01 * xi),
                                                                         ("mean_label", 0.9 if time == 10 else 0.5))]
                r = np.linspace(0.5, 10, 20)
                rows += [{"source": source, "system": "ka2d", "temperature": temperature, "time": time, "quantity": "G4",
                          "x": a, "value": 3.0 * np.exp(-a / xi) / np.sqrt(a), "error": ""} for a in r]
    return rows


def test_the_heterogeneity_stage_writes_the_columns_the_figures_read(tmp_path):
    from glassdyn.plots import read_rows
    from glassdyn.plots.heterogeneity import HETEROGENEITY_COLUMNS
    from glassdyn.workflow.heterogeneity import COLUMNS, heterogeneity_rows, table_text

    assert COLUMNS == HETEROGENEITY_COLUMNS
    result = {"xi4": (np.array([2.0, np.nan]), np.array([0.1, np.nan])),
              "S4": (np.array([[1.0, 0.5], [2.0, np.nan]]), np.array([[0.1, 0.05], [0.2, np.nan]]))}
    rows = heterogeneity_rows(result, [1.0, 10.0], wavenumbers=np.array([0.2, 0.4]), distances=(), source="MD",
                              system="ka2d", temperature="0.6")
    # NaN values are left out: no xi4 at t = 10, no S4 at q = 0.4 there
    assert [(r["time"], r["quantity"], r["x"]) for r in rows] == [("1", "xi4", ""), ("1", "S4", "0.2"), ("1", "S4", "0.4"),
                                                                  ("10", "S4", "0.2")]
    path = tmp_path / "t.tsv"
    path.write_text(table_text(rows, ["a note"]))
    assert list(read_rows(path)[0]) == list(HETEROGENEITY_COLUMNS) and read_rows(path)[0]["value"] == "2"


def test_heterogeneity_figures_read_the_long_table():
    from glassdyn.plots import (four_point_correlation, four_point_structure_factor, heterogeneity_vs_time,
                                scaled_structure_factor)

    rows = _heterogeneity_rows()
    plot = four_point_structure_factor(rows, times=[12.0], sources=["MD", "glassmlp", "glassmlp-l1"])
    assert {r["time"] for r in plot.data} == {10.0} and len(plot.data) == 2 * 2 * 12
    assert plot.notes == ["sources not in the results, left out: glassmlp-l1."]
    scaled = scaled_structure_factor(rows, source="glassmlp")
    # exactly Ornstein-Zernike: every point on 1 / (1 + (q xi)^2)
    assert [r["S4_over_chi4"] for r in scaled.data] == pytest.approx([1 / (1 + r["q_xi"] ** 2) for r in scaled.data])
    xi = heterogeneity_vs_time(rows, "xi4")
    assert {(r["source"], r["temperature"], r["value"]) for r in xi.data} == {
        (s, "0.3", 4.0) for s in ("MD", "glassmlp")} | {(s, "0.4", 2.0) for s in ("MD", "glassmlp")}
    late = heterogeneity_vs_time(rows, "A", mean_label_range=(0.3, 0.8))  # only t = 100 has <C_B> = 0.5
    assert {r["time"] for r in late.data} == {100.0}
    g4 = four_point_correlation(rows, time=100.0, sources=["MD"])
    amplitudes = [r["value"] for r in g4.data if r["quantity"] == "G4_long_range_amplitude"]
    assert amplitudes == pytest.approx([3.0, 3.0])  # the long-range form recovered exactly


def test_length_scales_and_attention_lengths():
    from glassdyn.plots import attention_lengths, length_scales_vs_temperature

    rows = _heterogeneity_rows()
    # xi_int per time, as the heterogeneity stage writes it: the one at <C_B> nearest 0.8 is drawn
    rows += [{"source": "glassmlp", "system": "ka2d", "temperature": T, "time": t, "quantity": "xi_int", "x": "",
              "value": v, "error": ""} for T, v in (("0.3", 3.5), ("0.4", 1.5)) for t, v in (("10", v), ("100", 9.0))]
    plot = length_scales_vs_temperature(rows, quantities=("xi4", "xi_int", "chord_length"), mean_label=0.8)
    # <C_B> = 0.9 at t = 10 is nearest 0.8: xi4 at that time
    assert [(r["temperature"], r["value"], r["time"]) for r in plot.data if r["quantity"] == "xi4"] == [
        (0.3, 4.0, 10.0), (0.4, 2.0, 10.0)]
    assert [r["value"] for r in plot.data if r["quantity"] == "xi_int"] == [3.5, 1.5]
    assert plot.notes == ["chord_length: not in the results, left out."]
    weights = [{"source": "tglassmlp", "temperature": "0.3", "time": t, "quantity": "P_int", "x": L, "value": p,
                "error": ""} for t, w in ((10.0, 1.0), (100.0, 0.0)) for L, p in ((0, 0.2), (2, 0.5 * w), (4, 0.3))]
    weights += [{"source": "tglassmlp", "temperature": "0.3", "time": t, "quantity": "mean_label", "x": "", "value": c,
                 "error": ""} for t, c in ((10.0, 0.82), (100.0, 0.5))]
    plot = attention_lengths(weights)  # at <C_B> = 0.82, the one nearest 0.8
    assert [r["xi_int"] for r in plot.data] == pytest.approx([0 * 0.2 + 2 * 0.5 + 4 * 0.3] * 3)


def test_edge_figures():
    from glassdyn.plots import edge_distance_map, edge_snapshot

    rng = np.random.default_rng(3)
    box = np.array([6.0, 6.0, 6.0])
    positions = rng.uniform(0, 6, (200, 3))
    types = (np.arange(200) % 5 == 0).astype(int)
    i, j = np.triu_indices(200, 1)
    edges = np.stack([i, j], axis=1)
    from glassdyn.plots.edges import pair_distances

    r0 = pair_distances(positions, box, edges)
    edges, r0 = edges[r0 < 2.0], r0[r0 < 2.0]
    md = 0.1 - 0.05 * r0
    plot = edge_snapshot(positions, types, box, edges, {"MD": md, "botan": md + 0.01})
    shown = _by(plot.data, panel="MD")
    assert shown and all(r["r0"] < 1.35 for r in shown)
    assert all(types[r["i"]] == 0 and types[r["j"]] == 0 for r in shown)
    centre = [abs(positions[r["i"], 2] - 3.0) < 0.5 and abs(positions[r["j"], 2] - 3.0) < 0.5 for r in shown]
    assert all(centre)  # both ends in the slab
    assert [r["value"] for r in _by(plot.data, panel="botan")] == pytest.approx([r["value"] + 0.01 for r in shown])
    density = edge_distance_map(r0, {13.0: md, 130.0: md * 2})
    for t in (13.0, 130.0):
        cells = _by(density.data, time=t)
        mass = sum(c["density"] * (c["r0_high"] - c["r0_low"]) * (c["E_high"] - c["E_low"]) for c in cells)
        assert mass == pytest.approx(1.0)


def test_network_figures():
    from glassdyn.plots import bottleneck_scatter, training_loss

    epochs = np.arange(1, 11)
    history = {"epoch": epochs, "loss": 1.0 / epochs, "node_loss": np.zeros(10), "edge_loss": 1.0 / epochs}
    plot = training_loss({"BOTAN pretraining": history})
    assert {r["term"] for r in plot.data} == {"loss", "edge_loss"}
    assert plot.notes == ["BOTAN pretraining: no node loss, left out."]
    assert [r["value"] for r in plot.data if r["term"] == "loss"] == pytest.approx(1.0 / epochs)
    rng = np.random.default_rng(0)
    bottleneck, values = rng.normal(size=(500, 2)), rng.uniform(size=500)
    plot = bottleneck_scatter({"t = 10": (bottleneck, values)}, max_points=100)
    assert len(plot.data) == 100
    assert all(r["bottleneck_1"] == bottleneck[r["particle"], 0] and r["value"] == values[r["particle"]] for r in plot.data)


def test_mean_bond_breaking_against_rescaled_time():
    from glassdyn.plots import mean_label_vs_time

    t = np.geomspace(1, 1000, 7)
    plot = mean_label_vs_time({"0.4": (t, np.exp(-t / 100)), "0.3": (t, np.exp(-t / 1000))}, {"0.4": 100.0})
    assert [r["t_over_tau_alpha"] for r in plot.data if r["temperature"] == "0.4"] == pytest.approx(t / 100)
    assert plot.notes == ["T = 0.3: no tau_alpha, left out of the rescaled panel."]


def test_mean_bond_breaking_without_any_relaxation_time_draws_one_panel():
    from glassdyn.plots import mean_label_vs_time

    t = np.geomspace(1, 10, 4)
    plot = mean_label_vs_time({"0.64": (t, 1 - 0.01 * t)}, {"0.64": float("nan")})
    assert len(plot.figure.axes) == 1 and [r["mean"] for r in plot.data] == pytest.approx(1 - 0.01 * t)


def test_fig13_rescales_curves_that_never_reach_one_half_by_their_overlap():
    """PRB App. A: tau^BB of a curve simulated too briefly comes from the master curve."""
    from glassdyn.workflow.figures import _overlap_taus

    master = lambda x: np.exp(-(x**0.6) * np.log(2))  # noqa: E731 - 1/2 at x = 1
    t = np.geomspace(1, 1e4, 30)
    short = np.geomspace(1, 2e3, 20)
    curves = {"0.4": (t, master(t / 100.0)), "0.3": (short, master(short / 1e4))}
    assert _overlap_taus(curves, {"0.4": 100.0}) == {"0.3": pytest.approx(1e4, rel=0.03)}
    assert _overlap_taus(curves, {"0.4": 100.0, "0.3": 1e4}) == {}
    assert _overlap_taus({"0.3": curves["0.3"]}, {}) == {}  # nothing crosses: no master curve
