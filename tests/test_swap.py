"""Swap Monte Carlo: exact local energy changes, LAMMPS state after swaps, Boltzmann statistics."""

import itertools

import numpy as np
import pytest

from glassdyn.md import Simulation
from glassdyn.md.swap import SwapMonteCarlo, swap_energy_change
from glassdyn.md.velocities import maxwell_boltzmann_velocities
from glassdyn.systems import PairPotential, get_mixture

from conftest import lattice_configuration

KA2D_DENSITY = 1290 / 32.896**2  # GlassMLP PRL: N = 1290 in L = 32.896


@pytest.fixture(scope="module")
def ka2d():
    return PairPotential(get_mixture("kob_andersen_2d_ternary"), "polynomial")


@pytest.fixture(scope="module")
def ka2d_state(ka2d):
    """KA2D, N = 300: jittered lattice (no overlaps), 2 tau of NVT at T = 0.5 (about a second)."""
    rng = np.random.default_rng(3)
    n = 300
    box = np.full(2, ka2d.mixture.box_length(n, KA2D_DENSITY))
    x = lattice_configuration(n, 2, box[0], rng)
    types = rng.permutation(ka2d.mixture.types(n)).astype(np.int64)
    with Simulation(ka2d, box, types, x, timestep=0.005) as sim:
        sim.set_velocities(maxwell_boltzmann_velocities(np.ones(n), 0.5, 2, rng))
        sim.set_integrator("nvt temp 0.5 0.5 0.5")
        sim.run(400)
        return sim.positions(), types, box, sim.velocities()


def _pairs(types, positions, box, rng, n_random=12, n_close=8):
    """Random pairs of different types, plus close pairs (j within i's cutoff: the i-j term matters)."""
    n = len(types)
    pairs = []
    for _ in range(n_random):
        i = int(rng.integers(n))
        pairs.append((i, int(rng.choice(np.flatnonzero(types != types[i])))))
    for i in rng.choice(n, n_close, replace=False):
        d = positions - positions[i]
        d -= box * np.round(d / box)
        r = np.linalg.norm(d, axis=1)
        r[types == types[i]] = np.inf
        pairs.append((int(i), int(np.argmin(r))))
    return pairs


def test_energy_change_matches_lammps_and_reference(ka2d, ka2d_state):
    x, types, box, _ = ka2d_state
    n = len(types)
    rng = np.random.default_rng(11)
    reference_before = ka2d.particle_energies(x, types, box).sum()
    with Simulation(ka2d, box, types, x) as sim:
        before = sim.potential_energy() * n
        assert before == pytest.approx(reference_before, rel=1e-12)
        for i, j in _pairs(types, x, box, rng):
            swapped = types.copy()
            swapped[[i, j]] = types[[j, i]]
            sim.set_types(swapped)
            lammps = sim.potential_energy() * n - before
            reference = ka2d.particle_energies(x, swapped, box).sum() - reference_before
            kernel = swap_energy_change(ka2d, x, types, box, i, j)
            # absolute differences are ~1e-12 for |dE| of 0.1 ... 100 and E ~ -650
            assert kernel == pytest.approx(lammps, rel=1e-9, abs=1e-9)
            assert kernel == pytest.approx(reference, rel=1e-9, abs=1e-9)
        assert swap_energy_change(ka2d, x, types, box, 0, int(np.flatnonzero(types == types[0])[1])) == 0.0


def test_energy_change_3d_small_box():
    # KA 3D, force-shifted, L = 7.47 < 3 r_c: two cells per dimension (the kernel's short-box branch)
    pot = PairPotential(get_mixture("kob_andersen_3d"), "force_shifted")
    rng = np.random.default_rng(5)
    n = 500
    box = np.full(3, pot.mixture.box_length(n, 1.2))
    x = lattice_configuration(n, 3, box[0], rng) % box
    types = rng.permutation(pot.mixture.types(n)).astype(np.int64)
    e0 = pot.particle_energies(x, types, box).sum()
    for i, j in _pairs(types, x, box, rng, n_random=4, n_close=4):
        swapped = types.copy()
        swapped[[i, j]] = types[[j, i]]
        reference = pot.particle_energies(x, swapped, box).sum() - e0
        assert swap_energy_change(pot, x, types, box, i, j) == pytest.approx(reference, rel=1e-9, abs=1e-9)
    # a whole phase (its neighbour storage grows: 3D lists are longer than the first guess)
    mc = SwapMonteCarlo(pot, temperature=1.0, n_swap=3000, seed=1)
    swapped = types.copy()
    assert mc.swap_types(x, swapped, box) > 20
    assert pot.particle_energies(x, swapped, box).sum() - e0 == pytest.approx(mc.energy_change, rel=1e-9, abs=1e-9)


