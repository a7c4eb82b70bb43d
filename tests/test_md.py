"""LAMMPS-driven physics on small systems (N = 256): seconds each."""

import numpy as np
import pytest

from glassdyn.md import LammpsError, QuenchError, Simulation, quench_to_inherent_structure, run_isoconfigurational
from glassdyn.md.velocities import kinetic_temperature


def test_equilibrated_liquid_is_at_target_temperature(liquid):
    # 256 particles: instantaneous T fluctuates by sqrt(2 / 765) ~ 5 %
    assert liquid.metadata["final_kinetic_temperature"] == pytest.approx(0.8, rel=0.2)
    assert np.all((liquid.positions >= 0) & (liquid.positions < liquid.box))
    # KA at rho = 1.2, T = 0.8: E_pot/N is about -5.5 to -5.4 (force-shifted; see benchmarks)
    assert -5.8 < liquid.metadata["final_potential_energy"] < -5.2


def _total_energy(ens):
    n, d = ens.initial_positions.shape
    return ens.potential_energy + 0.5 * d * ens.kinetic_temperature * (n - 1) / n


def test_nve_energy_drift_is_bounded(ka3d, liquid):
    ens = run_isoconfigurational(
        ka3d, liquid, temperature=0.8, steps=[500, 1000, 2000, 4000], timestep=0.002, replica_seeds=[11, 12]
    )
    e = _total_energy(ens)
    # velocity-Verlet with the force-shifted potential: fluctuations ~1e-4, no systematic drift
    assert np.abs(e - e[:, :1]).max() < 2e-3
    drift = np.polyfit(np.r_[0, ens.times], e.mean(axis=0), 1)[0]
    assert abs(drift) < 1e-4  # per particle per tau
    assert ens.kinetic_temperature[:, 0] == pytest.approx(0.8, rel=1e-6)


def test_isoconfigurational_replicas(ka3d, liquid):
    steps = [5, 50, 500]
    ens = run_isoconfigurational(ka3d, liquid, temperature=0.8, steps=steps, timestep=0.004, replica_seeds=[1, 2, 3])
    assert ens.positions.shape == (3, 3, 256, 3)
    np.testing.assert_allclose(ens.times, np.array(steps) * 0.004)
    # Unwrapped: continuous from the initial positions, no jumps of a box length.
    step0 = np.linalg.norm(ens.positions[:, 0] - liquid.positions, axis=-1)
    assert step0.max() < 0.2
    moves = np.linalg.norm(np.diff(ens.positions, axis=1), axis=-1)
    assert moves.max() < 0.5 * liquid.box[0]
    # Some particles leave the box during 2 tau at T = 0.8 and stay unwrapped.
    assert np.any(ens.positions[:, -1] < 0) or np.any(ens.positions[:, -1] >= liquid.box)
    # Same structure, different velocities: replicas differ.
    assert not np.allclose(ens.positions[0, -1], ens.positions[1, -1])
    # Same seeds: identical trajectories.
    again = run_isoconfigurational(ka3d, liquid, temperature=0.8, steps=steps, timestep=0.004, replica_seeds=[1, 2, 3])
    assert np.array_equal(again.positions, ens.positions)


def test_nvt_replicas_keep_temperature(ka3d, liquid):
    ens = run_isoconfigurational(
        ka3d, liquid, temperature=0.8, steps=[250, 2500], timestep=0.004, replica_seeds=[5],
        ensemble="nvt", thermostat_damping=0.4,
    )
    assert ens.metadata["ensemble"] == "nvt"
    assert ens.kinetic_temperature[0, -1] == pytest.approx(0.8, rel=0.2)


def test_bad_time_grid_rejected(ka3d, liquid):
    with pytest.raises(ValueError, match="strictly increasing"):
        run_isoconfigurational(ka3d, liquid, temperature=0.8, steps=[10, 10], timestep=0.004, replica_seeds=[1])


@pytest.mark.parametrize("min_style", ["fire", "cg", "steepest_descent"])
def test_inherent_structure(ka3d, liquid, min_style):
    tol = 1e-8
    result = quench_to_inherent_structure(ka3d, liquid, min_style=min_style, force_tolerance=tol)
    # Max force below tolerance, checked independently of LAMMPS with the NumPy reference.
    forces = ka3d.forces(result.positions, liquid.types, liquid.box)
    assert np.linalg.norm(forces, axis=1).max() < 2 * tol
    assert result.metadata["max_force"] < tol
    # Lower energy than the thermal state; per-particle energies sum to the total.
    thermal = ka3d.particle_energies(liquid.positions, liquid.types, liquid.box).mean()
    assert result.particle_energies.mean() < thermal - 0.3
    np.testing.assert_allclose(
        result.particle_energies, ka3d.particle_energies(result.positions, liquid.types, liquid.box), atol=1e-10
    )
    # Continuous from the thermal positions: a quench moves particles by a fraction of sigma.
    assert result.metadata["max_displacement"] < 1.5


def test_quench_that_cannot_converge_raises(ka3d, liquid):
    with pytest.raises(QuenchError, match="max_iterations"):
        quench_to_inherent_structure(ka3d, liquid, min_style="cg", force_tolerance=1e-12, max_iterations=5)


def test_lammps_failure_raises_with_lammps_message(ka3d, liquid):
    with Simulation(ka3d, liquid.box, liquid.types, liquid.positions, liquid.velocities * 50, timestep=0.5) as sim:
        sim.set_integrator("nve")
        with pytest.raises(LammpsError, match="ERROR"):
            sim.run(200)


def test_simulation_rejects_bad_input(ka3d, liquid):
    with pytest.raises(ValueError, match="positions must have shape"):
        Simulation(ka3d, liquid.box, liquid.types, liquid.positions[:, :2])
    bad = liquid.positions.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Simulation(ka3d, liquid.box, liquid.types, bad)


def test_velocities_survive_round_trip_through_lammps(ka3d, liquid):
    with Simulation(ka3d, liquid.box, liquid.types, liquid.positions, liquid.velocities) as sim:
        np.testing.assert_array_equal(sim.velocities(), liquid.velocities)
        sim.run(0)
        # LAMMPS' temperature uses the same d (N - 1) degrees of freedom as ours
        assert sim.thermo("temp") == pytest.approx(kinetic_temperature(liquid.velocities, np.ones(256)), rel=1e-12)
