"""Averaged dynamics: self-intermediate scattering, relaxation times, time-temperature superposition.

- F_s(q, t) = <sin(q |dr|) / (q |dr|)> (3D) or <J_0(q |dr|)> (2D): the isotropic average of
  exp(i q . dr) over wave-vector directions, averaged over particles of one type, replicas
  and structures. It equals BOTAN eq. 9 averaged over directions and needs no choice of
  axes.
- phi_s(q, t) of one trajectory (GlassMLP PRL SM eq. 1): exp(-i q . dr) for one wave vector,
  averaged over particles of one type and over time origins along the trajectory
  (:func:`time_averaged_self_scattering`); it measures tau_alpha^SWAP and tells whether a
  swap Monte Carlo run is stationary.
- tau_alpha: F_s(q, tau_alpha) = 1/e (roadmap SI eq. 1); tau_alpha^BB: <C_B(tau)> = 0.5
  (GlassMLP PRL). Crossings are interpolated on log t with the curve linearised as a
  stretched exponential, log(-log f) linear in log t, which is exact for
  f = exp(-(t/tau)^beta) and therefore insensitive to a coarse log-spaced grid.
- Time-temperature superposition (tGlassMLP PRB App. A): curves at different T collapse on
  t / tau_alpha^BB; :class:`TimeTemperatureSuperposition` finds tau for curves that never
  reach the crossing by overlapping them with a reference master curve, and converts between
  a mean bond-breaking value and a time.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import optimize, special


def isotropic_scattering(q, distance, dimension: int) -> np.ndarray:
    """Direction average of exp(i q . r) at |r| = distance: sinc (3D) or J_0 (2D).

    q: scalar or (n_q,); distance: any shape; returns distance.shape + q.shape.
    """
    x = np.multiply.outer(np.asarray(distance, dtype=float), np.atleast_1d(np.asarray(q, dtype=float)))
    if dimension == 3:
        out = np.sinc(x / np.pi)  # numpy's sinc is sin(pi x) / (pi x)
    elif dimension == 2:
        out = special.j0(x)
    else:
        raise ValueError(f"dimension must be 2 or 3, got {dimension}")
    return out if np.ndim(q) else out[..., 0]


def self_intermediate_scattering(displacement, types, q, dimension: int, n_types: int | None = None) -> np.ndarray:
    """F_s(q, t) per particle type from displacement magnitudes.

    displacement: (N_R, n_t, N) |r_i^k(t) - r_i(0)| (sigma_11); types: (N,) 0-based;
    q: (n_q,) wavenumbers (1/sigma_11). Returns (n_t, n_types, n_q), averaged over replicas and
    the particles of each type (NaN for a type with no particles).
    """
    displacement = np.asarray(displacement, dtype=float)
    types = np.asarray(types)
    q = np.atleast_1d(np.asarray(q, dtype=float))
    n_types = int(types.max()) + 1 if n_types is None else n_types
    out = np.full((displacement.shape[1], n_types, len(q)), np.nan)
    for a in range(n_types):
        sel = types == a
        if sel.any():
            out[:, a] = isotropic_scattering(q, displacement[:, :, sel], dimension).mean(axis=(0, 2))
    return out


@numba.njit(cache=True)
def _origin_averaged_correlation(cos_phase, sin_phase, types, n_types, max_lag):
    # sum over origins t0 and particles i of type a at t0 of cos(phase_i(t0 + lag) - phase_i(t0))
    n_frames, n = cos_phase.shape
    total = np.zeros((max_lag + 1, n_types))
    count = np.zeros((max_lag + 1, n_types))
    for lag in range(max_lag + 1):
        for t0 in range(n_frames - lag):
            for i in range(n):
                a = types[t0, i]
                total[lag, a] += cos_phase[t0 + lag, i] * cos_phase[t0, i] + sin_phase[t0 + lag, i] * sin_phase[t0, i]
                count[lag, a] += 1.0
    return total, count


def time_averaged_self_scattering(positions, types, wavevector, n_types: int | None = None,
                                  max_lag: int | None = None) -> np.ndarray:
    """phi_s(t) of one trajectory, GlassMLP PRL SM eq. 1, per particle type.

    phi_s(lag) = < N_a^-1 sum_{i in a} exp(-i q . [r_i(t0 + lag) - r_i(t0)]) >_{t0}, real part,
    averaged over all time origins t0 of the trajectory.

    positions: (F, N, d) unwrapped positions at F equally spaced times (sigma_11); only their
    projection on q matters, so d may be 1 with a 1-component ``wavevector``.
    types: (F, N) type of every particle at every frame (swap Monte Carlo changes them;
    a particle counts for its type at the time origin) or (N,). wavevector: (d,), 1/sigma_11.
    Returns (max_lag + 1, n_types) for lags 0 ... max_lag frames (default F // 2, so that
    every lag averages over at least half the trajectory); NaN for a type never present.
    The centre-of-mass displacement is removed first.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 3:
        raise ValueError(f"positions must have shape (F, N, d), got {positions.shape}")
    n_frames, n = positions.shape[:2]
    types = np.asarray(types)
    types = np.broadcast_to(types, (n_frames, n)) if types.ndim == 1 else types
    if types.shape != (n_frames, n):
        raise ValueError(f"types must have shape ({n_frames}, {n}) or ({n},), got {types.shape}")
    q = np.asarray(wavevector, dtype=float)
    if q.shape != positions.shape[2:]:
        raise ValueError(f"wavevector must have shape {positions.shape[2:]}, got {q.shape}")
    max_lag = n_frames // 2 if max_lag is None else int(max_lag)
    if not 0 <= max_lag < n_frames:
        raise ValueError(f"max_lag must lie in 0 ... {n_frames - 1}, got {max_lag}")
    n_types = int(types.max()) + 1 if n_types is None else int(n_types)
    phase = (positions - positions.mean(axis=1, keepdims=True)) @ q
    total, count = _origin_averaged_correlation(
        np.cos(phase), np.sin(phase), np.ascontiguousarray(types, dtype=np.int64), n_types, max_lag
    )
    with np.errstate(invalid="ignore"):
        return total / count