def test_swap_phase_energy_and_dynamics_match_fresh_lammps(ka2d, ka2d_state):
    x, types, box, v = ka2d_state
    n = len(types)
    # a high swap temperature accepts many swaps, among them close pairs whose cutoffs change
    mc = SwapMonteCarlo(ka2d, temperature=2.0, n_swap=600, seed=2)
    with Simulation(ka2d, box, types, x, v, timestep=0.005) as sim:
        sim.set_integrator("nve")
        sim.run(10)
        e0 = sim.thermo("pe") * n
        accepted = mc.swap_phase(sim)
        assert accepted > 50
        assert np.array_equal(sim.lammps_types(), sim.types)
        assert np.array_equal(np.bincount(sim.types), np.bincount(types))
        # the summed kernel dE of the accepted swaps is LAMMPS' energy change
        assert sim.potential_energy() * n - e0 == pytest.approx(mc.energy_change, rel=1e-9, abs=1e-9)

        def fresh_run(sim_state, steps):
            x1, v1, t1 = sim_state
            with Simulation(ka2d, box, t1, x1, v1, timestep=0.005) as fresh:
                fresh.set_integrator("nve")
                fresh.run(steps)
                return fresh.positions(unwrapped=True), fresh.velocities(), fresh.forces()

        # after a swap phase, the next segment (setup=False, as in the swap + MD cycle) sets up in
        # full: forces and trajectory equal a fresh LAMMPS instance of the same state
        assert mc.swap_phase(sim) > 0
        state = (sim.positions(unwrapped=True), sim.velocities(), sim.types.copy())
        start = state[0]
        sim.run(0, setup=False)
        np.testing.assert_allclose(sim.forces(), ka2d.forces(start, sim.types, box), rtol=1e-9, atol=1e-9)
        sim.run(20, setup=False)
        xf, vf, ff = fresh_run(state, 20)
        np.testing.assert_allclose(sim.positions(unwrapped=True), xf, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sim.velocities(), vf, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sim.forces(), ff, rtol=0, atol=1e-8)

        # control: skipping that set-up (stale ghost types and neighbour lists) gives other dynamics
        assert mc.swap_phase(sim) > 0
        state = (sim.positions(unwrapped=True), sim.velocities(), sim.types.copy())
        sim._setup_pending = False
        sim.run(20, setup=False)
        xf, _, _ = fresh_run(state, 20)
        assert np.abs(sim.positions(unwrapped=True) - xf).max() > 1e-6


