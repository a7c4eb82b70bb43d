"""Periodic geometry of an orthorhombic box: wrapping and the minimum image (numpy only).

The bottom layer of glassdyn: every stage (importers, MD, labels, descriptors, analysis,
models) takes its periodic arithmetic from here, so the conventions are written once. Numba
versions of the same expressions for kernels are in :mod:`glassdyn.geometry_kernels`; this
module imports numpy only.

Units: lengths in sigma_11 (the box edges L_k and every position or vector). Shapes: a box
has d = 2 or 3 edges, (d,); positions and vectors are (..., d), the last axis the Cartesian
component, and every function broadcasts over the leading axes.

Conventions (each fixed: stored data and tests depend on them bit for bit)
---------------------------------------------------------------------------
- minimum image: v - L rint(v / L), rint rounding half to even, so a component of exactly
  +-L/2 stays as it is (rint(+-0.5) = +-0) and one of 3L/2 becomes -L/2;
- :func:`wrap`: the exact remainder of x by L (``np.mod``), in [0, L); the one case that
  rounds up to L (x a tiny negative number) is folded to 0;
- :func:`wrap_floor`: x - L floor(x / L), LAMMPS' image-flag arithmetic (x = wrapped +
  image L, image = floor(x / L)). It rounds twice, so it may differ from :func:`wrap` in
  the last bit and gives L for a tiny negative x (x = -1e-17) or a tiny negative number for
  x just below a multiple of L; its users tolerate that (cell lists clamp the cell index,
  :class:`glassdyn.md.Simulation` keeps ``positions - wrapped`` as the image offset) and keep
  it so that their results do not change.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Box", "minimum_image", "nearest_lattice_vector", "wrap", "wrap_floor"]


class Box:
    """An orthorhombic periodic box with its corner at the origin, like freud's ``Box``.

    Parameters
    ----------
    lengths : (d,) edge lengths L_k, sigma_11, d = 2 or 3, all positive and finite
        (a :class:`Box` is accepted too)

    Examples
    --------
    >>> box = Box([10.0, 20.0])
    >>> box.minimum_image(np.array([6.0, -11.0]))
    array([-4.,  9.])
    """

    __slots__ = ("_lengths",)

    def __init__(self, lengths):
        if isinstance(lengths, Box):
            lengths = lengths.lengths
        edges = np.array(lengths, dtype=np.float64).reshape(-1)
        if len(edges) not in (2, 3):
            raise ValueError(f"a box has 2 or 3 edges, got {len(edges)}")
        if not np.all(np.isfinite(edges) & (edges > 0)):
            raise ValueError(f"box edges must be positive and finite, got {edges}")
        edges.flags.writeable = False
        self._lengths = edges

    @property
    def lengths(self) -> np.ndarray:
        """Edge lengths L_k, (d,) float64, sigma_11 (read-only)."""
        return self._lengths

    @property
    def dimension(self) -> int:
        """d, the number of edges (2 or 3)."""
        return len(self._lengths)

    @property
    def volume(self) -> float:
        """Volume (area for d = 2) prod_k L_k, sigma_11^d."""
        return float(np.prod(self._lengths))

    def __repr__(self) -> str:
        return f"Box({self._lengths.tolist()})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Box) and np.array_equal(self._lengths, other._lengths)

    def __hash__(self) -> int:
        return hash(self._lengths.tobytes())

    def wrap(self, positions) -> np.ndarray:
        """Positions folded into [0, L_k) (see :func:`wrap`): (..., d) -> (..., d) float64, sigma_11."""
        return wrap(positions, self._lengths)

    def wrap_floor(self, positions) -> np.ndarray:
        """x - L floor(x / L), LAMMPS' image-flag form (see :func:`wrap_floor`): (..., d), sigma_11."""
        return wrap_floor(positions, self._lengths)

    def nearest_lattice_vector(self, vectors) -> np.ndarray:
        """The lattice vector n L (n integer, rint(v / L)) nearest to each vector: (..., d), sigma_11."""
        return nearest_lattice_vector(vectors, self._lengths)

    def minimum_image(self, vectors) -> np.ndarray:
        """Vectors shifted by lattice vectors into [-L/2, L/2] (see :func:`minimum_image`): (..., d), sigma_11."""
        return minimum_image(vectors, self._lengths)

    def pair_vectors(self, positions, i, j) -> np.ndarray:
        """Minimum-image separations r_j - r_i of the pairs (i[p], j[p]).

        positions (N, d) sigma_11, any periodic image; i, j (P,) integer indices. Returns
        (P, d) sigma_11.
        """
        positions = np.asarray(positions)
        return self.minimum_image(positions[j] - positions[i])

    def distances(self, positions, i, j) -> np.ndarray:
        """Minimum-image distances |r_j - r_i| of the pairs (i[p], j[p]): (P,) sigma_11."""
        return np.linalg.norm(self.pair_vectors(positions, i, j), axis=-1)


def _edges(box) -> np.ndarray:
    """Edge lengths of a :class:`Box` or of an array-like (d,), as float64."""
    return box.lengths if isinstance(box, Box) else np.asarray(box, dtype=np.float64)


def wrap(positions, box) -> np.ndarray:
    """Positions folded into [0, L): the exact remainder ``np.mod(x, L)``, never exactly L.

    Parameters
    ----------
    positions : (..., d) sigma_11, any periodic image
    box : (d,) edge lengths or a :class:`Box`, sigma_11

    Returns
    -------
    (..., d) float64 in [0, L_k), a new array. ``np.mod`` of a tiny negative coordinate rounds
    up to L; that value is set to 0 (the same point).
    """
    edges = _edges(box)
    p = np.mod(np.asarray(positions, dtype=float), edges)
    p[p >= edges] = 0.0
    return p


def wrap_floor(positions, box) -> np.ndarray:
    """x - L floor(x / L): positions less their image flags times the box (LAMMPS' form).

    Parameters
    ----------
    positions : (..., d) sigma_11
    box : (d,) edge lengths or a :class:`Box`, sigma_11

    Returns
    -------
    (..., d) float64, in [0, L] up to one rounding: L for a tiny negative x, a tiny negative
    value for x just below a multiple of L. Use :func:`wrap` for a strict [0, L); this form
    stays where callers' results depend on its bits (see the module docstring).
    """
    edges = _edges(box)
    positions = np.asarray(positions, dtype=float)
    return positions - edges * np.floor(positions / edges)


def nearest_lattice_vector(vectors, box) -> np.ndarray:
    """L rint(v / L): the lattice vector nearest to each vector, (..., d) sigma_11.

    ``vectors - nearest_lattice_vector(vectors, box)`` is :func:`minimum_image`; the lattice
    vector itself is the image shift between two copies of the same pair (e.g. the shift
    between a wrapped and a continuous separation, an exact multiple of L).
    """
    edges = _edges(box)
    return edges * np.rint(np.asarray(vectors) / edges)


def minimum_image(vectors, box) -> np.ndarray:
    """Vectors shifted by the nearest lattice vector: v - L rint(v / L), (..., d) sigma_11.

    Components end in [-L/2, L/2]; rint rounds half to even, so a component of exactly
    +-L/2 keeps its sign. This is the separation of the nearest image only when that image
    is unique along each axis, i.e. for |v_k| mod L != L/2 (the cut-off radius of every
    caller is below L/2).

    Parameters
    ----------
    vectors : (..., d) separations r_j - r_i, sigma_11
    box : (d,) edge lengths or a :class:`Box`, sigma_11
    """
    vectors = np.asarray(vectors)
    return vectors - nearest_lattice_vector(vectors, box)