def crossing_time(times, values, level: float) -> float:
    """First time a decaying curve falls to ``level``; NaN if it never does on the grid.

    The two grid points bracketing the crossing are interpolated with log(-log f) linear in
    log t (exact for a stretched exponential); values at or above 1 before the bracket
    are handled by linear interpolation on log t instead. A crossing between t = 0 and the
    first positive time (a linear grid from 0, as trajectory files often are) is placed on
    the stretched exponential through the next two points (exact again), or, where those do
    not bracket it, by linear interpolation in t. A grid whose first point (t > 0) is already
    below ``level`` gives NaN: the crossing is before the data.
    """
    t = np.asarray(times, dtype=float)
    f = np.asarray(values, dtype=float)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    below = np.flatnonzero(f <= level)
    if len(below) == 0:
        return float("nan")
    k = below[0]
    if k == 0:
        return float(t[0]) if f[0] == level else float("nan")
    t0, t1, f0, f1 = t[k - 1], t[k], f[k - 1], f[k]
    if t0 <= 0:
        # log t cannot reach t = 0: extrapolate the stretched exponential of the next interval
        if k + 1 < len(t) and 0 < f1 < 1 and 0 < f[k + 1] < 1 and f[k + 1] != f1:
            t2, f2 = t[k + 1], f[k + 1]
            y1, y2, y = np.log(-np.log(f1)), np.log(-np.log(f2)), np.log(-np.log(level))
            crossing = float(np.exp(np.log(t1) + (y - y1) * (np.log(t2) - np.log(t1)) / (y2 - y1)))
            if t0 < crossing <= t1:
                return crossing
        return float(t0 + (level - f0) * (t1 - t0) / (f1 - f0))
    if 0 < f0 < 1 and 0 < f1 < 1:
        y0, y1, y = np.log(-np.log(f0)), np.log(-np.log(f1)), np.log(-np.log(level))
    else:
        y0, y1, y = f0, f1, level
    x = np.log(t0) + (y - y0) * (np.log(t1) - np.log(t0)) / (y1 - y0)
    return float(np.exp(x))