def test_swap_phase_in_place_matches_fresh_lammps(ka2d, ka2d_state):
    """uniform_neighbour_cutoff: types and the kernel's force change go into LAMMPS without set-up."""
    x, types, box, v = ka2d_state
    n = len(types)
    mc = SwapMonteCarlo(ka2d, temperature=2.0, n_swap=600, seed=2)
    with Simulation(ka2d, box, types, x, v, timestep=0.005, uniform_neighbour_cutoff=True) as sim:
        sim.set_integrator("nve")
        sim.run(10)
        for _ in range(3):
            old_types, old_energy = sim.types.copy(), mc.energy_change
            assert mc.swap_phase(sim) > 50
            assert not sim._setup_pending
            here = sim.positions(unwrapped=True)
            # the cached type energies sum to the exact energy change of the phase
            exact = ka2d.particle_energies(here, sim.types, box).sum() - ka2d.particle_energies(here, old_types, box).sum()
            assert mc.energy_change - old_energy == pytest.approx(exact, rel=1e-9, abs=1e-9)
            # LAMMPS' forces, before any run: the old ones plus the kernel's change, which must
            # be the forces of the new types
            np.testing.assert_allclose(sim.forces(), ka2d.forces(here, sim.types, box), rtol=0, atol=1e-9)
            assert np.array_equal(sim.lammps_types(), sim.types)
            state = (here, sim.velocities(), sim.types.copy())
            sim.run(20, setup=False)  # ghost types and neighbour lists must be right for this
            with Simulation(ka2d, box, state[2], state[0], state[1], timestep=0.005) as fresh:
                fresh.set_integrator("nve")
                fresh.run(20)
                np.testing.assert_allclose(sim.positions(unwrapped=True), fresh.positions(unwrapped=True), rtol=0, atol=1e-9)
                np.testing.assert_allclose(sim.velocities(), fresh.velocities(), rtol=0, atol=1e-9)
        assert np.array_equal(np.bincount(sim.types), np.bincount(types))
    with Simulation(ka2d, box, types, x, v) as sim:
        with pytest.raises(RuntimeError, match="uniform_neighbour_cutoff"):
            sim.retype_in_place(types, np.zeros((n, 2)))


@pytest.mark.parametrize("mixture, form", [("kob_andersen_2d_ternary", "polynomial"), ("kob_andersen_3d", "force_shifted"),
                                           ("kob_andersen_3d", "truncated_shifted")])
def test_pair_force_matches_potential(mixture, form):
    from glassdyn.systems.tables import PotentialTables, pair_force_over_r

    pot = PairPotential(get_mixture(mixture), form)
    t = PotentialTables.from_potential(pot)
    for a in range(pot.mixture.n_types):
        for b in range(pot.mixture.n_types):
            r = np.linspace(0.7, 0.999 * t.cutoff[a, b], 40)
            got = [pair_force_over_r(x * x, t.form, t.epsilon[a, b], t.sigma_squared[a, b], t.cutoff[a, b],
                                     t.force_shift[a, b], t.polynomial[1], t.polynomial[2]) * x for x in r]
            np.testing.assert_allclose(got, pot.force(r, a, b), rtol=1e-12, atol=1e-12)


def test_swap_md_cycles_keep_composition_and_count(ka2d, ka2d_state, tmp_path):
    x, types, box, v = ka2d_state
    mc = SwapMonteCarlo(ka2d, temperature=0.5, n_swap=100, seed=4)
    log_file = tmp_path / "log.lammps"
    with Simulation(ka2d, box, types, x, v, timestep=0.005, log_file=log_file) as sim:
        sim.set_integrator("nvt temp 0.5 0.5 0.5")
        calls = []
        size = log_file.stat().st_size
        mc.run(sim, n_cycles=5, n_md=10, progress=lambda c, n: calls.append((c, n)))
        sim.run(0)  # the log is open again
        text = log_file.read_text()
        assert "glassdyn swap Monte Carlo: 5 cycles of 10 MD steps + 100 swap attempts" in text
        assert text.count("Loop time") == 1 and log_file.stat().st_size - size < 3000  # only run(0) logged
        assert sim.current_step == 50
        assert calls[-1] == (5, 5)
        assert np.array_equal(np.bincount(sim.types), np.bincount(types))
        assert np.array_equal(sim.lammps_types(), sim.types)
    stats = mc.statistics()
    assert stats["swap_attempts"] == 500 == mc.attempts.sum()
    assert stats["swap_phases"] == 5
    assert stats["swap_attempts_12"] + stats["swap_attempts_13"] + stats["swap_attempts_23"] == 500
    assert np.all(np.tril(mc.attempts) == 0)
    assert 0 < stats["swap_accepts"] < 500
    acc = mc.acceptance
    assert np.isnan(acc[0, 0]) and 0 <= acc[0, 2] <= 1


