"""Dynamics, metrics, noise ceiling and heterogeneity observables against known answers."""

import numpy as np
import pytest
from scipy import stats

from glassdyn.analysis import (
    FourPointStructureFactor,
    TemperatureTimeMap,
    TimeTemperatureSuperposition,
    average_chord_length,
    chi4,
    crossing_time,
    fit_s4,
    four_point_correlation,
    noise_ceiling,
    overlap,
    pearson,
    pooled_score,
    r_squared,
    relaxation_time,
    score,
    self_intermediate_scattering,
    spearman,
    split_half_correlation,
    time_averaged_self_scattering,
)
from glassdyn.analysis.dynamics import double_stretched_exponential, fit_double_stretched_exponential
from glassdyn.analysis.heterogeneity import (
    DynamicHeterogeneity,
    _fourier_amplitudes,
    _wave_vectors,
    cubic_ornstein_zernike,
    jackknife_error,
    ornstein_zernike,
)
from glassdyn.analysis.summary import summarize_labels
from glassdyn.io import Labels


# -- dynamics ---------------------------------------------------------------------------------
def test_crossing_time_is_exact_for_a_stretched_exponential_on_a_coarse_grid():
    t = np.geomspace(0.1, 1000, 9)  # one point per half decade
    f = np.exp(-((t / 37.0) ** 0.6))
    assert crossing_time(t, f, np.exp(-1)) == pytest.approx(37.0, rel=1e-10)
    assert np.isnan(crossing_time(t[:3], f[:3], np.exp(-1)))  # never reached: NaN, not a guess
    tau = relaxation_time(t, np.stack([f, np.exp(-t / 5.0)], axis=1))
    np.testing.assert_allclose(tau, [37.0, 5.0], rtol=1e-10)


@pytest.mark.parametrize("grid", ["linear from 0", "linear", "log", "log from 0"])
@pytest.mark.parametrize("beta", [0.6, 1.0, 1.7])
def test_crossing_time_is_exact_in_every_interval_of_the_grid(grid, beta):
    t = {"linear from 0": np.linspace(0, 100, 11), "linear": np.linspace(10, 100, 10),
         "log": np.geomspace(0.1, 1000, 9), "log from 0": np.concatenate([[0.0], np.geomspace(0.1, 1000, 9)])}[grid]
    level = np.exp(-1)
    for k in range(1, len(t)):  # a crossing inside every interval (t_{k-1}, t_k]
        for where in (0.1, 0.5, 0.97):
            tau = t[k - 1] + where * (t[k] - t[k - 1]) if t[k - 1] > 0 else where * t[k]
            f = np.exp(-((t / tau) ** beta))
            assert crossing_time(t, f, level) == pytest.approx(tau, rel=1e-9), (k, where)
    # from t = 0 with no next point to fix the exponent: linear in t
    assert crossing_time([0.0, 10.0], [1.0, 0.2], 0.6) == pytest.approx(5.0)
    # the first positive time already below the level: before the data
    assert np.isnan(crossing_time([1.0, 2.0], [0.2, 0.1], 0.5))


def test_double_stretched_exponential_fit_recovers_tau_alpha():
    t = np.geomspace(0.05, 60, 22)
    f = double_stretched_exponential(t, 0.3, 1.6, 0.75, 16.5, 0.8)
    fit = fit_double_stretched_exponential(t, f)
    assert fit["tau_alpha"] == pytest.approx(16.5, rel=1e-4)
    assert fit["plateau"] == pytest.approx(0.75, rel=1e-4)
    # The 1/e crossing is earlier than the slow time by the plateau (why BOTAN's numbers differ).
    assert crossing_time(t, f, np.exp(-1)) < 0.8 * 16.5


