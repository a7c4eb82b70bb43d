"""A thin, typed wrapper around one LAMMPS instance holding one configuration.

Everything that talks to LAMMPS goes through :class:`Simulation`, so that
errors, units, atom ordering (by particle index) and 2D handling live in one place.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from pathlib import Path

import numpy as np

from glassdyn.geometry import wrap_floor
from glassdyn.md.runtime import lammps_arguments, lammps_module
from glassdyn.systems.potentials import PairPotential

log = logging.getLogger(__name__)


#: OpenMP threads of the Simulations created in this context (see :func:`md_threads`)
_THREADS = contextvars.ContextVar("glassdyn_md_threads", default=1)


@contextlib.contextmanager
def md_threads(threads: int):
    """Run every :class:`Simulation` created inside the block on ``threads`` OpenMP threads.

    One switch for a whole stage (equilibration, swap chains, replicas) instead of a parameter
    threaded through every protocol function.
    """
    token = _THREADS.set(int(threads))
    try:
        yield
    finally:
        _THREADS.reset(token)


class LammpsError(RuntimeError):
    """A LAMMPS command failed; the message carries LAMMPS' own error text."""


class Simulation:
    """One LAMMPS instance with ``N`` particles of ``potential.mixture`` in a periodic box.

    Parameters
    ----------
    potential:
        Pair potential (mixture + form).
    box:
        Box edge lengths, shape (d,); the box spans [0, L) in each direction.
    types:
        0-based particle types, shape (N,).
    positions:
        Shape (N, d); wrapped into the box by LAMMPS.
    velocities:
        Shape (N, d) or None (zero).
    timestep:
        MD time step in tau.
    log_file:
        Where LAMMPS writes its log (None: no log).
    log_append:
        Append to ``log_file`` instead of overwriting it.
    neighbor_skin:
        Verlet skin in sigma_11.
    threads:
        OpenMP threads of LAMMPS' OPENMP package (``package omp``, ``/omp`` styles); 1 runs the
        plain serial styles; None: those of the enclosing :func:`md_threads` block (default 1). The trajectory is reproducible for a given number of threads, but
        its last bits change with that number (the force sums run in another order).

    Particle ``i`` is LAMMPS atom ID ``i + 1``; every array in and out is ordered by ``i``.
    """

    #: thermo output; referencing the per-atom energy sum makes LAMMPS tally per-atom energies
    THERMO_STYLE = "custom step temp pe ke etotal press c_glassdyn_pesum"

    def __init__(
        self,
        potential: PairPotential,
        box,
        types,
        positions,
        velocities=None,
        *,
        timestep: float = 0.005,
        log_file: str | Path | None = None,
        log_append: bool = False,
        neighbor_skin: float = 0.3,
        uniform_neighbour_cutoff: bool = False,
        threads: int | None = None,
    ):
        self.potential = potential
        self.mixture = potential.mixture
        self.dimension = self.mixture.dimension
        self.box = np.asarray(box, dtype=float)
        self.types = np.asarray(types, dtype=np.int64)
        self.n_particles = len(self.types)
        positions = np.asarray(positions, dtype=float)
        if self.box.shape != (self.dimension,):
            raise ValueError(f"box must have shape ({self.dimension},), got {self.box.shape}")
        if positions.shape != (self.n_particles, self.dimension):
            raise ValueError(f"positions must have shape ({self.n_particles}, {self.dimension}), got {positions.shape}")
        if self.types.min() < 0 or self.types.max() >= self.mixture.n_types:
            raise ValueError(f"types must lie in 0..{self.mixture.n_types - 1}")
        if not np.all(np.isfinite(positions)):
            raise ValueError("positions contain NaN or inf")
        self.timestep = float(timestep)
        self.threads = int(_THREADS.get() if threads is None else threads)
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.log_file = str(log_file) if log_file else None
        # neighbour lists independent of the types: types may change in place (retype_in_place)
        self.uniform_neighbour_cutoff = bool(uniform_neighbour_cutoff)
        # set when the state changed in a way that LAMMPS' neighbour lists, ghost atoms and
        # forces do not follow on their own (types); the next run() then sets up in full
        self._setup_pending = False

        lammps = lammps_module()
        first_log = "none" if log_append or not self.log_file else self.log_file
        self._lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", first_log, "-nocite", *lammps_arguments()])
        if log_append and self.log_file:
            self.command(f"log {self.log_file} append")
        d = self.dimension
        zhi = f"{self.box[2]:.17g}" if d == 3 else "0.5"
        zlo = "0" if d == 3 else "-0.5"
        self.commands(
            "units lj",
            *([f"package omp {self.threads}", "suffix omp"] if self.threads > 1 else []),
            f"dimension {d}",
            "atom_style atomic",
            "atom_modify map array",
            "boundary p p p",
            f"region glassdyn_box block 0 {self.box[0]:.17g} 0 {self.box[1]:.17g} {zlo} {zhi}",
            f"create_box {self.mixture.n_types} glassdyn_box",
            *[f"mass {t + 1} {m:.17g}" for t, m in enumerate(self.mixture.mass_array)],
            *potential.lammps_commands(uniform_neighbour_cutoff=self.uniform_neighbour_cutoff),
            f"neighbor {neighbor_skin} bin",
            "neigh_modify every 1 delay 0 check yes",
            f"timestep {self.timestep:.17g}",
        )
        # LAMMPS leaves atoms slightly outside the box between re-neighbourings, and remaps
        # atoms given outside it; wrap here and keep the offset so that unwrapped positions are
        # continuous from the positions given (see positions()).
        wrapped = wrap_floor(positions, self.box)
        self._offset = self._to3(positions - wrapped)
        x3 = self._to3(wrapped)
        v3 = self._to3(velocities) if velocities is not None else None
        self._call(
            "create_atoms",
            lambda: self._lmp.create_atoms(
                self.n_particles,
                list(range(1, self.n_particles + 1)),
                (self.types + 1).tolist(),
                x3.ravel().tolist(),
                v3.ravel().tolist() if v3 is not None else None,
            ),
        )
        if self._lmp.get_natoms() != self.n_particles:
            raise LammpsError(f"LAMMPS created {self._lmp.get_natoms()} atoms instead of {self.n_particles}")
        # LAMMPS tallies per-atom energies only on steps where something asks for them:
        # referencing their sum in thermo makes every thermo step (and `run 0`) provide them.
        self.commands(
            "compute glassdyn_peatom all pe/atom",
            "compute glassdyn_unwrapped all property/atom xu yu zu",
            "compute glassdyn_pesum all reduce sum c_glassdyn_peatom",
            f"thermo_style {self.THERMO_STYLE}",
            "thermo_modify norm yes flush yes",
            "thermo 1000",
        )
        if d == 2:
            self.commands("fix glassdyn_2d all enforce2d")

    # -- plumbing ----------------------------------------------------------------------------
    def _to3(self, a) -> np.ndarray:
        a = np.asarray(a, dtype=float)
        if self.dimension == 3:
            return np.ascontiguousarray(a)
        return np.column_stack([a, np.zeros(len(a))])

    def _call(self, what: str, fn):
        try:
            return fn()
        except Exception as exc:
            where = f" (LAMMPS log: {self.log_file})" if self.log_file else ""
            raise LammpsError(f"LAMMPS failed in `{what}`: {exc}{where}") from exc

    def command(self, cmd: str) -> None:
        """Run one LAMMPS input command; a LAMMPS error raises :class:`LammpsError`."""
        log.debug("lammps: %s", cmd)
        self._call(cmd, lambda: self._lmp.command(cmd))

    def commands(self, *cmds: str) -> None:
        for c in cmds:
            self.command(c)

    def close(self) -> None:
        if self._lmp is not None:
            self._lmp.close()
            self._lmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def log_paused(self):
        """No LAMMPS log inside the block; the log file is appended to again afterwards.

        For loops of many short runs (swap + MD cycles), each of which would otherwise write
        its set-up and thermo lines (about 650 bytes per run). LAMMPS errors still reach the
        :class:`LammpsError` message.
        """
        if not self.log_file:
            yield
            return
        self.command("log none")
        try:
            yield
        finally:
            self.command(f"log {self.log_file} append")

    def set_integrator(self, style: str) -> None:
        """(Re)define the integrating fix, e.g. ``"nve"`` or ``"nvt temp 0.5 0.5 0.1"``.

        Re-creating the fix resets thermostat state (the Nose-Hoover chain variables).
        """
        if self._lmp.has_id("fix", "glassdyn_integrate"):
            self.command("unfix glassdyn_integrate")
        self.command(f"fix glassdyn_integrate all {style}")

    # -- running -----------------------------------------------------------------------------
    def run(self, steps: int, *, setup: bool = True) -> None:
        """Advance ``steps`` MD steps with the fixes currently defined.

        ``setup=False`` skips LAMMPS' set-up phase (``pre no``); valid only when nothing
        was changed since the previous run (used between segments of one trajectory).
        After :meth:`set_types` the set-up is done anyway: it rebuilds the neighbour lists
        (whose cutoffs depend on the types) and the ghost atoms (which carry copies of the
        types), and recomputes the forces the first half-step uses.
        """
        steps = int(steps)
        if steps < 0:
            raise ValueError("steps must be >= 0")
        setup = setup or self._setup_pending
        self.command(f"run {steps} pre {'yes' if setup else 'no'} post no")
        self._setup_pending = False

    @property
    def current_step(self) -> int:
        """LAMMPS' step counter (after ``minimize``: the number of iterations)."""
        return int(self._lmp.extract_global("ntimestep"))

    def thermo(self, keyword: str) -> float:
        """A thermo quantity of the last run (per particle for extensive ones: norm yes)."""
        return float(self._call(f"get_thermo {keyword}", lambda: self._lmp.get_thermo(keyword)))

    # -- state -------------------------------------------------------------------------------
    def _gather(self, name: str, dtype: int, count: int) -> np.ndarray:
        # gather() also knows computes and fixes (c_ID, f_ID); both return data ordered by atom ID
        gather = self._lmp.gather if name.startswith(("c_", "f_")) else self._lmp.gather_atoms
        data = self._call(f"gather {name}", lambda: gather(name, dtype, count))
        return np.ctypeslib.as_array(data).reshape(self.n_particles, count).copy()

    def _scatter(self, name: str, array: np.ndarray, dtype: int) -> None:
        flat = np.ascontiguousarray(array.ravel(), dtype=np.float64 if dtype == 1 else np.int32)
        count = array.shape[1] if array.ndim == 2 else 1
        self._call(f"scatter {name}", lambda: self._lmp.scatter_atoms(name, dtype, count, np.ctypeslib.as_ctypes(flat)))

    def positions(self, unwrapped: bool = False) -> np.ndarray:
        """Positions, shape (N, d).

        ``unwrapped=False``: as LAMMPS holds them (within the box up to the skin between
        re-neighbourings). ``unwrapped=True``: continuous trajectories starting from the
        positions last given to the constructor or :meth:`set_positions`.
        """
        if unwrapped:
            x = self._gather("c_glassdyn_unwrapped", 1, 3) + self._offset
        else:
            x = self._gather("x", 1, 3)
        return x[:, : self.dimension]

    def wrapped_positions(self) -> np.ndarray:
        """Positions less their image flags, x - L floor(x / L), shape (N, d) sigma_11.

        In [0, L) but for one rounding at the edges (see :func:`glassdyn.geometry.wrap_floor`);
        kept in that form because stored structures are written from it.
        """
        x = self.positions()
        return wrap_floor(x, self.box)

    def velocities(self) -> np.ndarray:
        return self._gather("v", 1, 3)[:, : self.dimension]

    def forces(self) -> np.ndarray:
        """Forces of the last force evaluation, shape (N, d)."""
        return self._gather("f", 1, 3)[:, : self.dimension]

    def set_positions(self, positions) -> None:
        """Replace positions; :meth:`positions` (unwrapped) is continuous from these."""
        positions = np.asarray(positions, dtype=float)
        wrapped = wrap_floor(positions, self.box)
        self._offset = self._to3(positions - wrapped)
        self._scatter("x", self._to3(wrapped), 1)
        self.command("set group all image 0 0 0")

    def set_types(self, types) -> None:
        """Replace the 0-based particle types, shape (N,); composition and masses may change.

        LAMMPS' neighbour lists, ghost atoms and forces still belong to the old types: the
        next :meth:`run` (also with ``setup=False``) sets up in full first, and
        :meth:`forces` is stale until then.
        """
        types = np.asarray(types, dtype=np.int64)
        if types.shape != (self.n_particles,):
            raise ValueError(f"types must have shape ({self.n_particles},), got {types.shape}")
        if types.min() < 0 or types.max() >= self.mixture.n_types:
            raise ValueError(f"types must lie in 0..{self.mixture.n_types - 1}")
        self._scatter("type", types + 1, 0)
        self.types = types.copy()
        self._setup_pending = True

    def retype_in_place(self, types, force_change) -> None:
        """Change types without LAMMPS' set-up: the next ``run(setup=False)`` is exact.

        For swap Monte Carlo between MD segments, where a full set-up per cycle (what
        :meth:`set_types` triggers) costs about two MD steps. Needs
        ``uniform_neighbour_cutoff=True`` (neighbour lists that do not depend on the types).
        The types of owned and ghost atoms are written directly, and ``force_change`` (N, d),
        the exact change of every particle's force due to the new types (computed by the
        caller, e.g. the swap kernel), is added to the forces the next step starts from.
        Per-atom energies and the virial stay those of the old types until the next step.
        Serial runs only (one MPI rank).
        """
        if not self.uniform_neighbour_cutoff:
            raise RuntimeError("retype_in_place needs a Simulation with uniform_neighbour_cutoff=True")
        types = np.asarray(types, dtype=np.int64)
        force_change = np.asarray(force_change, dtype=float)
        if types.shape != (self.n_particles,) or force_change.shape != (self.n_particles, self.dimension):
            raise ValueError(f"need types ({self.n_particles},) and force_change ({self.n_particles}, {self.dimension})")
        if types.min() < 0 or types.max() >= self.mixture.n_types:
            raise ValueError(f"types must lie in 0..{self.mixture.n_types - 1}")
        lmp = self._lmp
        n_local = int(lmp.extract_global("nlocal"))
        n_all = n_local + int(lmp.extract_global("nghost"))
        if n_local != self.n_particles:
            raise RuntimeError("retype_in_place supports serial runs only")
        tag = lmp.numpy.extract_atom("id", nelem=n_all)  # ghosts are periodic images: same tag
        lmp.numpy.extract_atom("type", nelem=n_all)[:] = types[tag - 1] + 1
        lmp.numpy.extract_atom("f", nelem=n_local)[:, : self.dimension] += force_change[tag[:n_local] - 1]
        self.types = types.copy()

    def lammps_types(self) -> np.ndarray:
        """0-based types as LAMMPS holds them, shape (N,) (for checks; :attr:`types` mirrors them)."""
        return self._gather("type", 0, 1)[:, 0].astype(np.int64) - 1

    def set_velocities(self, velocities) -> None:
        self._scatter("v", self._to3(velocities), 1)

    def particle_energies(self) -> np.ndarray:
        """Per-particle potential energy E_i = 1/2 sum_j U(r_ij) of the current positions, shape (N,)."""
        self.run(0)
        return self._gather("c_glassdyn_peatom", 1, 1)[:, 0]

    def potential_energy(self) -> float:
        """Potential energy per particle of the current positions."""
        self.run(0)
        return self.thermo("pe")