def relaxation_time(times, f_s, level: float = np.exp(-1)) -> np.ndarray:
    """tau_alpha from F_s(q, t) = 1/e along the first axis; f_s: (n_t, ...) -> (...)."""
    f_s = np.asarray(f_s, dtype=float)
    flat = f_s.reshape(len(f_s), -1)
    tau = np.array([crossing_time(times, flat[:, k], level) for k in range(flat.shape[1])])
    return tau.reshape(f_s.shape[1:])


def double_stretched_exponential(t, tau_fast, beta_fast, plateau, tau_alpha, beta):
    """(1 - plateau) exp(-(t/tau_fast)^beta_fast) + plateau exp(-(t/tau_alpha)^beta)."""
    t = np.asarray(t, dtype=float)
    return (1 - plateau) * np.exp(-((t / tau_fast) ** beta_fast)) + plateau * np.exp(-((t / tau_alpha) ** beta))


def fit_double_stretched_exponential(times, values) -> dict:
    """Fit F_s(t) with a fast (vibrational) and a slow (alpha) stretched exponential.

    This is how BOTAN (Shiba et al. 2023, Sec. III) quotes tau_alpha: the time of the slow
    decay, which exceeds the 1/e crossing by the plateau height's worth (F_s(tau_alpha) is
    about plateau/e). Needs a grid that resolves both decays; returns tau_alpha, beta,
    plateau, tau_fast, beta_fast, or NaNs when the fit fails or the curve has not decayed.
    """
    t = np.asarray(times, dtype=float)
    f = np.asarray(values, dtype=float)
    nan = dict.fromkeys(("tau_alpha", "beta", "plateau", "tau_fast", "beta_fast"), float("nan"))
    if len(t) < 6 or f.min() > 0.3 or not np.all(np.isfinite(f)):
        return nan
    t_e = crossing_time(t, f, np.exp(-1))
    p0 = (max(t[0], 0.05 * t_e), 1.5, 0.8, t_e, 0.8)
    lower = (1e-6, 0.5, 0.0, 1e-6, 0.2)
    upper = (t_e, 2.5, 1.0, 1e3 * t[-1], 1.0)
    try:
        popt, _ = optimize.curve_fit(double_stretched_exponential, t, f, p0=p0, bounds=(lower, upper), maxfev=50000)
    except (RuntimeError, ValueError):
        return nan
    return dict(zip(("tau_fast", "beta_fast", "plateau", "tau_alpha", "beta"), map(float, popt)))