@pytest.mark.parametrize("dimension", [2, 3])
def test_self_intermediate_scattering_is_the_direction_average(dimension):
    rng = np.random.default_rng(0)
    d = np.array([0.3, 1.1, 2.0])
    q = np.array([2 * np.pi, 7.25])
    # Direction average of cos(q . dr) over many random directions.
    n = rng.normal(size=(200000, dimension))
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    brute = np.array([[np.cos(qq * dd * n[:, 0]).mean() for qq in q] for dd in d])
    disp = np.broadcast_to(d[None, :, None], (2, 3, 4))  # (N_R, n_t, N): every particle moved |d|
    fs = self_intermediate_scattering(disp, np.array([0, 0, 1, 1]), q, dimension)
    assert fs.shape == (3, 2, 2)
    np.testing.assert_allclose(fs[:, 0], brute, atol=5e-3)
    np.testing.assert_allclose(fs[:, 1], fs[:, 0])
    assert np.all(self_intermediate_scattering(np.zeros((1, 1, 2)), [0, 1], q, dimension) == 1)


def test_time_temperature_superposition_recovers_tau_of_a_short_curve():
    master = lambda x: np.exp(-(x**0.7) * np.log(2))  # noqa: E731 - value 0.5 at x = 1
    t = np.geomspace(1, 1e4, 40)
    tts = TimeTemperatureSuperposition(level=0.5).fit(t, master(t / 100.0))
    assert tts.tau_ == pytest.approx(100.0, rel=1e-3)
    # A colder curve, simulated only up to a tenth of its tau: never reaches 0.5.
    short = np.geomspace(1, 3000, 20)
    values = master(short / 3e4)
    assert values.min() > 0.5
    assert tts.tau_from_overlap(short, values) == pytest.approx(3e4, rel=0.02)
    v = tts.value_from_time(250.0, tau=50.0)
    assert tts.time_from_value(v, tau=50.0) == pytest.approx(250.0, rel=1e-2)


def test_temperature_time_map_collapses_curves_and_extrapolates_arrhenius():
    """PRB App. A: curves that never reach 0.5 get tau from the overlap; colder T from Arrhenius."""
    master = lambda x: np.exp(-(x**0.6) * np.log(2))  # noqa: E731 - value 0.5 at x = 1
    tau = lambda T: 1e-3 * np.exp(3.0 / T)  # noqa: E731
    curves = {}
    for T, t_max in [(0.4, 1e4), (0.3, 1e4), (0.25, 1e4), (0.23, 1e3), (0.21, 300.0)]:
        t = np.geomspace(1, t_max, 30)
        curves[T] = (t, master(t / tau(T)))
    assert curves[0.21][1].min() > 0.5  # simulated too short to cross
    tmap = TemperatureTimeMap(arrhenius_max_temperature=0.25).fit(curves)
    for T in curves:
        assert tmap.taus_[T] == pytest.approx(tau(T), rel=0.03), T
    assert tmap.tau_sources_[0.21] == "overlap" and tmap.tau_sources_[0.4] == "crossing"
    assert tmap.arrhenius_temperatures_ == [0.21, 0.23, 0.25]
    assert tmap.energy_ == pytest.approx(3.0, rel=0.02)
    assert tmap.tau(0.15) == pytest.approx(tau(0.15), rel=0.2)
    t = tmap.time(0.15, [0.8, 0.5])
    assert t[1] == pytest.approx(tmap.tau(0.15), rel=1e-2)
    np.testing.assert_allclose(tmap.value(0.15, t), [0.8, 0.5], atol=2e-3)
    again = TemperatureTimeMap.from_dict(tmap.to_dict())
    assert again.time(0.18, 0.65) == pytest.approx(tmap.time(0.18, 0.65))
    with pytest.raises(ValueError, match="outside the master curve"):
        tmap.time(0.15, 1.5)


# -- metrics ----------------------------------------------------------------------------------
def test_scores_match_reference_implementations():
    rng = np.random.default_rng(1)
    y = rng.normal(size=300)
    p = y + rng.normal(0, 0.5, 300)
    assert pearson(y, p) == pytest.approx(np.corrcoef(y, p)[0, 1])
    assert spearman(y, p) == pytest.approx(stats.spearmanr(y, p)[0])
    assert r_squared(y, y) == 1.0
    assert r_squared(y, np.full_like(y, y.mean())) == pytest.approx(0.0)
    assert r_squared(y, p) == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))


