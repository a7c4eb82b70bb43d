"""Cage states: average particle positions while every particle is held in its own cage.

The CAGE method (Alkemade, Smallenburg, Filion, JCP 158, 134512 (2023); roadmap SI I.E)
describes a structure by its initial positions *and* its cage state: the configuration of
average positions when rearrangements are forbidden. It is sampled by Metropolis Monte Carlo
with single-particle moves at the temperature T of the structure, where each particle i is
confined to a sphere (2D: disk) of radius r_c^i = ``cage_radius_factor`` * sigma_{s_i s_i}
centred on its initial position; a move leaving the cage is rejected. The roadmap uses
r_c = 1.25 sigma_aa for both KA systems.

Protocol (defaults)
-------------------
The sweep counts of Alkemade et al. (2023) could not be read from here (only the abstract of
the paper was reachable), so the defaults are our own choice:

- ``n_equilibration_sweeps = 1000``: the input is already an equilibrium liquid at T; this
  phase lets the particles fill their cages and tunes the maximum step towards 40 %
  acceptance (multiplicative update every ``adapt_interval`` sweeps). The step is then
  frozen, so the sampling phase is a proper (time-homogeneous) Markov chain.
- ``n_sampling_sweeps = 10000``: positions are averaged after every sweep (one sweep = N
  attempted moves, particles picked at random). This fixes the averaging window rather
  than reaching convergence: with cages of 1.25 sigma_aa the particles keep wandering
  inside them (beta relaxation; some reach the cage wall, see ``max_excursion``). For a
  BOTAN KA 3D structure at T = 0.44 (N = 4096) the defaults give acceptance 0.40 and mean
  Delta r_cage = 0.14 sigma_11, but two seeds give cage positions 0.09 sigma_11 apart
  (median) and Delta r_cage correlated at only 0.54 between them; ``standard_error``
  (batch means, median 0.018 sigma_11) underestimates that, because the wandering is
  slower than a batch. Longer runs or several seeds averaged reduce it.

Implementation
--------------
Every particle stays within r_c of its initial position, so two particles a distance
r_0 apart at the start can never come closer than r_0 - r_c^i - r_c^j. A neighbour list
built ONCE from the initial positions with the pair cutoff r_ab + r_c^i + r_c^j (r_ab the
potential cutoff) is therefore exact for the whole run; it is found with
:func:`~glassdyn.descriptors.neighbours.pair_list` over all periodic images (the boxes of
small systems are smaller than that reach) and stored per particle (CSR) with the image
shift of each neighbour, so positions stay continuous (never wrapped) from the input ones.
A particle's own periodic images are left out: their distance never changes, so neither
does their energy. Moves are evaluated on a Verlet sub-list of it (entries within
r_ab + ``verlet_skin`` of the current positions, refreshed from the static list whenever a
particle gets further than half the skin from where it was built): about 2x fewer
neighbours for KA at T = 0.44 and bitwise the same chain as the static list alone, since
both give the same nonzero terms in the same order.

The energy change of a move is computed by a numba kernel with the exact
pair potential of :class:`~glassdyn.systems.PairPotential` (``force_shifted``,
``truncated_shifted`` or ``polynomial``). Random numbers come from a seeded NumPy
``Generator`` in blocks, so a seed gives the same result on every machine.

Units: lengths sigma_11, energies and temperature epsilon_11 (k_B = 1).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from glassdyn.descriptors.neighbours import pair_list
from glassdyn.geometry import nearest_lattice_vector
from glassdyn.systems.potentials import PairPotential
# the potential tables and U(r) live in glassdyn.systems.tables (shared with swap Monte Carlo);
# re-exported here under their former names
from glassdyn.systems.tables import FORM_CODES, PotentialTables  # noqa: F401
from glassdyn.systems.tables import pair_energy as _pair_energy

logger = logging.getLogger(__name__)

#: random numbers drawn per block of sweeps (bounds the memory of the random buffers)
_RANDOM_BLOCK = 1 << 21


# -- Monte Carlo kernels -------------------------------------------------------------------
@numba.njit(cache=True)
def _energy_change(i, trial, x, types, start, nbr, shift, form, eps, sig2, rc, rc2, e_shift, f_shift, poly):
    """E_i(trial) - E_i(x_i): one pass over i's neighbours for both positions."""
    d = x.shape[1]
    a = types[i]
    c0, c2, c4 = poly[0], poly[1], poly[2]
    delta = 0.0
    for k in range(start[i], start[i + 1]):
        j = nbr[k]
        b = types[j]
        r2_new = 0.0
        r2_old = 0.0
        for c in range(d):
            xj = x[j, c] + shift[k, c]
            dn = xj - trial[c]
            do = xj - x[i, c]
            r2_new += dn * dn
            r2_old += do * do
        # most entries of a neighbour list are beyond the cutoff: test before evaluating
        cut2 = rc2[a, b]
        if r2_new < cut2:
            delta += _pair_energy(r2_new, form, eps[a, b], sig2[a, b], rc[a, b], e_shift[a, b], f_shift[a, b], c0, c2, c4)
        if r2_old < cut2:
            delta -= _pair_energy(r2_old, form, eps[a, b], sig2[a, b], rc[a, b], e_shift[a, b], f_shift[a, b], c0, c2, c4)
    return delta


