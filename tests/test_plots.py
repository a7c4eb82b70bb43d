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


def test_a_learning_curve_study_requests_its_figure():
    from glassdyn.workflow.reporting import requested_figures

    preset = validate_config(yaml.safe_load((ROOT / "config/presets/roadmap-ka3d.yaml").read_text()))
    names = {spec.name for spec, _ in requested_figures(_plans(preset))}
    assert {"si_fig6_learning_curve", "si_fig7_transferability", "sm1_relaxation_times"} <= names
    config = copy.deepcopy(DEMO)
    config["systems"]["ka3d"]["models"]["train"] = []
    config["systems"]["ka2d"]["models"]["train"] = []
    names = {spec.name for spec, _ in requested_figures(_plans(validate_config(config)))}
    assert names == {"fig2_self_scattering"}