def test_score_is_per_structure_time_and_type_and_pooled():
    rng = np.random.default_rng(2)
    types = np.array([0] * 50 + [1] * 10)
    y = rng.normal(size=(3, 2, 60))
    p = y.copy()
    p[:, :, types == 1] = rng.normal(size=(3, 2, 10))  # type 1 unpredictable
    s = score(y, p, types)
    assert s.shape == (3, 2, 2)
    np.testing.assert_allclose(s[..., 0], 1.0)
    assert np.all(np.abs(s[..., 1]) < 0.9)
    pooled = pooled_score(y, p, types)
    assert pooled.shape == (2, 2)
    np.testing.assert_allclose(pooled[:, 0], 1.0)
    flat = pearson(y[:, 1][:, types == 1].ravel(), p[:, 1][:, types == 1].ravel())
    assert pooled[1, 1] == pytest.approx(flat)


def test_noise_ceiling_of_identical_halves_is_one():
    rng = np.random.default_rng(3)
    replicas = np.repeat(rng.normal(size=(1, 2, 100)), 8, axis=0)
    r = split_half_correlation(replicas, np.zeros(100, int), n_splits=4)
    np.testing.assert_allclose(r, 1.0)
    np.testing.assert_allclose(noise_ceiling(r), 1.0)


def test_noise_ceiling_is_the_best_reachable_correlation():
    rng = np.random.default_rng(4)
    n, n_r, noise = 20000, 16, 2.0
    truth = rng.normal(size=n)  # the infinite-replica propensity: a perfect model predicts it
    replicas = truth[None, None] + rng.normal(0, noise, (n_r, 1, n))
    label = replicas.mean(axis=0)[0]
    ceiling = noise_ceiling(split_half_correlation(replicas, np.zeros(n, int), n_splits=4))[0, 0]
    expected = np.sqrt(1 / (1 + noise**2 / n_r))
    assert ceiling == pytest.approx(expected, abs=0.01)
    assert pearson(truth, label) == pytest.approx(ceiling, abs=0.01)


# -- chi_4 ------------------------------------------------------------------------------------
def test_chi4_of_independent_labels_is_the_single_particle_variance():
    rng = np.random.default_rng(5)
    variance, n_particles = 0.25, 400
    values = rng.normal(0.5, np.sqrt(variance), (3000, n_particles))
    # N times the variance of the structure mean = the variance of one label (no correlations).
    assert chi4(values) == pytest.approx(variance, rel=0.06)
    assert chi4(values) == pytest.approx(n_particles * values.mean(axis=1).var(), rel=1e-12)
    # Correlated labels (one shared value per structure) give N times more.
    shared = np.repeat(rng.normal(0, np.sqrt(variance), (3000, 1)), n_particles, axis=1)
    assert chi4(shared) == pytest.approx(variance * n_particles, rel=0.06)


def test_overlap_steps_down_at_a():
    w = overlap(np.array([0.0, 0.44, 2.0]))
    np.testing.assert_allclose(w, [1.0, 0.5, 0.0], atol=1e-3)


# -- S_4 --------------------------------------------------------------------------------------
def _field_on_lattice(n, length, spectrum, rng, random_amplitude):
    """A real field on an n x n lattice whose discrete power spectrum is ``spectrum(|q|)``."""
    k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
    q = np.hypot(*np.meshgrid(k, k, indexing="ij"))
    white = np.fft.fft2(rng.normal(size=(n, n)))
    phase = white / (np.abs(white) if not random_amplitude else n)
    field = np.fft.ifft2(np.sqrt(spectrum(q) * n * n) * phase).real
    sites = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2) * (length / n)
    return sites, field.ravel()


def test_s4_recovers_a_known_correlation_length():
    rng = np.random.default_rng(6)
    chi, xi, a = 3.0, 6.0, 0.4
    oz = lambda q: chi / (1 + (q * xi) ** 2)  # noqa: E731
    sites, values = _field_on_lattice(128, 128.0, oz, rng, random_amplitude=False)
    s4 = FourPointStructureFactor(q_max=1.5, n_bins=50).compute(sites, values, [128.0, 128.0], mean=0.0)
    fit = fit_s4(s4.wavenumbers, s4.s4, form="ornstein_zernike", counts=s4.counts)
    assert fit["xi"] == pytest.approx(xi, rel=0.05)
    assert fit["chi"] == pytest.approx(chi, rel=0.05)
    cubic = lambda q: chi / (1 + (q * xi) ** 2 + a * (q * xi) ** 3)  # noqa: E731
    sites, values = _field_on_lattice(128, 128.0, cubic, rng, random_amplitude=False)
    s4 = FourPointStructureFactor(q_max=1.5, n_bins=50).compute(sites, values, [128.0, 128.0], mean=0.0)
    fit = fit_s4(s4.wavenumbers, s4.s4, form="cubic", counts=s4.counts)
    assert fit["xi"] == pytest.approx(xi, rel=0.05)
    assert fit["A"] == pytest.approx(a, rel=0.05)


