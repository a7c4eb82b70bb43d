"""Periodic Voronoi cells: volume and perimeter (2D) or surface area (3D) of each particle.

GlassMLP uses the perimeter p^i of the Voronoi cell in 2D (PRL, PRB eq. 3; Voro++) and the
surface area s^i in 3D (PRL SM VI). Plain (unweighted) Voronoi, as the papers define it.

The tessellation is Qhull's (scipy), in double precision, of the box plus a skin of periodic
images; freud's Voro++ wrapper stores positions in single precision, which limits cell sizes
to ~1e-7 relative. Each facet is the bisector of a particle pair, so facet sizes give both
the cell size (sum of facets) and the cell volume (sum of facet x half pair distance / d).
The skin grows until the cells of the box's particles fill the box exactly.
"""

from __future__ import annotations

import numba
import numpy as np

from glassdyn.geometry import wrap_floor


@numba.njit(cache=True)
def _polygon_areas(vertices, flat, start, normals):
    """Area of each planar convex polygon (3D facets): vertex ids flat[start[k]:start[k+1]]."""
    n = start.shape[0] - 1
    out = np.zeros(n)
    for k in range(n):
        m = start[k + 1] - start[k]
        c = np.zeros(3)
        for a in range(m):
            c += vertices[flat[start[k] + a]]
        c /= m
        nrm = normals[k]
        # in-plane basis
        e1 = vertices[flat[start[k]]] - c
        e1 -= np.dot(e1, nrm) * nrm
        e1 /= np.sqrt(np.dot(e1, e1))
        e2 = np.cross(nrm, e1)
        ang = np.empty(m)
        for a in range(m):
            v = vertices[flat[start[k] + a]] - c
            ang[a] = np.arctan2(np.dot(v, e2), np.dot(v, e1))
        idx = np.argsort(ang)
        area = 0.0
        for a in range(m):
            p = vertices[flat[start[k] + idx[a]]] - c
            q = vertices[flat[start[k] + idx[(a + 1) % m]]] - c
            area += 0.5 * np.dot(np.cross(p, q), nrm)
        out[k] = abs(area)
    return out


class VoronoiCells:
    """Voronoi tessellation of a periodic configuration.

    After :meth:`compute`:

    - ``volume``: (N,) cell area (2D) or volume (3D), sigma_11^d
    - ``size``: (N,) cell perimeter (2D) or surface area (3D), sigma_11^(d-1)
    - ``neighbours``: (B, 2) int, particle pairs sharing a facet (each facet once; a pair can
      share two facets through different images in tiny boxes)
    - ``facet``: (B,) facet length (2D) or area (3D)
    """

    def __init__(self, skin: float = 3.0):
        #: initial image skin in mean interparticle spacings (doubled until the cells close)
        self.skin = float(skin)

    @property
    def size_name(self) -> str:
        return "voronoi_perimeter" if self.dimension == 2 else "voronoi_surface"

    def compute(self, positions, box):
        from scipy.spatial import Voronoi

        positions = np.asarray(positions, dtype=float)
        box = np.asarray(box, dtype=float)
        n, d = positions.shape
        if d != len(box) or d not in (2, 3):
            raise ValueError(f"positions {positions.shape} do not match a 2D/3D box {box.shape}")
        if n < 2:
            raise ValueError("need at least two particles")
        self.dimension = d
        wrapped = wrap_floor(positions, box)
        spacing = (np.prod(box) / n) ** (1.0 / d)
        skin = self.skin * spacing
        shifts = np.stack(np.meshgrid(*[[0, -1, 1]] * d, indexing="ij"), -1).reshape(-1, d)  # zero first
        while True:
            width = np.minimum(skin, box)
            pts, owner = [wrapped], [np.arange(n)]
            for s in shifts[1:]:
                img = wrapped + s * box
                keep = np.all((img > -width) & (img < box + width), axis=1)
                pts.append(img[keep])
                owner.append(np.nonzero(keep)[0])
            points = np.concatenate(pts)
            vor = Voronoi(points)
            ridge_points = np.asarray(vor.ridge_points)
            inside = (ridge_points < n).any(axis=1)
            ridges = [vor.ridge_vertices[k] for k in np.nonzero(inside)[0]]
            ridge_points = ridge_points[inside]
            closed = all(-1 not in r for r in ridges)
            if closed:
                sizes = self._facets(vor.vertices, ridges, points, ridge_points, d)
                pair = np.linalg.norm(points[ridge_points[:, 1]] - points[ridge_points[:, 0]], axis=1)
                volume = np.zeros(n)
                size = np.zeros(n)
                for end in (0, 1):
                    mine = ridge_points[:, end] < n
                    np.add.at(size, ridge_points[mine, end], sizes[mine])
                    np.add.at(volume, ridge_points[mine, end], sizes[mine] * 0.5 * pair[mine] / d)
                if np.isclose(volume.sum(), np.prod(box), rtol=1e-11, atol=0):
                    break
            if np.all(skin >= box):
                raise RuntimeError("Voronoi cells do not fill the box even with a full image skin")
            skin *= 2.0
        own = np.concatenate(owner)
        self.volume = volume
        self.size = size
        # each facet once: keep rows whose first point lies in the box, plus those whose second
        # does and whose first is an image of a particle with a higher index
        a, b = own[ridge_points[:, 0]], own[ridge_points[:, 1]]
        first_in = ridge_points[:, 0] < n
        second_in = ridge_points[:, 1] < n
        once = (first_in & second_in) | (first_in & ~second_in & (a <= b)) | (~first_in & second_in & (b < a))
        self.neighbours = np.column_stack([a[once], b[once]])
        self.facet = sizes[once]
        return self

    @staticmethod
    def _facets(vertices, ridges, points, ridge_points, d):
        if d == 2:
            r = np.asarray(ridges)
            return np.linalg.norm(vertices[r[:, 1]] - vertices[r[:, 0]], axis=1)
        lengths = np.fromiter((len(r) for r in ridges), dtype=np.int64, count=len(ridges))
        start = np.concatenate([[0], np.cumsum(lengths)])
        flat = np.fromiter((v for r in ridges for v in r), dtype=np.int64, count=int(start[-1]))
        normals = points[ridge_points[:, 1]] - points[ridge_points[:, 0]]
        normals /= np.linalg.norm(normals, axis=1)[:, None]
        return _polygon_areas(np.ascontiguousarray(vertices), flat, start, np.ascontiguousarray(normals))


def brute_force_cell_sizes(positions, box):
    """Reference (volume, size) from scipy's Voronoi of the box and its 3^d images (tests only)."""
    from scipy.spatial import ConvexHull, Voronoi

    positions = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float)
    n, d = positions.shape
    wrapped = wrap_floor(positions, box)
    shifts = np.stack(np.meshgrid(*[[0, -1, 1]] * d, indexing="ij"), -1).reshape(-1, d)  # (0, ..., 0) first
    points = np.concatenate([wrapped + s * box for s in shifts])
    vor = Voronoi(points)
    volume, size = np.zeros(n), np.zeros(n)
    for k in range(n):
        region = vor.regions[vor.point_region[k]]
        if -1 in region or not region:
            raise RuntimeError("open Voronoi region: too few particles for the image-box reference")
        hull = ConvexHull(vor.vertices[region])
        volume[k] = hull.volume
        size[k] = hull.area  # perimeter in 2D, surface area in 3D
    return volume, size
