"""Equilibration with swap Monte Carlo: stationarity of phi_s, tau_alpha^SWAP, sampling, resuming."""

import numpy as np
import pytest

from glassdyn.md import Simulation
from glassdyn.md.checkpoint import Checkpoint
from glassdyn.md.equilibrate import EquilibrationProtocol, continue_with_swap, equilibrate_with_swap_from_scratch
from glassdyn.md.swap import SwapMonteCarlo
from glassdyn.md.swap_equilibration import NotStationaryError, SwapProtocol, equilibrate_with_swap
from glassdyn.systems import PairPotential, get_mixture

KA2D_DENSITY = 1290 / 32.896**2
T = 0.5  # above the onset: tau_alpha^SWAP ~ 0.4 at q = 64 pi / L, a few seconds per run


@pytest.fixture(scope="module")
def ka2d():
    return PairPotential(get_mixture("kob_andersen_2d_ternary"), "polynomial")


def _protocol(**kw):
    options = dict(temperature=T, n_swap=230, frames_per_window=60, initial_window=12.0, window_tau=20.0)
    options.update(kw)
    return SwapProtocol(**options)


@pytest.fixture(scope="module")
def structure(ka2d):
    """N = 140 from scratch: melt at T = 2, quench, swap + MD until stationary."""
    eq = EquilibrationProtocol(temperature=T, timestep=0.01, equilibration_time=0.0, melt_temperature=2.0,
                               melt_time=5.0, quench_time=5.0, thermostat_damping=1.0)
    return equilibrate_with_swap_from_scratch(ka2d, 140, KA2D_DENSITY, eq, _protocol(), np.random.default_rng(2), seed=9)


def test_stationarity_windows_and_metadata(structure):
    meta = structure.metadata
    tau = meta["tau_alpha_swap"]
    assert meta["equilibration_mode"] == "swap"
    n = round(6.11205 * structure.box[0] / (2 * np.pi))
    np.testing.assert_allclose(meta["swap_phi_s_wavevector"], [2 * np.pi * n / structure.box[0], 0.0])
    assert 0.05 < tau < 5.0
    taus, lengths = meta["swap_window_tau"], meta["swap_window_length"]
    assert len(taus) >= 3  # the first window is never compared
    # stationary: the last two windows agree within the tolerance plus twice their sampling error
    errors = meta["swap_window_tau_error"]
    assert abs(taus[-1] - taus[-2]) <= 0.1 * taus[-2] + 2 * np.hypot(errors[-1], errors[-2])
    assert np.all((errors > 0) & (errors < 0.1 * taus))
    assert tau == pytest.approx(0.5 * (taus[-1] + taus[-2]))
    assert np.all(lengths[-2:] >= 10.0 * taus[-2:])  # window_tau / 2
    np.testing.assert_allclose(meta["swap_window_start"][1:], np.cumsum(lengths)[:-1])
    assert meta["swap_equilibration_time"] == pytest.approx(lengths.sum())
    # the recorded phi_s is the last window's: 1 at t = 0, crossing 1/e at that window's tau (type 1)
    phi, t = meta["swap_phi_s"], meta["swap_phi_s_times"]
    assert phi.shape == (len(t), 3) and phi[0] == pytest.approx([1, 1, 1])
    k = np.flatnonzero(phi[:, 0] <= np.exp(-1))[0]
    assert t[k - 1] < taus[-1] <= t[k]
    assert meta["tau_alpha_swap_per_type"][0] == pytest.approx(taus[-1])
    # swaps happened, composition is that of the mixture
    assert meta["swap_attempts"] == meta["swap_phases"] * 230 and meta["swap_accepts"] > 0
    assert np.array_equal(np.bincount(structure.types), np.bincount(get_mixture("kob_andersen_2d_ternary").types(140)))


def test_continue_with_swap_samples_after_a_given_time(ka2d, structure):
    eq = EquilibrationProtocol(temperature=T, timestep=0.01, equilibration_time=0.0)
    duration = 5 * structure.metadata["tau_alpha_swap"]
    nxt = continue_with_swap(ka2d, structure, eq, _protocol(), duration, seed=3, source="previous")
    assert nxt.metadata["tau_alpha_swap"] == structure.metadata["tau_alpha_swap"]
    assert nxt.metadata["swap_phases"] == round(duration / 0.1)
    assert nxt.metadata["swap_sampling_time"] == pytest.approx(duration)
    assert np.array_equal(np.bincount(nxt.types), np.bincount(structure.types))
    assert not np.array_equal(nxt.types, structure.types)  # particles changed identity
    d = nxt.positions - structure.positions
    d -= structure.box * np.round(d / structure.box)
    assert np.sqrt((d**2).sum(axis=1).mean()) > 0.1


def test_a_stopped_run_resumes_its_window_history(ka2d, structure, tmp_path):
    """max_windows stops a run that is not stationary; its checkpoint carries the windows on."""
    checkpoint = Checkpoint(tmp_path / "swap.checkpoint", {"test": 1}, interval=0.0)
    # window_tau = 100: the first 12-tau window spans fewer than 50 tau, so 2 windows never suffice
    protocol = _protocol(window_tau=100.0, max_windows=2)
    with Simulation(ka2d, structure.box, structure.types, structure.positions, structure.velocities, timestep=0.01) as sim:
        with pytest.raises(NotStationaryError, match="not stationary after 2 windows"):
            equilibrate_with_swap(sim, SwapMonteCarlo(ka2d, T, 230), protocol, seed=1, checkpoint=checkpoint)
    arrays, progress = checkpoint.load()
    assert len(progress["windows"]) == 2 and progress["done"] == 0
    assert np.array_equal(np.bincount(arrays["types"]), np.bincount(structure.types))
    first = [w["tau"][0] for w in progress["windows"]]
    assert progress["windows"][1]["length"] >= 100.0 * first[0]  # planned from the first window's tau
    with Simulation(ka2d, structure.box, structure.types, structure.positions, timestep=0.01) as sim:
        swap = SwapMonteCarlo(ka2d, T, 230)
        try:
            result = equilibrate_with_swap(sim, swap, _protocol(window_tau=100.0, max_windows=3), seed=1, checkpoint=checkpoint)
            windows = [(w.length, w.tau[0]) for w in result.windows]
        except NotStationaryError as error:  # "... (window length: tau_swap of type 1 = 12 tau: 0.41, ...)"
            items = str(error).split("type 1 = ")[1].split(");")[0].split(", ")
            windows = [tuple(float(v) for v in item.split(" tau: ")) for item in items]
    assert len(windows) == 3 and [w[1] for w in windows[:2]] == pytest.approx(first, rel=1e-3)
    assert swap.n_phases * 0.1 == pytest.approx(windows[2][0], rel=1e-3)  # only the third window ran


def test_protocol_checks_its_parameters():
    with pytest.raises(ValueError):
        SwapProtocol(temperature=0.0)
    with pytest.raises(ValueError):
        SwapProtocol(temperature=0.3, tolerance=1.5)
    p = SwapProtocol(temperature=0.3)
    assert p.cycle_time == pytest.approx(0.1) and p.cycles(5.0) == 50 and p.cycles(0.0) == 1
    np.testing.assert_allclose(p.wavevector([32.896, 32.896]), [64 * np.pi / 32.896, 0.0])  # PRL, n = 32
    np.testing.assert_allclose(p.wavevector([147.11, 147.11]), [2 * np.pi * 143 / 147.11, 0.0])  # N = 25800