def test_s4_of_a_gaussian_random_field_averaged_over_structures():
    rng = np.random.default_rng(7)
    xi = 3.0
    oz = lambda q: 2.0 / (1 + (q * xi) ** 2)  # noqa: E731
    s4 = FourPointStructureFactor(q_max=2.0, n_bins=40)
    for _ in range(40):
        sites, values = _field_on_lattice(64, 64.0, oz, rng, random_amplitude=True)
        s4.compute(sites, values, [64.0, 64.0], mean=0.0)
    assert fit_s4(s4.wavenumbers, s4.s4, counts=s4.counts)["xi"] == pytest.approx(xi, rel=0.05)


def test_s4_of_independent_labels_is_flat_at_their_variance():
    rng = np.random.default_rng(8)
    s4 = FourPointStructureFactor(q_max=3.0, n_bins=10)
    for _ in range(20):
        x = rng.uniform(0, 20.0, (2000, 3))
        s4.compute(x, rng.normal(0, 0.5, 2000), [20.0] * 3, mean=0.0)
    np.testing.assert_allclose(s4.s4[s4.counts > 20], 0.25, rtol=0.15)


def test_s4_subtracts_the_ensemble_mean_not_each_structures_own():
    rng = np.random.default_rng(10)
    box = [12.0, 12.0]
    sets = [(rng.uniform(0, 12.0, (300, 2)), rng.normal(1.0 + 0.3 * k, 0.2, (2, 300))) for k in range(6)]
    ensemble = np.mean([v.mean(axis=1) for _, v in sets], axis=0)
    default, fixed, own = (FourPointStructureFactor(q_max=2.0, n_bins=8) for _ in range(3))
    for x, v in sets:
        default.compute(x, v, box)
        fixed.compute(x, v, box, mean=ensemble)
        own.compute(x, v - v.mean(axis=1, keepdims=True), box, mean=0.0)
    np.testing.assert_allclose(default.s4, fixed.s4, rtol=1e-10)
    # The structures' means differ by 0.3 per structure: the lowest-q bins, which see
    # the fluctuations of the mean, lie above per-structure centring.
    assert np.all(default.s4[:, 0] > own.s4[:, 0])
    with pytest.raises(ValueError, match="mean="):
        default.compute(*sets[0], box, mean=ensemble)


def test_dynamic_heterogeneity_recovers_a_known_correlation_length():
    # Gaussian fields of OZ spectrum chi / (1 + (q xi)^2) about a mean of 0.5: chi_4 (the
    # variance of the structure means) -> S_4(q -> 0) = chi, and the OZ fit of S_4 -> xi.
    rng = np.random.default_rng(11)
    chi, xi = 2.0, 3.0
    oz = lambda q: chi / (1 + (q * xi) ** 2)  # noqa: E731
    dh = DynamicHeterogeneity(q_max=2.0, n_q_bins=40, oz_q_range=(0.0, 2.0), g4_r_max=None, chord_spacing=None)
    for _ in range(300):
        sites, values = _field_on_lattice(48, 48.0, oz, rng, random_amplitude=True)
        dh.compute(sites, 0.5 + np.stack([values, 2 * values]), [48.0, 48.0])
    result = dh.result()
    (chi4, chi4_error), (xi4, xi4_error) = result["chi4"], result["xi4"]
    assert abs(chi4[0] - chi) < 3 * chi4_error[0] and chi4_error[0] < 0.15 * chi
    assert chi4[1] == pytest.approx(4 * chi4[0], rel=1e-9)  # twice the field, four times chi_4
    np.testing.assert_allclose(xi4, xi, rtol=0.05)
    assert np.all(xi4_error < 0.05 * xi) and np.all(np.abs(xi4 - xi) < 4 * xi4_error)
    np.testing.assert_allclose(result["chi4_oz"][0], [chi, 4 * chi], rtol=0.05)
    np.testing.assert_allclose(result["mean_label"][0], 0.5, atol=0.01)