@numba.njit(cache=True)
def _refresh(x, types, start, nbr, shift, reach2, vstart, vnbr, vshift, xref):
    """Verlet list: the entries of the static list closer than sqrt(reach2) at the current x."""
    n, d = x.shape
    pos = 0
    for i in range(n):
        vstart[i] = pos
        a = types[i]
        for k in range(start[i], start[i + 1]):
            j = nbr[k]
            r2 = 0.0
            for c in range(d):
                dd = x[j, c] + shift[k, c] - x[i, c]
                r2 += dd * dd
            if r2 < reach2[a, types[j]]:
                vnbr[pos] = j
                for c in range(d):
                    vshift[pos, c] = shift[k, c]
                pos += 1
        for c in range(d):
            xref[i, c] = x[i, c]
    vstart[n] = pos


@numba.njit(cache=True)
def _sweeps(x, x0, types, radius2, start, nbr, shift, use_verlet, half_skin2, reach2, vstart, vnbr, vshift, xref,
            form, eps, sig2, rc, rc2, e_shift, f_shift, poly, beta, step, picks, kicks, coins, position_sum,
            max_excursion2):
    """Run len(picks) sweeps of single-particle Metropolis moves inside the cages.

    picks (S, N) particle of each move; kicks (S, N, d) uniform [0, 1) for the displacement;
    coins (S, N) uniform [0, 1) for the acceptance. Adds x after every sweep to position_sum
    (when it has rows). With ``use_verlet`` every particle is kept within sqrt(half_skin2) of
    xref, where the Verlet list (vstart, vnbr, vshift) was built; a trial or accepted move
    beyond that uses the static list and refreshes the Verlet list. Both lists give the same
    nonzero terms in the same order, hence bitwise the same chain.
    Returns (accepted moves, Verlet refreshes).
    """
    n, d = x.shape
    trial = np.empty(d)
    accepted = 0
    refreshes = 0
    for s in range(picks.shape[0]):
        for m in range(n):
            i = picks[s, m]
            excursion2 = 0.0
            for c in range(d):
                trial[c] = x[i, c] + step * (2.0 * kicks[s, m, c] - 1.0)
                e = trial[c] - x0[i, c]
                excursion2 += e * e
            if excursion2 > radius2[i]:
                continue  # the move would leave the cage
            far = True
            if use_verlet:
                moved2 = 0.0
                for c in range(d):
                    e = trial[c] - xref[i, c]
                    moved2 += e * e
                far = moved2 > half_skin2
            if far:
                de = _energy_change(i, trial, x, types, start, nbr, shift, form, eps, sig2, rc, rc2, e_shift, f_shift, poly)
            else:
                de = _energy_change(i, trial, x, types, vstart, vnbr, vshift, form, eps, sig2, rc, rc2, e_shift, f_shift, poly)
            if de <= 0.0 or coins[s, m] < np.exp(-beta * de):
                for c in range(d):
                    x[i, c] = trial[c]
                if excursion2 > max_excursion2[i]:
                    max_excursion2[i] = excursion2
                accepted += 1
                if use_verlet and far:
                    _refresh(x, types, start, nbr, shift, reach2, vstart, vnbr, vshift, xref)
                    refreshes += 1
        if position_sum.shape[0] > 0:
            for i in range(n):
                for c in range(d):
                    position_sum[i, c] += x[i, c]
    return accepted, refreshes


