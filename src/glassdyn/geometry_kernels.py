"""Numba versions of :mod:`glassdyn.geometry`, one Cartesian component at a time, for kernels.

Separate from :mod:`glassdyn.geometry` so that importing the numpy geometry does not import
numba. Each helper is ``inline="always"``: numba pastes its body into the calling kernel
before compilation, so a loop that calls it compiles to the machine code of the hand-written
expression (checked for the swap kernel's ``_cell_list`` and ``_collect_neighbours``: the same
instructions). A plain njit helper is compiled separately and called; in the swap kernel that
made a phase 1.7x slower. The expressions are those of :mod:`glassdyn.geometry` and of the
kernels they replace, term for term, so results are bit-identical.

Units: lengths sigma_11; ``length`` is one box edge L_k, ``x`` one coordinate and ``dx`` one
component of a separation, all scalars (float64).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(inline="always", cache=True)
def wrap_component(x, length):
    """x folded into [0, L): x - L floor(x / L), and L (x a tiny negative number) folded to 0.

    The floor form of :func:`glassdyn.geometry.wrap_floor` followed by the fold that makes
    it strict; returns a float in [0, L).
    """
    y = x - length * np.floor(x / length)
    if y >= length:  # x = -1e-17 wraps to L in floating point
        y -= length
    return y


@numba.njit(inline="always", cache=True)
def minimum_image_component(dx, length):
    """dx - L rint(dx / L): one component of :func:`glassdyn.geometry.minimum_image`, any dx."""
    return dx - length * np.rint(dx / length)


@numba.njit(inline="always", cache=True)
def minimum_image_wrapped(dx, length):
    """The minimum image of dx = y_j - y_i with both coordinates wrapped into [0, L).

    Then |dx| < L and one conditional shift is enough (no division): dx - L if dx > L/2,
    dx + L if dx < -L/2, dx otherwise. A component of exactly +-L/2 is kept, as
    :func:`minimum_image_component` keeps it.
    """
    if dx > 0.5 * length:
        return dx - length
    if dx < -0.5 * length:
        return dx + length
    return dx