class TimeTemperatureSuperposition:
    """Master curve of a decaying correlation against t / tau (tGlassMLP PRB App. A).

    ``fit(reference_times, reference_values, level)`` sets the reference curve (one that
    crosses ``level``; its tau is the crossing time). ``tau_from_overlap`` finds tau of a
    curve that may not reach the level, by least squares against the master curve on the
    overlapping range. ``time_from_value`` / ``value_from_time`` convert between a mean
    correlation (e.g. <C_B>) and a time at a state point with known tau.
    """

    def __init__(self, level: float = 0.5):
        self.level = level

    def fit(self, times, values):
        t = np.asarray(times, dtype=float)
        v = np.asarray(values, dtype=float)
        self.tau_ = crossing_time(t, v, self.level)
        if not np.isfinite(self.tau_):
            raise ValueError(f"the reference curve never falls to {self.level}; use a longer or hotter run")
        order = np.argsort(t)
        self.log_scaled_time_ = np.log(t[order] / self.tau_)
        self.values_ = v[order]
        return self

    def value_from_time(self, t, tau: float) -> np.ndarray:
        """Master-curve value at time t for a state point with relaxation time tau."""
        return np.interp(np.log(np.asarray(t, dtype=float) / tau), self.log_scaled_time_, self.values_)

    def time_from_value(self, value, tau: float) -> np.ndarray:
        """Time at which the master curve (scaled by tau) takes ``value`` (monotone decay)."""
        v = self.values_
        monotone = np.minimum.accumulate(v)  # guard against noise: use the running minimum
        x = np.interp(-np.asarray(value, dtype=float), -monotone, self.log_scaled_time_)
        return tau * np.exp(x)

    def tau_from_overlap(self, times, values) -> float:
        """tau of a curve from its best overlap with the master curve (log tau least squares)."""
        t = np.asarray(times, dtype=float)
        v = np.asarray(values, dtype=float)
        lo, hi = self.log_scaled_time_[0], self.log_scaled_time_[-1]

        def cost(log_tau):
            x = np.log(t) - log_tau
            inside = (x >= lo) & (x <= hi)
            if inside.sum() < 2:
                return 1e6 + abs(log_tau)
            return float(np.mean((np.interp(x[inside], self.log_scaled_time_, self.values_) - v[inside]) ** 2))

        center = np.log(t).mean() - 0.5 * (lo + hi)
        grid = np.linspace(center - 20, center + 20, 801)
        start = grid[np.argmin([cost(g) for g in grid])]
        res = optimize.minimize_scalar(cost, bounds=(start - 0.1, start + 0.1), method="bounded")
        return float(np.exp(res.x))


