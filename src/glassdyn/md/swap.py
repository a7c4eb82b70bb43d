"""Swap Monte Carlo coupled to LAMMPS molecular dynamics.

Protocol (GlassMLP PRL, SM I; Berthier et al., J. Stat. Mech. 2019, 064004): every ``n_md``
MD steps (paper: 10, dt = 0.01, Nose-Hoover at T) a swap phase of ``n_swap`` attempts (paper:
2100 for N = 1290): pick a particle i at random and a particle j of a different type at
random, exchange their types, accept with the Metropolis probability min(1, exp(-dE / T)) of
the exact potential-energy change dE. Positions and velocities are untouched; with equal
masses (KA2D) the kinetic energy is too, so no velocity rescaling is needed.

Why it is fast
--------------
LAMMPS' ``fix atom/swap`` recomputes the energy of the whole system (and, with
type-dependent cutoffs, rebuilds its neighbour lists) for every attempt: about 300
attempts/s for KA2D with N = 1290. Exchanging the types of i and j only changes the pairs
that involve i or j, so dE is a sum over the two neighbourhoods. Positions do not change
during a swap phase, so the numba kernel bins them into a cell list once per phase (cells at
least as wide as the largest cutoff: a 3^d stencil holds every interacting neighbour) and,
the first time a particle takes part in an attempt, builds its neighbour list (r^2, 1/r^2)
and its type energies E_p(c), the energy of p with its neighbours if p had type c. An
attempt then costs O(1); an accepted swap updates the type energies of the two
neighbourhoods. About 0.8 microseconds per attempt for N = 1290 with the paper's 2100
attempts per phase, list building included (``benchmarks/swap_speed.py``).

With ``i`` of type a and ``j`` of type b:

    dE = sum_{k != i, j} [U_bt(r_ik) - U_at(r_ik)] + sum_{k != i, j} [U_at(r_jk) - U_bt(r_jk)]
       = E_i(b) - E_i(a) + E_j(a) - E_j(b) - [U_bb(r_ij) - U_ab(r_ij) + U_aa(r_ij) - U_ba(r_ij)],

t = type of k, each pair inside its own (type-dependent) cutoff. The i-j pair itself is left
out: it is a-b before and b-a after, and U_ab = U_ba.

LAMMPS after a swap phase
-------------------------
LAMMPS' neighbour lists (built with type-pair cutoffs), its ghost atoms (which carry copies
of the types, refreshed only when it re-neighbours) and the forces the next step starts
from all belong to the old types. Two ways to make them right:

- ``Simulation(uniform_neighbour_cutoff=True)`` (what the equilibration uses): a ``pair_style
  zero`` overlay at the largest cutoff makes the neighbour lists type-independent; the kernel
  also accumulates the exact force change of the accepted swaps, and
  :meth:`Simulation.retype_in_place` writes the new types (owned and ghost atoms) and adds
  the force change into LAMMPS. The next run needs no set-up: a cycle costs 1.3x 10 MD steps.
- otherwise :meth:`Simulation.set_types` makes the next :meth:`Simulation.run` do LAMMPS'
  full set-up (``run N pre yes``), about two MD steps' worth per cycle (1.5x).

Both give the trajectory of a fresh LAMMPS instance of the swapped state
(``tests/test_swap.py``); skipping either gives wrong forces near the swapped particles.

Units: lengths sigma_11, energies and temperature epsilon_11 (k_B = 1). Types are 0-based.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import numba
import numpy as np

from glassdyn.geometry_kernels import minimum_image_wrapped, wrap_component
from glassdyn.md.simulation import Simulation
from glassdyn.systems.potentials import PairPotential
from glassdyn.systems.tables import PotentialTables, pair_energy_reciprocal, pair_force_over_r

log = logging.getLogger(__name__)


# -- kernels ----------------------------------------------------------------------------------
@numba.njit(cache=True)
def _cell_list(x, box, n_cells):
    """Positions wrapped into [0, L), their cell (N, d), and the particles sorted by flat cell.

    Returns (wrapped, flat, cell_start, order): flat (N,) is each particle's cell, row-major
    over dimensions 0..d-1; particles of cell c are order[cell_start[c]:cell_start[c + 1]].
    """
    n, d = x.shape
    wrapped = np.empty((n, d))
    flat = np.empty(n, dtype=np.int64)
    total = 1
    for k in range(d):
        total *= n_cells[k]
    cell_start = np.zeros(total + 1, dtype=np.int64)
    for i in range(n):
        f = 0
        for k in range(d):
            y = wrap_component(x[i, k], box[k])
            wrapped[i, k] = y
            c = int(y * n_cells[k] / box[k])
            if c >= n_cells[k]:
                c = n_cells[k] - 1
            f = f * n_cells[k] + c
        flat[i] = f
        cell_start[f + 1] += 1
    for c in range(total):
        cell_start[c + 1] += cell_start[c]
    fill = cell_start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[fill[flat[i]]] = i
        fill[flat[i]] += 1
    return wrapped, flat, cell_start, order


@numba.njit(cache=True)
def _stencils(n_cells):
    """The distinct cells around each cell of the periodic grid: (n_total, 3^d) flat indices, -1 padded.

    Offsets -1, 0, +1 per dimension; a dimension with fewer than 3 cells lists each of its
    cells once, so no cell is visited twice.
    """
    d = n_cells.shape[0]
    total = 1
    n_stencil = 1
    for k in range(d):
        total *= n_cells[k]
        n_stencil *= 3
    stencils = np.full((total, n_stencil), -1, dtype=np.int64)
    home = np.empty(d, dtype=np.int64)
    for c in range(total):
        rest = c
        for k in range(d - 1, -1, -1):  # row-major, as in _cell_list
            home[k] = rest % n_cells[k]
            rest //= n_cells[k]
        count = 0
        for s in range(n_stencil):
            code = s
            f = 0
            valid = True
            for k in range(d):
                m = code % 3
                code //= 3
                nk = n_cells[k]
                if nk >= 3:
                    ck = (home[k] + m - 1 + nk) % nk
                elif m < nk:
                    ck = m
                else:
                    valid = False
                    break
                f = f * nk + ck
            if valid:
                stencils[c, count] = f
                count += 1
    return stencils


@numba.njit(cache=True)
def _collect_neighbours(p, wrapped, box, stencil, cell_start, order, cutoff2, index, dist2, inv2, pos):
    """Write p's neighbours closer than sqrt(cutoff2), r^2 and 1 / r^2 at entry ``pos`` on.

    ``stencil``: the cells around p's cell (see :func:`_stencils`). Distances take the minimum
    image, valid because L >= 2 r_c (checked by the caller): at most one image of a particle
    lies within the cutoff. Returns the next free entry.
    """
    d = wrapped.shape[1]
    for s in range(stencil.shape[0]):
        f = stencil[s]
        if f < 0:
            break
        for q in range(cell_start[f], cell_start[f + 1]):
            k = order[q]
            if k == p:
                continue
            r2 = 0.0
            for c in range(d):
                # both wrapped into [0, L): |dx| < L, one conditional shift is the minimum image
                dx = minimum_image_wrapped(wrapped[k, c] - wrapped[p, c], box[c])
                r2 += dx * dx
            if r2 < cutoff2:
                index[pos] = k
                dist2[pos] = r2
                inv2[pos] = 1.0 / r2  # each entry serves several attempts and two type pairs
                pos += 1
    return pos


@numba.njit(cache=True)
def _retype_energy(p, old, new, skip, types, first, last, index, dist2, inv2,
                   form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly):
    """E(p has type ``new``) - E(p has type ``old``), summed over p's neighbours except ``skip``.

    p's neighbours within the largest cutoff are index[first[p]:last[p]], at squared
    distances dist2[...] (reciprocals inv2[...]); each pair counts inside its own
    type-dependent cutoff.
    """
    c0, c2, c4 = poly[0], poly[1], poly[2]
    delta = 0.0
    for e in range(first[p], last[p]):
        k = index[e]
        if k == skip:
            continue
        r2 = dist2[e]
        t = types[k]
        if r2 < rc2[new, t]:
            delta += pair_energy_reciprocal(r2, inv2[e], form, eps[new, t], sig2[new, t], inv_sig2[new, t], rc[new, t],
                                            e_shift[new, t], f_shift[new, t], c0, c2, c4)
        if r2 < rc2[old, t]:
            delta -= pair_energy_reciprocal(r2, inv2[e], form, eps[old, t], sig2[old, t], inv_sig2[old, t], rc[old, t],
                                            e_shift[old, t], f_shift[old, t], c0, c2, c4)
    return delta


@numba.njit(cache=True)
def _type_energies(p, types, first, last, dist2, inv2, index, n_types,
                   form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly, out):
    """out[c] = energy of p with its neighbours if p had type c, for every type c."""
    c0, c2, c4 = poly[0], poly[1], poly[2]
    for c in range(n_types):
        out[c] = 0.0
    for e in range(first[p], last[p]):
        t = types[index[e]]
        r2 = dist2[e]
        for c in range(n_types):
            if r2 < rc2[c, t]:
                out[c] += pair_energy_reciprocal(r2, inv2[e], form, eps[c, t], sig2[c, t], inv_sig2[c, t], rc[c, t],
                                                 e_shift[c, t], f_shift[c, t], c0, c2, c4)


@numba.njit(cache=True)
def _pair_term(r2, c, t, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly):
    """U_ct(r) inside its cutoff, 0 outside."""
    if r2 >= rc2[c, t]:
        return 0.0
    return pair_energy_reciprocal(r2, 1.0 / r2, form, eps[c, t], sig2[c, t], inv_sig2[c, t], rc[c, t],
                                  e_shift[c, t], f_shift[c, t], poly[0], poly[1], poly[2])


@numba.njit(cache=True)
def _neighbour_retyped(p, old, new, skip, first, last, dist2, index, n_types, cache,
                       form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly):
    """p's type went from ``old`` to ``new``: update the type energies of p's neighbours whose
    cache exists (every neighbour but ``skip``)."""
    for e in range(first[p], last[p]):
        k = index[e]
        if k == skip or first[k] < 0:
            continue
        r2 = dist2[e]
        for c in range(n_types):
            cache[k, c] += (_pair_term(r2, c, new, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                            - _pair_term(r2, c, old, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly))


@numba.njit(cache=True)
def _add_force_change(p, old, new, skip, types, first, last, index, dist2, wrapped, box,
                      form, eps, sig2, rc, rc2, f_shift, poly, force_change):
    """Add to ``force_change`` the change of the pair forces of p (and of its neighbours) when p's
    type goes from ``old`` to ``new``; the pair with ``skip`` (the swap partner) is unchanged."""
    c2, c4 = poly[1], poly[2]
    d = wrapped.shape[1]
    for e in range(first[p], last[p]):
        k = index[e]
        if k == skip:
            continue
        r2 = dist2[e]
        t = types[k]
        df = 0.0
        if r2 < rc2[new, t]:
            df += pair_force_over_r(r2, form, eps[new, t], sig2[new, t], rc[new, t], f_shift[new, t], c2, c4)
        if r2 < rc2[old, t]:
            df -= pair_force_over_r(r2, form, eps[old, t], sig2[old, t], rc[old, t], f_shift[old, t], c2, c4)
        if df == 0.0:
            continue
        for c in range(d):
            dx = minimum_image_wrapped(wrapped[p, c] - wrapped[k, c], box[c])
            force_change[p, c] += df * dx
            force_change[k, c] -= df * dx


@numba.njit(cache=True)
def _neighbour_pool(n, n_touched, box, cutoff):
    """Empty neighbour storage for one phase: (first, last, index, dist2, inv2).

    Neighbour lists are built lazily, the first time a particle takes part in an attempt
    (positions are fixed during a phase), for at most ``n_touched`` particles. The entries are
    sized for the mean number within ``cutoff`` at the mean density plus a margin; they grow
    in :func:`_add_neighbours` when a dense region needs more.
    """
    d = box.shape[0]
    volume = 1.0
    for k in range(d):
        volume *= box[k]
    sphere = np.pi * cutoff**2 if d == 2 else 4.0 / 3.0 * np.pi * cutoff**3
    size = min(n, n_touched) * (int(1.25 * sphere * n / volume) + 8)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    return first, last, np.empty(size, dtype=np.int64), np.empty(size), np.empty(size)


@numba.njit(cache=True)
def _add_neighbours(p, wrapped, box, stencil, cell_start, order, cutoff2, first, last, index, dist2, inv2, pos):
    """Append p's neighbour list to the storage (grown if p's cells could overflow it).

    Returns (next free entry, index, dist2, inv2): the arrays are new ones after growing.
    """
    bound = 0
    for s in range(stencil.shape[0]):
        f = stencil[s]
        if f < 0:
            break
        bound += cell_start[f + 1] - cell_start[f]
    if pos + bound > index.shape[0]:
        size = max(2 * index.shape[0], pos + bound)
        grown_index = np.empty(size, dtype=np.int64)
        grown_dist2 = np.empty(size)
        grown_inv2 = np.empty(size)
        grown_index[:pos] = index[:pos]
        grown_dist2[:pos] = dist2[:pos]
        grown_inv2[:pos] = inv2[:pos]
        index, dist2, inv2 = grown_index, grown_dist2, grown_inv2
    first[p] = pos
    pos = _collect_neighbours(p, wrapped, box, stencil, cell_start, order, cutoff2, index, dist2, inv2, pos)
    last[p] = pos
    return pos, index, dist2, inv2


@numba.njit(cache=True)
def _swap_phase(x, box, types, n_cells, n_types, form, eps, sig2, rc, rc2, e_shift, f_shift, poly,
                beta, uniforms, attempts, accepts, force_change, track_forces):
    """len(uniforms) swap attempts at fixed positions; ``types`` (N,) int64 is updated in place.

    uniforms (M, 3) in [0, 1): pick of i, pick of j, Metropolis coin. attempts, accepts
    (n_types, n_types) int64 are incremented at [min(a, b), max(a, b)] of the attempted pair.
    With ``track_forces``, ``force_change`` (N, d) accumulates the exact change of every
    particle's force due to the accepted swaps (applied in order, each with the types current
    at its time). Returns (accepted swaps, sum of their dE).

    Proposal and detailed balance: i is uniform over all N particles, j uniform over the
    N - N_a particles whose type differs from a = type(i) (drawn directly from per-type member
    lists, no rejection loop). An unordered pair {i, j} of types {a, b} is thus proposed with
    probability (1/N) [1/(N - N_a) + 1/(N - N_b)]. A swap conserves the composition (N_a,
    N_b unchanged), and the reverse move is the same pair with the types exchanged, proposed
    with the same probability. The proposal is therefore symmetric, and the Metropolis
    acceptance min(1, exp(-beta dE)) gives detailed balance with respect to exp(-beta E) over
    type assignments at fixed positions (and, with positions and momenta untouched, with
    respect to the canonical distribution of the whole system). Conditioned on the type pair
    {a, b}, the pair is uniform over the N_a N_b candidates, as in ``fix atom/swap types a b``.
    Every attempt leaves the canonical distribution stationary, hence so do a phase and its
    alternation with (thermostatted) MD.
    """
    n = types.shape[0]
    wrapped, cell, cell_start, order = _cell_list(x, box, n_cells)
    stencils = _stencils(n_cells)
    # members of each type in contiguous blocks; slot[i] = position of i in members
    count = np.zeros(n_types, dtype=np.int64)
    for i in range(n):
        count[types[i]] += 1
    type_start = np.zeros(n_types + 1, dtype=np.int64)
    for a in range(n_types):
        type_start[a + 1] = type_start[a] + count[a]
    members = np.empty(n, dtype=np.int64)
    slot = np.empty(n, dtype=np.int64)
    fill = type_start[:-1].copy()
    for i in range(n):
        a = types[i]
        members[fill[a]] = i
        slot[i] = fill[a]
        fill[a] += 1

    inv_sig2 = 1.0 / sig2
    cutoff2 = 0.0
    for a in range(n_types):
        for b in range(n_types):
            cutoff2 = max(cutoff2, rc2[a, b])
    first, last, index, dist2, inv2 = _neighbour_pool(n, 2 * uniforms.shape[0], box, np.sqrt(cutoff2))
    pos = 0
    # cache[p, c]: energy of p with its neighbours if p had type c (valid once p's list exists)
    cache = np.zeros((n, n_types))
    d = box.shape[0]

    accepted = 0
    energy = 0.0
    for m in range(uniforms.shape[0]):
        i = min(int(uniforms[m, 0] * n), n - 1)
        a = types[i]
        others = n - count[a]
        r = min(int(uniforms[m, 1] * others), others - 1)
        j = -1
        for b in range(n_types):
            if b == a:
                continue
            if r < count[b]:
                j = members[type_start[b] + r]
                break
            r -= count[b]
        b = types[j]
        for p in (i, j):
            if first[p] < 0:
                pos, index, dist2, inv2 = _add_neighbours(p, wrapped, box, stencils[cell[p]], cell_start, order, cutoff2,
                                                          first, last, index, dist2, inv2, pos)
                _type_energies(p, types, first, last, dist2, inv2, index, n_types,
                               form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly, cache[p])
        # dE from the cached type energies, less the i-j pair, which they count but which is
        # a-b before and b-a after the exchange
        r2 = 0.0
        for c in range(d):
            dx = minimum_image_wrapped(wrapped[i, c] - wrapped[j, c], box[c])
            r2 += dx * dx
        de = cache[i, b] - cache[i, a] + cache[j, a] - cache[j, b]
        if r2 < cutoff2:
            de -= (_pair_term(r2, b, b, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                   - _pair_term(r2, a, b, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                   + _pair_term(r2, a, a, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                   - _pair_term(r2, b, a, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly))
        lo, hi = min(a, b), max(a, b)
        attempts[lo, hi] += 1
        if de <= 0.0 or uniforms[m, 2] < np.exp(-beta * de):
            if track_forces:
                _add_force_change(i, a, b, j, types, first, last, index, dist2, wrapped, box,
                                  form, eps, sig2, rc, rc2, f_shift, poly, force_change)
                _add_force_change(j, b, a, i, types, first, last, index, dist2, wrapped, box,
                                  form, eps, sig2, rc, rc2, f_shift, poly, force_change)
            # neighbours' type energies: i turned a -> b, j turned b -> a
            _neighbour_retyped(i, a, b, j, first, last, dist2, index, n_types, cache,
                               form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
            _neighbour_retyped(j, b, a, i, first, last, dist2, index, n_types, cache,
                               form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
            if r2 < cutoff2:  # and i, j see each other's new type
                for c in range(n_types):
                    cache[i, c] += (_pair_term(r2, c, a, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                                    - _pair_term(r2, c, b, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly))
                    cache[j, c] += (_pair_term(r2, c, b, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly)
                                    - _pair_term(r2, c, a, form, eps, sig2, inv_sig2, rc, rc2, e_shift, f_shift, poly))
            types[i] = b
            types[j] = a
            si, sj = slot[i], slot[j]
            members[si] = j  # j now has type a: it takes i's place in a's block
            members[sj] = i
            slot[i] = sj
            slot[j] = si
            accepts[lo, hi] += 1
            accepted += 1
            energy += de
    return accepted, energy


# -- Python interface -------------------------------------------------------------------------
def _prepare(potential: PairPotential, positions, types, box):
    """Checked contiguous arrays and the cell grid for the kernels."""
    m = potential.mixture
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    box = np.ascontiguousarray(box, dtype=np.float64).reshape(-1)
    if positions.ndim != 2 or positions.shape[1] != len(box) or len(box) != m.dimension:
        raise ValueError(f"positions must be (N, {m.dimension}) with box ({m.dimension},); "
                         f"got {positions.shape}, {box.shape}")
    if len(types) != len(positions):
        raise ValueError(f"types has {len(types)} entries for {len(positions)} particles")
    if len(types) and (np.min(types) < 0 or np.max(types) >= m.n_types):
        raise ValueError(f"types must be 0-based below {m.n_types}")
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite")
    max_cutoff = potential.max_cutoff
    if np.any(box < 2.0 * max_cutoff):
        raise ValueError(f"swap kernel uses the minimum image: box {box} must be at least 2 x the largest "
                         f"cutoff {max_cutoff}")
    # cells at least as wide as the largest cutoff, so the 3^d stencil holds every neighbour
    n_cells = np.maximum(1, np.floor(box / max_cutoff)).astype(np.int64)
    return positions, box, n_cells


def swap_energy_change(potential: PairPotential, positions, types, box, i: int, j: int) -> float:
    """Energy change (epsilon_11) of exchanging the types of particles i and j, from the kernel.

    positions (N, d) sigma_11, types (N,) 0-based, box (d,). Zero for equal types.
    """
    types = np.ascontiguousarray(types, dtype=np.int64)
    positions, box, n_cells = _prepare(potential, positions, types, box)
    t = PotentialTables.from_potential(potential)
    wrapped, cell, cell_start, order = _cell_list(positions, box, n_cells)
    stencils = _stencils(n_cells)
    n = len(types)
    cutoff2 = float(t.cutoff_squared.max())
    first, last, index, dist2, inv2 = _neighbour_pool(n, 2, box, np.sqrt(cutoff2))
    pos = 0
    for p in (int(i), int(j)):
        pos, index, dist2, inv2 = _add_neighbours(p, wrapped, box, stencils[cell[p]], cell_start, order, cutoff2,
                                                  first, last, index, dist2, inv2, pos)
    a, b = int(types[i]), int(types[j])
    args = (types, first, last, index, dist2, inv2, t.form, t.epsilon, t.sigma_squared, 1.0 / t.sigma_squared, t.cutoff,
            t.cutoff_squared, t.energy_shift, t.force_shift, t.polynomial)
    return float(_retype_energy(int(i), a, b, int(j), *args) + _retype_energy(int(j), b, a, int(i), *args))


class SwapMonteCarlo:
    """Swap Monte Carlo phases at temperature T, alone or interleaved with LAMMPS MD.

    Parameters
    ----------
    potential : the pair potential of the system (any form; KA2D uses ``polynomial``)
    temperature : T of the Metropolis criterion, epsilon_11
    n_swap : attempts per swap phase (paper: 2100 for N = 1290, about 1.6 per particle)
    seed : seed or ``numpy.random.Generator`` of the attempts (uniforms drawn per phase)

    Statistics accumulate over all phases: ``attempts`` and ``accepts``, (n_types, n_types)
    int64, upper triangle [a, b] with a <= b counting attempts on pairs of types {a, b};
    ``energy_change``, the summed dE of accepted swaps (epsilon_11); ``n_phases``;
    ``kernel_time``, seconds spent in the kernel.
    """

    def __init__(self, potential: PairPotential, temperature: float, n_swap: int = 2100,
                 seed: int | np.random.Generator | None = 0):
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if n_swap < 0:
            raise ValueError(f"n_swap must be >= 0, got {n_swap}")
        masses = potential.mixture.mass_array
        if not np.all(masses == masses[0]):
            # exchanging unequal masses changes the kinetic energy: the move would need rescaled
            # velocities in its acceptance, which this implementation does not do
            raise ValueError(f"swap Monte Carlo needs equal masses, {potential.mixture.name} has {masses}")
        self.potential = potential
        self.temperature = float(temperature)
        self.n_swap = int(n_swap)
        self.rng = np.random.default_rng(seed)
        self._tables = PotentialTables.from_potential(potential)
        self.reset_statistics()

    def reset_statistics(self) -> None:
        n = self.potential.mixture.n_types
        self.attempts = np.zeros((n, n), dtype=np.int64)
        self.accepts = np.zeros((n, n), dtype=np.int64)
        self.energy_change = 0.0
        self.n_phases = 0
        self.kernel_time = 0.0

    # -- arrays ------------------------------------------------------------------------------
    def swap_types(self, positions, types: np.ndarray, box, n_swap: int | None = None,
                   force_change: np.ndarray | None = None) -> int:
        """One swap phase on arrays: ``types`` (N,) int64, C-contiguous, is updated in place.

        positions (N, d) sigma_11 (any periodic image), box (d,). Returns the accepted swaps.
        ``force_change`` (N, d) float64, if given, accumulates the change of every particle's
        force (epsilon_11 / sigma_11) that the accepted swaps cause.
        """
        if not (isinstance(types, np.ndarray) and types.dtype == np.int64 and types.flags.c_contiguous):
            raise TypeError("types must be a C-contiguous int64 array (it is updated in place)")
        positions, box, n_cells = _prepare(self.potential, positions, types, box)
        n_swap = self.n_swap if n_swap is None else int(n_swap)
        if n_swap == 0:
            return 0
        if np.count_nonzero(np.bincount(types, minlength=self.potential.mixture.n_types)) < 2:
            raise ValueError("swap Monte Carlo needs at least two types present")
        uniforms = self.rng.random((n_swap, 3))
        t = self._tables
        track = force_change is not None
        if track and not (isinstance(force_change, np.ndarray) and force_change.shape == positions.shape
                          and force_change.dtype == np.float64 and force_change.flags.c_contiguous):
            raise TypeError(f"force_change must be a C-contiguous float64 array of shape {positions.shape}")
        start = time.perf_counter()
        accepted, energy = _swap_phase(
            positions, box, types, n_cells, self.potential.mixture.n_types, t.form, t.epsilon, t.sigma_squared,
            t.cutoff, t.cutoff_squared, t.energy_shift, t.force_shift, t.polynomial, 1.0 / self.temperature,
            uniforms, self.attempts, self.accepts, force_change if track else np.zeros((1, positions.shape[1])), track,
        )
        self.kernel_time += time.perf_counter() - start
        self.energy_change += energy
        self.n_phases += 1
        return int(accepted)

    # -- LAMMPS ------------------------------------------------------------------------------
    def swap_phase(self, sim: Simulation, n_swap: int | None = None) -> int:
        """One swap phase on the current state of ``sim``; returns the accepted swaps.

        With a ``Simulation(uniform_neighbour_cutoff=True)`` the new types and the exact force
        change go straight into LAMMPS (:meth:`Simulation.retype_in_place`) and the next run
        needs no set-up; otherwise they go in with :meth:`Simulation.set_types`, so the next
        :meth:`Simulation.run` rebuilds neighbour lists and ghost atoms and recomputes forces.
        """
        types = np.array(sim.types, dtype=np.int64)
        positions = np.ascontiguousarray(sim.positions(), dtype=np.float64)
        if sim.uniform_neighbour_cutoff:
            force_change = np.zeros_like(positions)
            accepted = self.swap_types(positions, types, sim.box, n_swap, force_change)
            if accepted:
                sim.retype_in_place(types, force_change)
        else:
            accepted = self.swap_types(positions, types, sim.box, n_swap)
            if accepted:
                sim.set_types(types)
        return accepted

    def run(self, sim: Simulation, n_cycles: int, n_md: int = 10,
            progress: Callable[[int, int], None] | None = None) -> None:
        """``n_cycles`` times: ``n_md`` MD steps with the integrator of ``sim``, then one swap phase.

        The integrator (paper: Nose-Hoover NVT at T, dt = 0.01) is set by the caller. The first
        MD segment does LAMMPS' full set-up; later ones skip it unless types changed. The LAMMPS
        log is paused during the cycles and gets one summary line after them.
        ``progress(cycle, n_cycles)`` is called after each cycle when given.
        """
        if n_cycles < 0 or n_md < 1:
            raise ValueError("need n_cycles >= 0 and n_md >= 1")
        attempts, accepts = int(self.attempts.sum()), int(self.accepts.sum())
        # every cycle is a LAMMPS run: its log lines would add ~650 bytes per cycle
        with sim.log_paused():
            for cycle in range(n_cycles):
                sim.run(n_md, setup=cycle == 0)
                self.swap_phase(sim)
                if progress is not None:
                    progress(cycle + 1, n_cycles)
        attempts, accepts = int(self.attempts.sum()) - attempts, int(self.accepts.sum()) - accepts
        note = (f"glassdyn swap Monte Carlo: {n_cycles} cycles of {n_md} MD steps + {self.n_swap} swap attempts "
                f"at T = {self.temperature:g}, {accepts} of {attempts} swaps accepted, step {sim.current_step}")
        sim.command(f'print "{note}"')
        log.debug(note)

    # -- statistics --------------------------------------------------------------------------
    @property
    def acceptance(self) -> np.ndarray:
        """Accepted / attempted swaps per type pair, (n_types, n_types) upper triangle; NaN where none."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.attempts > 0, self.accepts / np.maximum(self.attempts, 1), np.nan)

    def statistics(self) -> dict:
        """Swap statistics as plain Python values (for structure metadata)."""
        n = self.potential.mixture.n_types
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        total = int(self.attempts.sum())
        return {
            "swap_temperature": self.temperature,
            "swap_attempts_per_phase": self.n_swap,
            "swap_phases": self.n_phases,
            "swap_attempts": total,
            "swap_accepts": int(self.accepts.sum()),
            "swap_acceptance": float(self.accepts.sum() / total) if total else float("nan"),
            # keys name the pair with 1-based types, as in the paper (types 1, 2, 3)
            **{f"swap_attempts_{a + 1}{b + 1}": int(self.attempts[a, b]) for a, b in pairs},
            **{f"swap_accepts_{a + 1}{b + 1}": int(self.accepts[a, b]) for a, b in pairs},
        }