def test_dynamic_heterogeneity_jackknife_matches_brute_force_leave_one_out():
    rng = np.random.default_rng(12)
    box = np.array([14.0, 14.0])
    ensemble = [(rng.uniform(0, 14.0, (400, 2)), rng.normal(0.4 + 0.1 * rng.normal(), 0.3, (3, 400)))
                for _ in range(7)]
    dh = DynamicHeterogeneity(q_max=2.5, n_q_bins=12, oz_q_range=(0.0, 2.5), cubic_q_range=(0.4, 2.5), g4_r_max=4.0,
                              g4_bins=8, chord_spacing=1.0, jackknife_blocks=50)
    for x, v in ensemble:
        dh.compute(x, v, box)
    result = dh.result()

    def brute(subset):
        s4 = FourPointStructureFactor(q_max=2.5, n_bins=12)
        for x, v in subset:
            s4.compute(x, v, box)
        mean = np.mean([v.mean(axis=1) for _, v in subset], axis=0)
        g4 = np.mean([[four_point_correlation(x, vt, box, 4.0, 8, mean=m)[1] for vt, m in zip(v, mean)]
                      for x, v in subset], axis=0)
        return {"chi4": chi4(np.stack([v for _, v in subset])), "S4": s4.s4, "G4": g4,
                "chord_length": np.mean([[average_chord_length(x, vt, box, 1.0) for vt in v] for x, v in subset], axis=0)}

    full = brute(ensemble)
    leave_one_out = [brute(ensemble[:k] + ensemble[k + 1:]) for k in range(len(ensemble))]
    for key in ("chi4", "S4", "G4", "chord_length"):
        np.testing.assert_allclose(result[key][0], full[key], rtol=1e-9, atol=1e-12, err_msg=key)
        np.testing.assert_allclose(result[key][1], jackknife_error([e[key] for e in leave_one_out]), rtol=1e-8,
                                   err_msg=key)
    # the mean's jackknife error is its standard error
    means = np.stack([v.mean(axis=1) for _, v in ensemble])
    np.testing.assert_allclose(result["mean_label"][1], means.std(axis=0, ddof=1) / np.sqrt(len(ensemble)), rtol=1e-9)
    # fewer blocks than structures: contiguous blocks, still a finite error
    few = DynamicHeterogeneity(q_max=2.5, n_q_bins=12, g4_r_max=None, chord_spacing=None, jackknife_blocks=3)
    for x, v in ensemble:
        few.compute(x, v, box)
    assert np.all(np.isfinite(few.result()["chi4"][1]))


def test_a_length_the_q_range_does_not_resolve_is_nan():
    from glassdyn.analysis.heterogeneity import _safe_fit

    q = np.linspace(0.2, 0.6, 12)
    counts = np.full_like(q, 50.0)
    resolved = _safe_fit(q, ornstein_zernike(q, 2.0, 3.0), counts, (0.0, 0.6), "ornstein_zernike")
    assert resolved["xi"] == pytest.approx(3.0, rel=1e-6)
    # xi = 50 in a range q >= 0.2: every bin in the q^-2 tail, only chi / xi^2 is fixed
    assert np.isnan(_safe_fit(q, ornstein_zernike(q, 2.0, 50.0), counts, (0.0, 0.6), "ornstein_zernike")["xi"])
    # xi = 0.1 up to q = 0.6: S_4 flat to 0.4 %
    assert np.isnan(_safe_fit(q, ornstein_zernike(q, 2.0, 0.1), counts, (0.0, 0.6), "ornstein_zernike")["xi"])
    # A needs q xi >= 1 somewhere: xi = 1.2 reaches 0.72 only
    assert np.isnan(_safe_fit(q, cubic_ornstein_zernike(q, 2.0, 1.2, 0.5), counts, (0.0, 0.6), "cubic", xi=1.2)["A"])
    assert _safe_fit(q, cubic_ornstein_zernike(q, 2.0, 3.0, 0.5), counts, (0.0, 0.6), "cubic", xi=3.0)["A"] == \
        pytest.approx(0.5, rel=1e-6)