class TemperatureTimeMap:
    """Time <-> mean correlation at any temperature (tGlassMLP PRB Sec. II.A, App. A).

    ``fit(curves)`` collapses the mean curves {T: (times, values)} of the simulated
    temperatures on t / tau(T): the hottest curve that crosses ``level`` is the reference;
    every other curve, coldest last, gets tau from its crossing when it has one, else from
    its best overlap with the master curve built so far (App. A: "by maximizing the overlap
    between the curves"), and joins the master curve. tau at other temperatures comes from
    an Arrhenius fit tau = tau_0 exp(E / T) over the fitted temperatures T <=
    ``arrhenius_max_temperature`` (PRB: Arrhenius for T <= 0.25, extrapolated to T_g = 0.15;
    default every fitted temperature), the curve itself is assumed to keep its shape (TTS).

    After ``fit``: ``taus_`` {T: tau}, ``tau_sources_`` {T: "crossing" or "overlap"},
    ``tau_0_``, ``energy_`` (Arrhenius, epsilon), ``log_scaled_time_`` and ``values_`` (the
    master curve on log(t / tau), sorted, the values made non-increasing).
    """

    def __init__(self, level: float = 0.5, arrhenius_max_temperature: float | None = None):
        self.level = level
        self.arrhenius_max_temperature = arrhenius_max_temperature

    def fit(self, curves: dict):
        curves = {float(T): (np.asarray(t, dtype=float), np.asarray(v, dtype=float)) for T, (t, v) in curves.items()}
        if not curves:
            raise ValueError("no curves to superpose")
        crossing = {T: crossing_time(t, v, self.level) for T, (t, v) in curves.items()}
        crossing_ts = [T for T, tau in crossing.items() if np.isfinite(tau)]
        if not crossing_ts:
            raise ValueError(f"no curve falls to {self.level}; the master curve needs one that does")
        reference = max(crossing_ts)
        tts = TimeTemperatureSuperposition(self.level).fit(*curves[reference])
        self.taus_, self.tau_sources_ = {reference: tts.tau_}, {reference: "crossing"}
        x, y = list(tts.log_scaled_time_), list(tts.values_)
        for T in sorted(curves, reverse=True):
            if T == reference:
                continue
            t, v = curves[T]
            if np.isfinite(crossing[T]):
                tau, source = crossing[T], "crossing"
            else:
                tau, source = tts.tau_from_overlap(t, v), "overlap"
            self.taus_[T], self.tau_sources_[T] = float(tau), source
            x += list(np.log(t / tau))
            y += list(v)
            order = np.argsort(x, kind="stable")
            tts.log_scaled_time_, tts.values_ = np.asarray(x)[order], np.asarray(y)[order]
        self.log_scaled_time_ = tts.log_scaled_time_
        self.values_ = np.minimum.accumulate(tts.values_)
        fitted = sorted(T for T in self.taus_ if self.arrhenius_max_temperature is None
                        or T <= self.arrhenius_max_temperature + 1e-12)
        if len(fitted) >= 2:
            self.tau_0_, self.energy_ = arrhenius_fit(fitted, [self.taus_[T] for T in fitted])
        else:  # one temperature: no slope to extrapolate with
            self.tau_0_, self.energy_ = float("nan"), float("nan")
        self.arrhenius_temperatures_ = fitted
        return self

    def tau(self, temperature: float) -> float:
        """tau at ``temperature``: the fitted one, else the Arrhenius extrapolation."""
        T = float(temperature)
        for known, tau in self.taus_.items():
            if np.isclose(known, T, rtol=0, atol=1e-9):
                return float(tau)
        if not np.isfinite(self.energy_):
            raise ValueError(f"tau at T = {T:g}: the Arrhenius fit needs two fitted temperatures, "
                             f"has {self.arrhenius_temperatures_}")
        return float(self.tau_0_ * np.exp(self.energy_ / T))

    def time(self, temperature: float, value) -> np.ndarray:
        """Time(s) at which the mean correlation at ``temperature`` takes ``value``."""
        v = np.asarray(value, dtype=float)
        lo, hi = self.values_[-1], self.values_[0]
        if np.any((v < lo - 1e-12) | (v > hi + 1e-12)):
            raise ValueError(f"values {np.atleast_1d(v).tolist()} outside the master curve's range [{lo:.4g}, {hi:.4g}] "
                             "of the simulated times: extend the MD time grids or leave them out of mean_labels")
        x = np.interp(-v, -self.values_, self.log_scaled_time_)
        return self.tau(temperature) * np.exp(x)

    def value(self, temperature: float, times) -> np.ndarray:
        """Master-curve mean correlation at ``times`` and ``temperature``."""
        x = np.log(np.asarray(times, dtype=float) / self.tau(temperature))
        return np.interp(x, self.log_scaled_time_, self.values_)

    def to_dict(self) -> dict:
        """JSON-able state (what a model file keeps)."""
        return {"level": self.level, "arrhenius_max_temperature": self.arrhenius_max_temperature,
                "taus": {f"{T:g}": tau for T, tau in sorted(self.taus_.items())},
                "tau_sources": {f"{T:g}": s for T, s in sorted(self.tau_sources_.items())},
                "tau_0": self.tau_0_, "energy": self.energy_, "arrhenius_temperatures": self.arrhenius_temperatures_,
                "log_scaled_time": self.log_scaled_time_.tolist(), "values": self.values_.tolist()}

    @classmethod
    def from_dict(cls, state: dict) -> "TemperatureTimeMap":
        out = cls(state["level"], state["arrhenius_max_temperature"])
        out.taus_ = {float(T): float(v) for T, v in state["taus"].items()}
        out.tau_sources_ = dict(state["tau_sources"])
        out.tau_0_, out.energy_ = float(state["tau_0"]), float(state["energy"])
        out.arrhenius_temperatures_ = list(state["arrhenius_temperatures"])
        out.log_scaled_time_ = np.asarray(state["log_scaled_time"], dtype=float)
        out.values_ = np.asarray(state["values"], dtype=float)
        return out


def arrhenius_fit(temperatures, taus) -> tuple[float, float]:
    """Fit tau = tau_0 exp(E / T); returns (tau_0, E). Used to extrapolate tau to low T."""
    T = np.asarray(temperatures, dtype=float)
    slope, intercept = np.polyfit(1.0 / T, np.log(np.asarray(taus, dtype=float)), 1)
    return float(np.exp(intercept)), float(slope)
