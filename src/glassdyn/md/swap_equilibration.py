"""Equilibration with swap Monte Carlo: run swap + MD until stationary, measure tau_alpha^SWAP.

GlassMLP PRL, SM I A: swap + MD (a swap phase of ``n_swap`` attempts every ``n_md`` Nose-Hoover
steps) runs until the time-averaged self-intermediate scattering function of the swap dynamics,

    phi_s(t) = < N_1^-1 sum_{i in 1} exp(-i q . [R_i(t + T_w) - R_i(T_w)]) >,  q = (64 pi / L, 0),

no longer changes with the age T_w of the run; tau_alpha^SWAP is phi_s(tau) = 1/e, and
independent structures are then taken every 5 tau_alpha^SWAP.

How stationarity is decided
---------------------------
The run is cut into consecutive windows. In each, ``frames_per_window`` snapshots of the
positions (their projection on q) and types give phi_s over lags up to half the window,
averaged over all time origins inside it (:func:`~glassdyn.analysis.time_averaged_self_scattering`),
and its crossing tau_k. tau_alpha^SWAP is unknown at the start, so windows adapt: a window
whose phi_s has not decayed to 1/e is followed by one twice as long; otherwise the next is
``window_tau`` tau_k long (so that ~10 frames resolve tau).

The run is stationary when two consecutive windows after the first (which holds the transient
after the quench), each at least ``window_tau`` / 2 times its own tau long (so that phi_s is
averaged over many tau), give the same tau: they differ by at most ``tolerance`` tau plus twice
their combined sampling error. An aging run has tau growing from window to window. Each window
estimates its sampling error from the spread of tau over 8 blocks of particles: small systems
have noisy windows, while aging shifts all blocks alike, so the error does not hide it.
tau_alpha^SWAP is the mean of the two windows' tau. Type 1 decides (the paper reports type 1);
every type's tau is recorded.

Everything needed to judge the result afterwards (the per-window tau and mean potential
energy, the last window's phi_s, the swap statistics) goes into the structure's metadata.

Units: times tau = sigma_11 sqrt(m / epsilon_11), lengths sigma_11, energies epsilon_11.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np

from glassdyn.analysis.dynamics import crossing_time, time_averaged_self_scattering
from glassdyn.md._progress import Progress
from glassdyn.md.checkpoint import Checkpoint
from glassdyn.md.simulation import Simulation
from glassdyn.md.swap import SwapMonteCarlo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SwapProtocol:
    """Swap + MD at one temperature (defaults: GlassMLP PRL SM I).

    temperature: T of the thermostat and of the Metropolis criterion (epsilon_11)
    timestep: MD time step (PRL 0.01)
    thermostat_damping: Nose-Hoover relaxation time (tau)
    n_md: MD steps between swap phases (PRL 10)
    n_swap: attempts per swap phase (PRL 2100 for N = 1290)
    wavenumber: |q| of phi_s (1/sigma_11), rounded to the nearest 2 pi n / L_x along x (PRL:
        n = 32 for L = 32.896, q = 64 pi / L = 6.11; the same |q| at every system size)
    frames_per_window: snapshots per stationarity window
    initial_window: length of the first window (tau)
    window_tau: windows are planned this many tau_alpha^SWAP long (of the previous window); a
        window counts for stationarity if it spans at least half as many of its own tau
    tolerance: largest relative change of tau between two windows of a stationary run (on top of
        twice the windows' combined sampling error)
    max_windows: give up (error) after this many windows
    """

    temperature: float
    timestep: float = 0.01
    thermostat_damping: float = 1.0
    n_md: int = 10
    n_swap: int = 2100
    wavenumber: float = 64 * np.pi / 32.896
    frames_per_window: int = 200
    initial_window: float = 50.0
    window_tau: float = 20.0
    tolerance: float = 0.1
    max_windows: int = 16

    def __post_init__(self):
        if not (self.temperature > 0 and self.timestep > 0 and self.thermostat_damping > 0):
            raise ValueError("temperature, timestep and thermostat_damping must be positive")
        if self.n_md < 1 or self.n_swap < 0 or not self.wavenumber > 0 or self.frames_per_window < 4:
            raise ValueError("need n_md >= 1, n_swap >= 0, wavenumber > 0, frames_per_window >= 4")
        if not (self.initial_window > 0 and self.window_tau >= 2 and 0 < self.tolerance < 1 and self.max_windows >= 2):
            raise ValueError("need initial_window > 0, window_tau >= 2, 0 < tolerance < 1, max_windows >= 2")

    @property
    def cycle_time(self) -> float:
        """Time of one cycle, n_md MD steps (tau)."""
        return self.n_md * self.timestep

    def cycles(self, time: float) -> int:
        """Whole cycles in ``time`` (at least one)."""
        return max(1, int(round(time / self.cycle_time)))

    def wavevector(self, box) -> np.ndarray:
        """q = (2 pi n / L_x, 0, ...) with n the nearest integer to wavenumber L_x / (2 pi), 1/sigma_11."""
        q = np.zeros(len(box))
        n = max(1, int(round(self.wavenumber * box[0] / (2.0 * np.pi))))
        q[0] = 2.0 * np.pi * n / box[0]
        return q


class NotStationaryError(RuntimeError):
    """Swap + MD did not become stationary within ``max_windows`` windows."""


@dataclass
class Window:
    """One stationarity window: start and length (tau), tau per type (NaN: not decayed), mean E_pot/N,
    and the standard error of type 1's tau from :data:`N_BLOCKS` blocks of particles (tau)."""

    start: float
    length: float
    tau: list
    potential_energy: float
    tau_error: float = float("nan")


#: particle blocks (index mod N_BLOCKS) whose spread gives the sampling error of a window's tau
N_BLOCKS = 8


@dataclass
class StationarityResult:
    """What :func:`equilibrate_with_swap` found.

    tau_alpha_swap: tau_alpha^SWAP of type 1 (tau); tau_alpha_swap_per_type: (n_types,) from the
    last window; windows: the history; times, phi_s: the last window's curve, (n_lag,) and
    (n_lag, n_types); duration: swap + MD time run (tau); wavevector: q of phi_s (1/sigma_11).
    """

    tau_alpha_swap: float
    tau_alpha_swap_per_type: np.ndarray
    windows: list = field(default_factory=list)
    times: np.ndarray | None = None
    phi_s: np.ndarray | None = None
    duration: float = 0.0
    wavevector: np.ndarray | None = None

    def metadata(self) -> dict:
        """Flat values for a structure's metadata (HDF5 attributes)."""
        return {
            "swap_phi_s_wavevector": np.asarray(self.wavevector, dtype=float),
            "tau_alpha_swap": float(self.tau_alpha_swap),
            "tau_alpha_swap_per_type": np.asarray(self.tau_alpha_swap_per_type, dtype=float),
            "swap_equilibration_time": float(self.duration),
            "swap_window_start": np.array([w.start for w in self.windows]),
            "swap_window_length": np.array([w.length for w in self.windows]),
            "swap_window_tau": np.array([w.tau[0] for w in self.windows]),
            "swap_window_tau_error": np.array([w.tau_error for w in self.windows]),
            "swap_window_potential_energy": np.array([w.potential_energy for w in self.windows]),
            "swap_phi_s_times": np.asarray(self.times, dtype=float),
            "swap_phi_s": np.asarray(self.phi_s, dtype=float),
        }


def set_swap_integrator(sim: Simulation, protocol: SwapProtocol) -> None:
    """Nose-Hoover NVT at the protocol's T (the MD half of swap + MD)."""
    t = protocol.temperature
    sim.set_integrator(f"nvt temp {t:.17g} {t:.17g} {protocol.thermostat_damping:.17g}")


def _state(sim: Simulation) -> dict:
    return {"positions": sim.positions(unwrapped=True), "velocities": sim.velocities(), "types": sim.types.copy()}


def restore_state(sim: Simulation, arrays: dict) -> None:
    """Positions, velocities and types from a checkpoint's arrays."""
    sim.set_positions(arrays["positions"])
    sim.set_velocities(arrays["velocities"])
    sim.set_types(np.asarray(arrays["types"], dtype=np.int64))


def _window_tau(protocol: SwapProtocol, frames, frame_types, frame_time: float, n_types: int, q_x: float):
    """phi_s of one window, its 1/e crossing per type (NaN: not decayed, -inf: decayed within one
    frame) and the standard error of type 1's crossing from blocks of particles."""
    q = np.array([q_x])
    phi = time_averaged_self_scattering(frames, frame_types, q, n_types)
    times = frame_time * np.arange(len(phi))

    def crossing(curve):
        if not np.isfinite(curve[1]):
            return float("nan")
        if curve[1] <= np.exp(-1.0):
            return -np.inf
        return crossing_time(times[1:], curve[1:], np.exp(-1.0))

    tau = [crossing(phi[:, a]) for a in range(n_types)]
    # Blocks of particles sample the same trajectory independently: their spread is the
    # sampling error of tau (group a * N_BLOCKS + b: type a at the origin, block b).
    block = np.arange(frames.shape[1]) % N_BLOCKS
    phi_blocks = time_averaged_self_scattering(frames, frame_types.astype(np.int64) * N_BLOCKS + block, q, n_types * N_BLOCKS)
    tau_blocks = np.array([crossing(phi_blocks[:, b]) for b in range(N_BLOCKS)])
    error = float(np.std(tau_blocks, ddof=1) / np.sqrt(N_BLOCKS)) if np.all(np.isfinite(tau_blocks)) else float("inf")
    return times, phi, tau, error


def equilibrate_with_swap(
    sim: Simulation,
    swap: SwapMonteCarlo,
    protocol: SwapProtocol,
    *,
    seed: int,
    checkpoint: Checkpoint | None = None,
) -> StationarityResult:
    """Run swap + MD on ``sim`` until phi_s is stationary (see the module docstring).

    ``sim`` holds the starting state (e.g. a quenched liquid); its integrator is set here.
    The swap attempts of window k use the random stream ``(seed, k, first cycle)``, so a run
    resumed from ``checkpoint`` (written every few windows' frames, with positions,
    velocities, types, the frames so far and the history) continues the same protocol.
    Raises :class:`NotStationaryError` after ``protocol.max_windows`` windows.
    """
    n_types = sim.mixture.n_types
    q_x = float(protocol.wavevector(sim.box)[0])
    windows: list[Window] = []
    window_cycles = protocol.cycles(protocol.initial_window)
    elapsed_cycles = 0
    resume = checkpoint.load() if checkpoint is not None else None
    frames = frame_types = energies = None
    done = 0
    if resume is not None:
        arrays, progress = resume
        restore_state(sim, arrays)
        windows = [Window(**w) for w in progress["windows"]]
        window_cycles, elapsed_cycles, done = progress["window_cycles"], progress["elapsed_cycles"], progress["done"]
        if len(arrays["frames"]):
            frames, frame_types, energies = arrays["frames"], arrays["frame_types"], list(arrays["energies"])
    set_swap_integrator(sim, protocol)

    while len(windows) < protocol.max_windows:
        k = len(windows)
        n_frames = protocol.frames_per_window
        stride = max(1, -(-window_cycles // (n_frames - 1)))  # rounded up: never shorter than asked
        window_cycles = stride * (n_frames - 1)
        if frames is None:
            frames = np.zeros((n_frames, sim.n_particles, 1))
            frame_types = np.zeros((n_frames, sim.n_particles), dtype=np.int8)
            energies = []
            frames[0, :, 0] = sim.positions(unwrapped=True)[:, 0]
            frame_types[0] = sim.types
            energies.append(sim.potential_energy())
        swap.rng = np.random.default_rng([seed, k, done])
        progress = Progress(f"swap + MD window {k + 1} ({window_cycles * protocol.cycle_time:g} tau)", window_cycles)
        while done < window_cycles:
            swap.run(sim, stride, protocol.n_md)
            done += stride
            f = done // stride
            frames[f, :, 0] = sim.positions(unwrapped=True)[:, 0]
            frame_types[f] = sim.types
            energies.append(sim.thermo("pe"))
            progress.update(done, f"E_pot/N = {energies[-1]:.5f}, swap acceptance {swap.accepts.sum() / max(swap.attempts.sum(), 1):.3f}")
            if checkpoint is not None and done < window_cycles:
                checkpoint.save(
                    {**_state(sim), "frames": frames, "frame_types": frame_types, "energies": np.array(energies)},
                    {"windows": [asdict(w) for w in windows], "window_cycles": window_cycles,
                     "elapsed_cycles": elapsed_cycles, "done": done},
                )
        frame_time = stride * protocol.cycle_time
        times, phi, tau, error = _window_tau(protocol, frames, frame_types, frame_time, n_types, q_x)
        window = Window(start=elapsed_cycles * protocol.cycle_time, length=window_cycles * protocol.cycle_time,
                        tau=[float(t) for t in tau], potential_energy=float(np.mean(energies)), tau_error=error)
        windows.append(window)
        elapsed_cycles += window_cycles
        log.info("window %d: %g tau from t = %g, tau_swap per type %s (type 1 +- %.2g), <E_pot/N> = %.5f", k + 1,
                 window.length, window.start, np.array2string(np.asarray(tau), precision=4), error, window.potential_energy)
        frames = frame_types = energies = None
        done = 0

        tau1 = tau[0]
        if tau1 == -np.inf:
            # decayed before the first frame: resolve it with a shorter window (stride >= 1 cycle)
            if stride == 1:
                raise NotStationaryError(
                    f"tau_alpha^SWAP at T = {protocol.temperature} is shorter than one cycle "
                    f"({protocol.cycle_time:g} tau): swap Monte Carlo is pointless at this temperature"
                )
            window_cycles = max(protocol.frames_per_window - 1, window_cycles // 8)
        elif not np.isfinite(tau1):
            window_cycles *= 2  # phi_s has not decayed within half the window
        else:
            if len(windows) >= 3:  # the first window holds the transient after the quench: never compared
                prev = windows[-2]
                # planned as window_tau x the previous tau; noise in tau must not disqualify a window
                long_enough = all(w.length >= 0.5 * protocol.window_tau * w.tau[0] for w in windows[-2:])
                # equal within the tolerance, up to twice their combined sampling error (an
                # infinite error, a block whose phi_s did not decay, cannot vouch for anything)
                combined = np.hypot(window.tau_error, prev.tau_error)
                same = bool(np.isfinite(prev.tau[0]) and np.isfinite(combined)
                            and abs(tau1 - prev.tau[0]) <= protocol.tolerance * prev.tau[0] + 2.0 * combined)
                if long_enough and same:
                    result = StationarityResult(
                        tau_alpha_swap=0.5 * (tau1 + prev.tau[0]), tau_alpha_swap_per_type=np.asarray(tau),
                        windows=windows, times=times, phi_s=phi, duration=elapsed_cycles * protocol.cycle_time,
                        wavevector=protocol.wavevector(sim.box),
                    )
                    log.info("stationary after %g tau: tau_alpha^SWAP = %.4g", result.duration, result.tau_alpha_swap)
                    return result
            # about window_tau / frames_per_window * tau per frame: tau is resolved by ~10 frames
            window_cycles = max(protocol.frames_per_window - 1, protocol.cycles(protocol.window_tau * tau1))
        if checkpoint is not None:
            checkpoint.save(
                {**_state(sim), "frames": np.zeros((0, sim.n_particles, 1)), "frame_types": np.zeros((0, sim.n_particles), np.int8),
                 "energies": np.zeros(0)},
                {"windows": [asdict(w) for w in windows], "window_cycles": window_cycles,
                 "elapsed_cycles": elapsed_cycles, "done": 0},
            )
    history = ", ".join(f"{w.length:g} tau: {w.tau[0]:.4g}" for w in windows)
    raise NotStationaryError(
        f"swap + MD at T = {protocol.temperature} not stationary after {len(windows)} windows "
        f"(window length: tau_swap of type 1 = {history}); raise max_windows or check the state point"
    )


def run_swap(sim: Simulation, swap: SwapMonteCarlo, protocol: SwapProtocol, duration: float, *, seed: int,
             checkpoint: Checkpoint | None = None, label: str = "swap + MD") -> None:
    """Swap + MD for ``duration`` (tau), e.g. the 5 tau_alpha^SWAP between two sampled structures.

    Resumable from ``checkpoint`` (positions, velocities, types and the cycles done).
    """
    total = protocol.cycles(duration)
    done = 0
    state = checkpoint.load() if checkpoint is not None else None
    if state is not None:
        arrays, progress = state
        restore_state(sim, arrays)
        done = progress["done"]
    set_swap_integrator(sim, protocol)
    swap.rng = np.random.default_rng([seed, done])
    chunk = max(1, min(-(-total // 50), 10_000))
    progress = Progress(label, total)
    while done < total:
        n = min(chunk, total - done)
        swap.run(sim, n, protocol.n_md)
        done += n
        progress.update(done, f"E_pot/N = {sim.thermo('pe'):.5f}")
        if checkpoint is not None and done < total:
            checkpoint.save(_state(sim), {"done": done})