def test_cubic_fit_with_the_length_fixed():
    q = np.linspace(0.05, 1.0, 30)
    s4 = cubic_ornstein_zernike(q, 3.0, 5.0, 0.7)
    fit = fit_s4(q, s4, (0.2, 0.6), form="cubic", xi=5.0)
    assert fit == pytest.approx({"chi": 3.0, "xi": 5.0, "A": 0.7}, rel=1e-6)


@pytest.mark.parametrize("box", [[5.0, 6.5], [5.0, 6.0, 7.0]])
def test_fourier_amplitudes_match_the_direct_sum(box):
    rng = np.random.default_rng(9)
    box = np.array(box)
    x = rng.uniform(0, 1, (40, len(box))) * box
    w = rng.normal(size=40)
    amplitudes, q = _fourier_amplitudes(x, w, box, 3.0)
    grid, q_ref, _ = _wave_vectors(box, 3.0)
    direct = np.array([np.sum(w * np.exp(1j * x @ (2 * np.pi * g / box))) for g in grid])
    np.testing.assert_allclose(amplitudes[0], direct, atol=1e-10)
    np.testing.assert_allclose(q, q_ref)
    # Half space: no wave vector appears together with its opposite.
    keys = {tuple(g) for g in grid}
    assert not any(tuple(-g) in keys for g in grid)


def test_g4_matches_a_pair_loop():
    rng = np.random.default_rng(10)
    box = np.array([8.0, 9.0])
    x = rng.uniform(0, 1, (300, 2)) * box
    v = np.sin(x[:, 0])
    r, g4 = four_point_correlation(x, v, box, r_max=3.0, n_bins=6)
    dv = v - v.mean()
    d = x[None] - x[:, None]
    d -= box * np.round(d / box)
    dist = np.linalg.norm(d, axis=-1)
    edges = np.linspace(0, 3.0, 7)
    ref = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (dist > lo) & (dist <= hi)
        np.fill_diagonal(m, False)
        ref.append(np.prod(box) / 300 * (dv[:, None] * dv[None])[m].sum() / (np.pi * (hi**2 - lo**2)))
    np.testing.assert_allclose(g4, ref, rtol=1e-10, atol=1e-12)


# -- chord length -----------------------------------------------------------------------------
def test_chord_length_of_a_half_mobile_stripe():
    # 10 x 10 particles, one per lattice site; the left half (x < 5) is mobile (low C_B).
    sites = (np.stack(np.meshgrid(np.arange(10), np.arange(10), indexing="ij"), -1).reshape(-1, 2) + 0.5)
    cb = np.where(sites[:, 0] < 5, 0.2, 0.9) + 1e-3 * np.arange(100) / 100  # break ties at the median
    # Rows (along x): ten chords of 5. Columns (along y): five full columns, chords of 10.
    assert average_chord_length(sites, cb, [10.0, 10.0], spacing=1.0) == pytest.approx((10 * 5 + 5 * 10) / 15)
    # For displacements, mobile means high: the other half, same geometry.
    assert average_chord_length(sites, 1 - cb, [10.0, 10.0], mobile="high") == pytest.approx((10 * 5 + 5 * 10) / 15)


def test_chord_runs_wrap_around_the_box():
    sites = np.stack(np.meshgrid(np.arange(8), np.arange(8), indexing="ij"), -1).reshape(-1, 2) + 0.5
    # Mobile: x in {6, 7, 0} (a stripe across the boundary), plus x = 3: chords 3 and 1 per row.
    mobile = np.isin(sites[:, 0] - 0.5, [6, 7, 0, 3])
    cb = np.where(mobile, 0.1, 0.9) + 1e-6 * np.arange(64)
    lengths_mean = average_chord_length(sites, cb, [8.0, 8.0])
    # rows: 8 x (3, 1); columns: 4 full mobile columns of 8.
    assert lengths_mean == pytest.approx((8 * 3 + 8 * 1 + 4 * 8) / (16 + 4))