# -- neighbour list ---------------------------------------------------------------------------
def _check_configuration(positions, types, box, n_types):
    positions = np.array(positions, dtype=np.float64)  # a copy: the caller's array is never moved
    box = np.ascontiguousarray(box, dtype=np.float64).reshape(-1)
    types = np.ascontiguousarray(types, dtype=np.int64).reshape(-1)
    if len(box) not in (2, 3) or positions.ndim != 2 or positions.shape[1] != len(box):
        raise ValueError(f"positions must be (N, d) with d = len(box) in (2, 3); got {positions.shape} and box {box.shape}")
    if len(types) != len(positions):
        raise ValueError(f"types has {len(types)} entries for {len(positions)} particles")
    if len(types) and (types.min() < 0 or types.max() >= n_types):
        raise ValueError(f"types must be 0-based below {n_types}, got range [{types.min()}, {types.max()}]")
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite")
    return positions, types, box


@dataclass(frozen=True)
class StaticNeighbours:
    """Per-particle (CSR) neighbour list with image shifts, valid while particles stay caged.

    start : (N + 1,) neighbours of i are entries start[i]:start[i + 1]
    index : (K,) neighbour particle j (never i itself)
    shift : (K, d) lattice vector such that x_j + shift - x_i is the interacting image, sigma_11
    """

    start: np.ndarray
    index: np.ndarray
    shift: np.ndarray

    @classmethod
    def build(cls, positions, types, box, reach) -> "StaticNeighbours":
        """Pairs with |x_j + shift - x_i| < reach[s_i, s_j] at ``positions`` (continuous, any image).

        reach : (n_types, n_types) symmetric pair distance beyond which a pair is dropped.
        """
        positions = np.asarray(positions, dtype=np.float64)
        n, d = positions.shape
        reach = np.asarray(reach, dtype=np.float64)
        present = np.unique(types)
        pairs = pair_list(positions, box, float(reach[np.ix_(present, present)].max()))
        keep = (pairs.i != pairs.j) & (pairs.distances < reach[types[pairs.i], types[pairs.j]])
        i, j, v = pairs.i[keep], pairs.j[keep], pairs.vectors[keep]
        # pair_list wraps positions into the box; recover the lattice vector between the
        # continuous positions given here (an exact multiple of the box edges)
        shift = nearest_lattice_vector(v - (positions[j] - positions[i]), box)
        owner = np.concatenate([i, j])
        order = np.argsort(owner, kind="stable")
        index = np.concatenate([j, i])[order].astype(np.int64)
        shift = np.ascontiguousarray(np.concatenate([shift, -shift])[order])
        start = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n))]).astype(np.int64)
        return cls(start, index, shift)

    def __len__(self) -> int:
        return len(self.index)