def test_swap_chain_samples_boltzmann_distribution(ka2d):
    # Six particles (two of each type) at fixed positions: 90 type assignments, whose Boltzmann
    # weights are known exactly. The chain must visit them with those weights (detailed balance
    # with the proposal of the kernel) and not, e.g., uniformly or at another temperature.
    rng = np.random.default_rng(8)
    box = np.array([5.2, 5.2])  # > 2 r_c: two cells per dimension
    x = np.array([[1.0, 1.0], [2.05, 1.1], [1.5, 1.95], [2.6, 2.0], [1.1, 3.0], [2.2, 3.05]])
    x = 0.85 * x + rng.normal(0, 0.03, x.shape)  # close enough that the 90 energies span ~14 epsilon
    base = np.array([0, 0, 1, 1, 2, 2])
    states = sorted(set(itertools.permutations(base)))
    energy = np.array([ka2d.particle_energies(x, np.array(s), box).sum() for s in states])
    index = {s: k for k, s in enumerate(states)}
    temperature = 2.0

    def boltzmann(t):
        w = np.exp(-(energy - energy.min()) / t)
        return w / w.sum()

    mc = SwapMonteCarlo(ka2d, temperature, n_swap=4, seed=9)
    types = base.astype(np.int64)
    counts = np.zeros(len(states))
    for _ in range(40_000):
        mc.swap_types(x, types, box)
        counts[index[tuple(types)]] += 1
    freq = counts / counts.sum()

    def distance(p):
        return 0.5 * np.abs(freq - p).sum()  # total variation

    assert mc.accepts.sum() / mc.attempts.sum() > 0.1
    assert distance(boltzmann(temperature)) < 0.03  # 0.016 +- 0.002 over seeds
    assert distance(boltzmann(2 * temperature)) > 0.1
    assert distance(np.full(len(states), 1 / len(states))) > 0.1


def test_bad_inputs(ka2d, ka2d_state):
    x, types, box, _ = ka2d_state
    mc = SwapMonteCarlo(ka2d, 0.5, n_swap=10)
    with pytest.raises(TypeError, match="int64"):
        mc.swap_types(x, types.astype(np.int32), box)
    with pytest.raises(ValueError, match="two types"):
        mc.swap_types(x, np.zeros(len(types), dtype=np.int64), box)
    with pytest.raises(ValueError, match="minimum image"):
        mc.swap_types(x[:10] % 4.0, types[:10].copy(), np.array([4.0, 4.0]))
    with pytest.raises(ValueError, match="temperature"):
        SwapMonteCarlo(ka2d, 0.0)


def test_acceptance_per_pair_matches_fix_atom_swap(ka2d, ka2d_state):
    # Frozen positions (no integrator), swap temperature 2.0 (every pair accepts > 1 %): after our chain has equilibrated
    # the type assignment, the acceptance of each type pair is a stationary average, the same
    # for LAMMPS' fix atom/swap (uniform pairs within a type pair, Metropolis on the full energy).
    x, types, box, _ = ka2d_state
    temperature = 2.0
    mc = SwapMonteCarlo(ka2d, temperature, n_swap=20_000, seed=6)
    types = types.copy()
    mc.swap_types(x, types, box)
    mc.reset_statistics()
    for _ in range(10):
        mc.swap_types(x, types, box)
    ours = mc.acceptance
    per_fix = 300
    with Simulation(ka2d, box, types, x) as sim:
        for k, (a, b) in enumerate([(1, 2), (1, 3), (2, 3)]):
            sim.command(f"fix swap{k} all atom/swap 1 {per_fix} {71 + k} {temperature} ke no types {a} {b}")
        sim.run(1)
        for k, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]):
            attempts = sim._lmp.extract_fix(f"swap{k}", 0, 1, 0)
            accepts = sim._lmp.extract_fix(f"swap{k}", 0, 1, 1)
            assert attempts == per_fix
            theirs = accepts / attempts
            error = np.sqrt(ours[a, b] * (1 - ours[a, b]) / attempts)  # binomial, LAMMPS' side dominates
            assert abs(theirs - ours[a, b]) < 4 * error + 1e-3, (a, b, theirs, ours[a, b])
    assert np.all(ours[[0, 0, 1], [1, 2, 2]] > 0.01)  # 0.04, 0.21, 0.19