# -- summary ----------------------------------------------------------------------------------
def test_summary_averages_structures():
    rng = np.random.default_rng(11)
    types = np.array([0] * 8 + [1] * 2)
    t = np.geomspace(0.1, 100, 12)
    labs = []
    for s in range(5):
        fs = np.broadcast_to(np.exp(-t / 10.0)[:, None, None], (12, 2, 1)).copy()
        cb = np.broadcast_to(np.exp(-t / 20.0 * np.log(2))[:, None], (12, 10)) + rng.normal(0, 1e-3, (12, 10))
        labs.append(Labels(
            positions=rng.uniform(0, 5, (10, 3)), types=types, box=np.full(3, 5.0), times=t,
            propensity=rng.uniform(0, 1, (12, 10)), bond_breaking=cb, wavenumbers=np.array([6.28]),
            self_intermediate_scattering=fs, split_half_correlation=np.full((2, 12, 2), 0.5),
            metadata={"n_replicas": 8},
        ))
    summary = summarize_labels(labs)
    np.testing.assert_allclose(summary.tau_alpha[:, 0], 10.0, rtol=1e-6)
    np.testing.assert_allclose(summary.tau_alpha_bond_breaking, 20.0, rtol=0.01)
    np.testing.assert_allclose(summary.noise_ceiling, np.sqrt(2 * 0.5 / 1.5))
    assert summary.chi4_propensity.shape == (12, 2)
    assert summary.metadata["n_structures"] == 5
    labs[2].times = t * 2
    with pytest.raises(ValueError, match="time grid"):
        summarize_labels(labs)


def test_time_averaged_self_scattering_of_brownian_particles():
    """Independent Gaussian steps of variance s^2 per axis: phi_s(lag) = exp(-q^2 s^2 lag / 2)."""
    rng = np.random.default_rng(4)
    n_frames, n, s = 300, 3000, 0.1
    positions = np.cumsum(rng.normal(0.0, s, (n_frames, n, 2)), axis=0)
    positions += rng.uniform(0, 10, (1, n, 2))  # the origin of each particle must not matter
    q = np.array([3.0, 0.0])
    phi = time_averaged_self_scattering(positions, np.zeros(n, dtype=int), q, max_lag=40)
    expected = np.exp(-0.5 * q[0] ** 2 * s**2 * np.arange(41))
    np.testing.assert_allclose(phi[:, 0], expected, atol=0.01)
    assert phi[0, 0] == pytest.approx(1.0)


def test_time_averaged_self_scattering_groups_by_type_at_the_time_origin():
    """A particle counts for the type it has at the time origin (swap Monte Carlo changes types)."""
    # particle 0 still; 1 and 2 move in opposite directions (centre of mass fixed) between
    # frames 1 and 2 by a quarter wavelength (cos = 0); particles 0 and 1 swap types at frame 2
    move = np.array([0.0, 0.0, 1.0, 1.0])
    positions = np.stack([np.zeros(4), move, -move], axis=1)[:, :, None]
    types = np.array([[0, 1, 1], [0, 1, 1], [1, 0, 1], [1, 0, 1]])
    phi = time_averaged_self_scattering(positions, types, np.array([np.pi / 2]), n_types=2, max_lag=1)
    # lag 1, origins 0, 1, 2: type 0 is particle 0, 0, 1 (all still at those origins) -> 1;
    # type 1 is particles (1, 2), (1, 2), (0, 2): (1, 1), (0, 0), (1, 1) -> 2/3
    np.testing.assert_allclose(phi[1], [1.0, 2.0 / 3.0], atol=1e-12)
    np.testing.assert_allclose(phi[0], [1.0, 1.0])


def test_time_averaged_self_scattering_checks_shapes():
    with pytest.raises(ValueError, match="positions"):
        time_averaged_self_scattering(np.zeros((3, 2)), np.zeros(2, int), np.array([1.0]))
    with pytest.raises(ValueError, match="types"):
        time_averaged_self_scattering(np.zeros((3, 2, 1)), np.zeros((2, 2), int), np.array([1.0]))
    with pytest.raises(ValueError, match="wavevector"):
        time_averaged_self_scattering(np.zeros((3, 2, 1)), np.zeros(2, int), np.array([1.0, 0.0]))