def energy_change(potential: PairPotential, positions, types, box, particle: int, new_position) -> float:
    """E(particle moved to ``new_position``) - E(positions), from the numba kernel (for checks).

    positions (N, d) and new_position (d,) in sigma_11; energy in epsilon_11.
    """
    tables = PotentialTables.from_potential(potential)
    positions, types, box = _check_configuration(positions, types, box, potential.mixture.n_types)
    trial = np.ascontiguousarray(new_position, dtype=np.float64)
    moved = float(np.linalg.norm(trial - positions[particle]))
    neighbours = StaticNeighbours.build(positions, types, box, tables.cutoff + moved * (1.0 + 1e-12) + 1e-12)
    return float(_energy_change(int(particle), trial, positions, types, neighbours.start, neighbours.index,
                                neighbours.shift, *tables.arrays()))


# -- Monte Carlo ------------------------------------------------------------------------------
class CageStateMonteCarlo:
    """Cage state of a configuration by caged single-particle Metropolis Monte Carlo.

    Parameters
    ----------
    potential : the pair potential of the system
    temperature : T of the structure, epsilon_11
    cage_radius_factor : cage radius of a particle of type a is this times sigma_aa (roadmap: 1.25)
    n_equilibration_sweeps : sweeps (N attempted moves each) before averaging; the step is tuned here
    n_sampling_sweeps : sweeps over which positions are averaged (after every sweep)
    max_step : initial half-edge of the cubic proposal box, sigma_11 (tuned during equilibration only)
    target_acceptance : acceptance ratio the step tuning aims at
    adapt_interval : sweeps between step updates during equilibration
    n_blocks : batches of the sampling phase for ``standard_error``
    verlet_skin : skin of the Verlet sub-list taken from the static list, sigma_11; None uses
        the static list for every move (the same chain, about 2x slower for KA at T = 0.44)
    seed : seed of the random number generator (same seed, same result)
    progress : optional callable(phase, sweeps_done, sweeps_total, acceptance), called after
        each block of sweeps; phase is "equilibration" or "sampling"

    Attributes (after :meth:`compute`)
    ----------------------------------
    positions : (N, d) cage positions (average over the sampling sweeps), continuous from the input
    displacement : (N,) Delta r_cage = |r_cage - r_init|, sigma_11
    standard_error : (N,) statistical error of the cage positions (batch means, norm over d)
    acceptance : acceptance ratio of the sampling phase
    max_step_ : the frozen step of the sampling phase, sigma_11
    final_positions : (N, d) last configuration of the chain
    max_excursion : (N,) largest distance of a particle from its initial position during the run
    cage_radii : (N,) cage radius of each particle, sigma_11
    n_neighbours : mean length of the static neighbour list per particle
    n_refreshes : how often the Verlet sub-list was rebuilt
    timings : seconds spent in "neighbours", "equilibration", "sampling"
    """

    def __init__(
        self,
        potential: PairPotential,
        temperature: float,
        *,
        cage_radius_factor: float = 1.25,
        n_equilibration_sweeps: int = 1000,
        n_sampling_sweeps: int = 10000,
        max_step: float = 0.1,
        target_acceptance: float = 0.4,
        adapt_interval: int = 10,
        n_blocks: int = 20,
        verlet_skin: float | None = 0.6,
        seed: int = 0,
        progress: Callable[[str, int, int, float], None] | None = None,
    ):
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if not cage_radius_factor > 0:
            raise ValueError(f"cage_radius_factor must be positive, got {cage_radius_factor}")
        if n_equilibration_sweeps < 0 or n_sampling_sweeps < 1:
            raise ValueError("need n_equilibration_sweeps >= 0 and n_sampling_sweeps >= 1")
        if not max_step > 0 or not 0 < target_acceptance < 1 or adapt_interval < 1 or n_blocks < 1:
            raise ValueError("need max_step > 0, 0 < target_acceptance < 1, adapt_interval >= 1, n_blocks >= 1")
        self.potential = potential
        self.temperature = float(temperature)
        self.cage_radius_factor = float(cage_radius_factor)
        self.n_equilibration_sweeps = int(n_equilibration_sweeps)
        self.n_sampling_sweeps = int(n_sampling_sweeps)
        self.max_step = float(max_step)
        self.target_acceptance = float(target_acceptance)
        self.adapt_interval = int(adapt_interval)
        self.n_blocks = int(n_blocks)
        if verlet_skin is not None and not verlet_skin > 0:
            raise ValueError(f"verlet_skin must be positive or None, got {verlet_skin}")
        self.verlet_skin = verlet_skin
        self.seed = seed
        self.progress = progress

    def compute(self, positions, types, box, checkpoint=None) -> "CageStateMonteCarlo":
        """Sample the cage state of ``positions`` (N, d), ``types`` (N,) 0-based, ``box`` (d,).

        ``checkpoint``: a :class:`~glassdyn.md.checkpoint.Checkpoint` of this chain (its
        identity names the configuration and the parameters): the chain saves after blocks of
        sweeps, as often as the checkpoint's interval allows, and a chain resumed from it ends
        bit for bit where an uninterrupted one does (positions, random stream, step, sums and
        the Verlet sub-list are all in it).
        """
        mixture = self.potential.mixture
        x0, types, box = _check_configuration(positions, types, box, mixture.n_types)
        if x0.shape[1] != mixture.dimension:
            raise ValueError(f"{mixture.name} is {mixture.dimension}D, positions are {x0.shape[1]}D")
        n, d = x0.shape
        tables = PotentialTables.from_potential(self.potential)
        type_radius = self.cage_radius_factor * np.diag(mixture.sigma_matrix)
        self.cage_radii = type_radius[types]
        self.timings = {}

        t0 = time.perf_counter()
        reach = tables.cutoff + type_radius[:, None] + type_radius[None, :]
        neighbours = StaticNeighbours.build(x0, types, box, reach)
        self.n_neighbours = len(neighbours) / max(n, 1)
        self.timings["neighbours"] = time.perf_counter() - t0

        rng = np.random.default_rng(self.seed)
        x = x0.copy()
        max_excursion2 = np.zeros(n)
        radius2 = self.cage_radii**2
        step = self.max_step
        # a step beyond the cage diameter only adds rejections
        step_cap = 2.0 * float(type_radius.max())
        # Verlet sub-list: the static entries within r_ab + skin of the current positions, valid
        # while every particle stays within skin / 2 of where it was last built
        use_verlet = self.verlet_skin is not None
        skin = float(self.verlet_skin) if use_verlet else 0.0
        reach2 = (tables.cutoff + skin) ** 2
        vstart = np.zeros(n + 1, dtype=np.int64)
        vnbr = np.zeros(len(neighbours) if use_verlet else 0, dtype=np.int64)
        vshift = np.zeros((len(vnbr), d))
        xref = np.zeros((n, d))
        if use_verlet:
            _refresh(x, types, neighbours.start, neighbours.index, neighbours.shift, reach2, vstart, vnbr, vshift, xref)
        self.n_refreshes = 0
        blocks = [len(b) for b in np.array_split(np.arange(self.n_sampling_sweeps), min(self.n_blocks, self.n_sampling_sweeps))]
        block_means = np.empty((len(blocks), n, d))
        position_sum = np.zeros((n, d))
        # where the chain is: equilibration sweeps done; sampling block, sweeps done in it, accepted
        where = {"equilibration": 0, "block": 0, "in_block": 0, "sampled": 0, "accepted": 0}
        chain = {"x": x, "max_excursion2": max_excursion2, "vstart": vstart, "vnbr": vnbr, "vshift": vshift,
                 "xref": xref, "block_means": block_means, "position_sum": position_sum}
        restored = checkpoint.load() if checkpoint is not None else None
        if restored is not None:
            arrays, progress = restored
            for name, array in chain.items():
                array[...] = arrays[name]
            where = progress["where"]
            step, self.n_refreshes = progress["step"], progress["n_refreshes"]
            rng.bit_generator.state = progress["rng"]
            logger.info("cage state: resuming at %s", where)

        def save():
            if checkpoint is not None:
                checkpoint.save(chain, {"where": where, "step": step, "n_refreshes": self.n_refreshes,
                                        "rng": rng.bit_generator.state})

        def run(n_sweeps, position_sum):
            picks = rng.integers(0, n, size=(n_sweeps, n))
            kicks = rng.random((n_sweeps, n, d))
            coins = rng.random((n_sweeps, n))
            accepted, refreshes = _sweeps(
                x, x0, types, radius2, neighbours.start, neighbours.index, neighbours.shift,
                use_verlet, (skin / 2.0) ** 2, reach2, vstart, vnbr, vshift, xref,
                *tables.arrays(), 1.0 / self.temperature, step, picks, kicks, coins, position_sum, max_excursion2,
            )
            self.n_refreshes += refreshes
            return accepted

        chunk = max(1, _RANDOM_BLOCK // max(n * (d + 2), 1))
        no_sum = np.zeros((0, d))

        t0 = time.perf_counter()
        while where["equilibration"] < self.n_equilibration_sweeps:
            m = min(self.adapt_interval, chunk, self.n_equilibration_sweeps - where["equilibration"])
            ratio = run(m, no_sum) / (m * n) if n else 0.0
            where["equilibration"] += m
            # multiplicative tuning, damped so one noisy interval cannot wreck the step
            step = float(np.clip(step * np.clip(ratio / self.target_acceptance, 0.7, 1.3), 1e-6, step_cap))
            if self.progress is not None:
                self.progress("equilibration", where["equilibration"], self.n_equilibration_sweeps, ratio)
            save()
        self.timings["equilibration"] = time.perf_counter() - t0
        self.max_step_ = step

        t0 = time.perf_counter()
        while where["block"] < len(blocks):
            size = blocks[where["block"]]
            while where["in_block"] < size:
                m = min(chunk, size - where["in_block"])
                where["accepted"] += run(m, position_sum)
                where["in_block"] += m
                where["sampled"] += m
                if self.progress is not None:
                    self.progress("sampling", where["sampled"], self.n_sampling_sweeps,
                                  where["accepted"] / (where["sampled"] * n) if n else 0.0)
                if where["in_block"] == size:  # the block's mean, before the checkpoint can see it done
                    block_means[where["block"]] = position_sum / size
                    position_sum[...] = 0.0
                    where["block"], where["in_block"] = where["block"] + 1, 0
                    save()
                    break
                save()
        accepted = where["accepted"]
        self.timings["sampling"] = time.perf_counter() - t0

        weights = np.asarray(blocks, dtype=float) / self.n_sampling_sweeps
        self.positions = np.einsum("b,bnd->nd", weights, block_means)
        if len(blocks) > 1:
            var = ((block_means - self.positions) ** 2).sum(axis=(0, 2)) / (len(blocks) - 1)
            self.standard_error = np.sqrt(var / len(blocks))
        else:
            self.standard_error = np.full(n, np.nan)
        self.displacement = np.linalg.norm(self.positions - x0, axis=1)
        self.acceptance = accepted / (self.n_sampling_sweeps * n) if n else 0.0
        self.final_positions = x
        self.max_excursion = np.sqrt(max_excursion2)
        logger.info(
            "cage state: N=%d, %.0f neighbours/particle, %d Verlet refreshes, step %.4f, acceptance %.3f, "
            "mean Delta r_cage %.4f; %.2fs list, %.2fs equilibration, %.2fs sampling",
            n, self.n_neighbours, self.n_refreshes, step, self.acceptance, self.displacement.mean() if n else 0.0,
            self.timings["neighbours"], self.timings["equilibration"], self.timings["sampling"],
        )
        return self