def test_set_up_between_segments_leaves_dynamics_unchanged(ka2d, ka2d_state):
    # A swap + MD cycle sets LAMMPS up before every MD segment; without swaps, that must give
    # the trajectory of one long run (Nose-Hoover chain state survives the set-up).
    x, types, box, v = ka2d_state
    results = []
    for segments in (1, 10):
        with Simulation(ka2d, box, types, x, v, timestep=0.005) as sim:
            sim.set_integrator("nvt temp 0.5 0.5 0.5")
            for _ in range(segments):
                sim.run(100 // segments, setup=True)
            results.append((sim.positions(unwrapped=True), sim.velocities()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("mixture, form", [("kob_andersen_2d_ternary", "polynomial"), ("kob_andersen_3d", "force_shifted"),
                                           ("kob_andersen_3d", "truncated_shifted")])
def test_pair_energy_reciprocal_matches_potential(mixture, form):
    from glassdyn.systems.tables import PotentialTables, pair_energy_reciprocal

    pot = PairPotential(get_mixture(mixture), form)
    t = PotentialTables.from_potential(pot)
    c0, c2, c4 = t.polynomial
    n = pot.mixture.n_types
    for a, b in itertools.product(range(n), repeat=2):
        for r in np.linspace(0.75, 0.999 * t.cutoff[a, b], 7):
            u = pair_energy_reciprocal(r * r, 1.0 / (r * r), t.form, t.epsilon[a, b], t.sigma_squared[a, b],
                                       1.0 / t.sigma_squared[a, b], t.cutoff[a, b], t.energy_shift[a, b],
                                       t.force_shift[a, b], c0, c2, c4)
            assert u == pytest.approx(float(pot.energy(r, a, b)), rel=1e-13, abs=1e-13)


@pytest.mark.slow
def test_swap_md_mean_energy_equals_plain_md(ka2d, ka2d_state):
    # At T = 1 plain MD equilibrates in a few tau: swap + MD must sample the same canonical
    # potential energy (a wrong dE, proposal or LAMMPS update would bias it).
    x, types, box, v = ka2d_state
    temperature, samples, stride = 1.0, 120, 50
    series = {}
    for label, n_swap in (("md", 0), ("swap", 300)):
        mc = SwapMonteCarlo(ka2d, temperature, n_swap=n_swap, seed=12)
        with Simulation(ka2d, box, types, x, v * np.sqrt(2.0), timestep=0.005) as sim:
            sim.set_integrator(f"nvt temp {temperature} {temperature} 0.5")
            mc.run(sim, 100, n_md=10)  # 5 tau to equilibrate
            energies = []
            for _ in range(samples):
                mc.run(sim, stride // 10, n_md=10)
                energies.append(sim.thermo("pe"))
            series[label] = np.asarray(energies)
            if n_swap:
                assert mc.accepts.sum() > 1000
    blocks = {k: s.reshape(10, -1).mean(axis=1) for k, s in series.items()}
    error = np.sqrt(sum(b.var(ddof=1) / len(b) for b in blocks.values()))
    difference = series["swap"].mean() - series["md"].mean()
    # seen: -1.866 (MD) against -1.872 (swap), combined block error 0.009
    assert abs(difference) < 4 * error + 2e-3, (difference, error)


def test_first_attempt_acceptance_is_the_exact_pair_average(ka2d, ka2d_state):
    # From one state, the acceptance of a single attempt on type pair {a, b} must be the
    # average of min(1, exp(-dE / T)) over all N_a N_b pairs (uniform proposal within a pair).
    x, types, box, _ = ka2d_state
    temperature = 0.5
    exact = {}
    for a, b in ((0, 1), (0, 2), (1, 2)):
        de = np.array([swap_energy_change(ka2d, x, types, box, i, j)
                       for i in np.flatnonzero(types == a) for j in np.flatnonzero(types == b)])
        exact[a, b] = np.minimum(1.0, np.exp(-de / temperature)).mean()
    mc = SwapMonteCarlo(ka2d, temperature, n_swap=1, seed=13)
    for _ in range(30_000):
        mc.swap_types(x, types.copy(), box)
    for (a, b), p in exact.items():
        n = mc.attempts[a, b]
        assert abs(mc.accepts[a, b] / n - p) < 4 * np.sqrt(p * (1 - p) / n) + 1e-4, (a, b, mc.accepts[a, b] / n, p)
