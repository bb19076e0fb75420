"""Squared Euclidean distances in blocks of a fixed byte budget: the nearest row of another set, the k nearest
other rows, how many rows lie within a radius, a point's distance to every row. Memory is O(rows + block), never
O(rows x rows) or O(rows x width) beyond the operands themselves, on the compute device (`device`).

A block of squared distances is |x|^2 + |y|^2 - 2 x.y from one matrix product of rows centred on the first
operand's block mean (centring leaves distances unchanged and keeps the expansion's cancellation at the
rounding of the distances themselves), clipped at 0; pairwise work runs in square two-dimensional blocks
(`square_blocks`), so that every product is large and no operand is read once per row.

k nearest neighbours of a large pool on a CPU go through faiss-cpu's exact search instead (`knn`): measured
three times faster than these blocks. Everything here also runs on a GPU (the compute device).
"""

from __future__ import annotations

import warnings

import numpy as np

from .device import block_rows, device, numpy, precision, square_blocks, tensor


def _operand(array: np.ndarray, dtype=None):
    array = np.asarray(array)
    return tensor(array if array.ndim == 2 else array.reshape(len(array), -1), dtype)


def _dtype(*arrays: np.ndarray):
    rows = sum(len(a) for a in arrays)
    return precision(rows, np.asarray(arrays[0]).reshape(len(arrays[0]), -1).shape[1])


def _pairs(rows, norms, columns):
    """Squared distances [len(rows), len(columns)] of centred rows (their squared norms `norms` [r, 1]) to centred
    columns, |r|^2 - 2 r.c + |c|^2 as one product: unclipped (rounding can leave small negatives)."""
    import torch

    return torch.addmm(norms, rows, columns.T, alpha=-2.0).add_((columns * columns).sum(1)[None, :])


def _block(x, y, centre):
    """Squared distances [len(x), len(y)] of two blocks, centred on `centre`."""
    x, y = x - centre, y - centre
    return _pairs(x, (x * x).sum(1, keepdim=True), y).clamp_(min=0.0)


def nearest(x: np.ndarray, y: np.ndarray, *, same: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """For every row of x, the squared distance to its nearest row of y and that row's index ([n] each; inf and
    -1 when y is empty). `same`: x and y are the same rows, and a row is never its own neighbour."""
    import torch

    dtype = _dtype(x, y)
    xs, ys = _operand(x, dtype), _operand(y, dtype)
    n, m = xs.shape[0], ys.shape[0]
    best = torch.full((n,), float("inf"), dtype=dtype, device=xs.device)
    where = torch.full((n,), -1, dtype=torch.int64, device=xs.device)
    side = square_blocks(xs.element_size())
    for start in range(0, n, side):
        rows = xs[start : start + side]
        centre = rows.mean(0)
        low, at = best[start : start + side], where[start : start + side]
        for first in range(0, m, side):
            squared = _block(rows, ys[first : first + side], centre)
            if same:
                _no_self(squared, start, first)
            values, index = squared.min(1)
            better = values < low  # ties keep the lower index: blocks come in order
            low[better], at[better] = values[better], index[better] + first
    return numpy(best), numpy(where)


def _no_self(squared, row_start: int, column_start: int) -> None:
    """A row is not its own neighbour: its entry in the block becomes inf."""
    import torch

    rows, columns = squared.shape
    low, high = max(row_start, column_start), min(row_start + rows, column_start + columns)
    if high > low:
        diagonal = torch.arange(low, high, device=squared.device)
        squared[diagonal - row_start, diagonal - column_start] = float("inf")


def squared_to(x: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Squared distances of every row of x to one point: [n] (`ToPoints` for many points of the same rows)."""
    return ToPoints(x).squared(point)


class ToPoints:
    """Squared distances of the rows of x to one point after another (farthest-first traversal, k-means++).

    At thesis scale (float64) sum((x - p)^2) row by row in blocks, the arithmetic of the numpy code before, so
    that picks stay as they were. Large (float32): |x - m|^2 + |p - m|^2 - 2 (x.(p - m) - m.(p - m)), m the
    rows' mean, from one matrix-vector product per point over rows read where they are (no centred copy) and
    the centred norms computed once: a pass over memory per point instead of three."""

    def __init__(self, x: np.ndarray, *, expanded: bool | None = None) -> None:
        """`expanded`: the matrix-vector form whatever the size (None: for float32 problems only)."""
        import torch

        self.dtype = _dtype(x)
        self.rows = _operand(x, self.dtype)
        self.step = block_rows(self.rows.shape[1], self.rows.element_size())
        self.expanded = self.dtype == torch.float32 if expanded is None else expanded
        if self.expanded:
            total = torch.zeros(self.rows.shape[1], dtype=torch.float64, device=self.rows.device)
            for start in range(0, self.rows.shape[0], self.step):  # in blocks: a float64 copy of x is 2x its bytes
                total += self.rows[start : start + self.step].sum(0, dtype=torch.float64)
            self.mean = (total / max(len(self.rows), 1)).to(self.dtype)
            self.norms = torch.empty(self.rows.shape[0], dtype=self.dtype, device=self.rows.device)
            for start in range(0, self.rows.shape[0], self.step):
                centred = self.rows[start : start + self.step] - self.mean
                self.norms[start : start + self.step] = (centred * centred).sum(1)

    def squared(self, point: np.ndarray) -> np.ndarray:
        import torch

        p = torch.as_tensor(np.asarray(point).reshape(-1), dtype=self.dtype, device=self.rows.device)
        if not self.expanded:
            out = torch.empty(self.rows.shape[0], dtype=self.dtype, device=self.rows.device)
            for start in range(0, self.rows.shape[0], self.step):
                out[start : start + self.step] = ((self.rows[start : start + self.step] - p) ** 2).sum(1)
            return numpy(out)
        shifted = p - self.mean
        out = torch.mv(self.rows, shifted)
        out.sub_(torch.dot(self.mean, shifted)).mul_(-2.0).add_(self.norms).add_(torch.dot(shifted, shifted))
        return numpy(out.clamp_(min=0.0))


def knn(x: np.ndarray, k: int, *, at_scale: bool = False) -> np.ndarray:
    """The squared distances [n, k] of every row to its k nearest other rows, ascending (k < n). More than
    EXACT_KNN_ROWS rows on a CPU go through faiss's exact search (IndexFlatL2, float32), measured three times
    faster than these blocks' products and partial sorts (50,000 x 64, k = 20: 5.7 s against 17 s on one
    thread); fewer (every cluster TypiClust meets at thesis scale) here, in float64, as before. `at_scale`:
    a selection already changed by design at scale (TypiClust's clusters of a sampled k-means) takes faiss
    whatever the size (100 clusters of 2,000 rows: 0.3 s against 4.7 s)."""
    import torch

    dtype = _dtype(x)
    large = dtype == torch.float32 or len(x) > EXACT_KNN_ROWS or at_scale
    if large and device().type == "cpu" and len(x) > 1:
        return _faiss_knn(np.asarray(x).reshape(len(x), -1), min(k, len(x) - 1))
    xs = _operand(x, dtype)
    n = xs.shape[0]
    k = min(k, n - 1)
    out = torch.empty((n, max(k, 0)), dtype=dtype, device=xs.device)
    if k <= 0:
        return numpy(out)
    side = square_blocks(xs.element_size())
    for start in range(0, n, side):
        rows = xs[start : start + side]
        centre = rows.mean(0)
        kept = None
        for first in range(0, n, side):
            squared = _block(rows, xs[first : first + side], centre)
            _no_self(squared, start, first)
            part = squared.topk(min(k, squared.shape[1]), dim=1, largest=False).values
            kept = part if kept is None else torch.cat([kept, part], 1).topk(k, dim=1, largest=False).values
        assert kept is not None  # n >= 1 columns: the loop above ran
        out[start : start + side] = kept.sort(1).values
    return numpy(out)


EXACT_KNN_ROWS = 4096  # up to this many rows, k nearest neighbours in float64 here (every thesis-scale cluster)


def _faiss_knn(x: np.ndarray, k: int) -> np.ndarray:
    """faiss's exact k + 1 nearest rows of every row, itself left out: squared distances [n, k], ascending."""
    import faiss
    import torch

    faiss.omp_set_num_threads(torch.get_num_threads())
    rows = np.ascontiguousarray(x, dtype=np.float32)
    index = faiss.IndexFlatL2(rows.shape[1])
    index.add(rows)
    out = np.empty((len(rows), k), dtype=np.float64)
    step = block_rows(k + 1, 16)
    for start in range(0, len(rows), step):
        squared, found = index.search(rows[start : start + step], k + 1)
        own = found == np.arange(start, start + len(found))[:, None]
        keep = ~own
        keep[~own.any(1), k] = False  # a row not among its own k + 1 (duplicates at distance 0): drop the last
        out[start : start + step] = squared[keep].reshape(len(found), k)
    return np.maximum(out, 0.0)


def count_within(x: np.ndarray, radius: float, *, of: np.ndarray | None = None) -> np.ndarray:
    """For every row of x, how many of the rows `of` (indices into x; None: all rows) lie within `radius` of it
    (distance <= radius; a row always counts itself): [n] int64, with no pair ever stored (ProbCover's
    delta-ball degrees without the graph, whose edges can outnumber the pool's bytes many times)."""
    import torch

    dtype = _dtype(x)
    xs = _operand(x, dtype)
    n = xs.shape[0]
    which = torch.arange(n, device=xs.device) if of is None else torch.as_tensor(np.asarray(of, dtype=np.int64))
    which = which.to(xs.device)
    limit = float(radius) ** 2
    counts = torch.zeros(n, dtype=torch.int64, device=xs.device)
    side = square_blocks(xs.element_size())
    for first in range(0, n, side):
        counted = xs[first : first + side]
        centre = counted.mean(0)
        counted = counted - centre
        norms = (counted * counted).sum(1, keepdim=True)
        for start in range(0, len(which), side):
            taken = which[start : start + side]
            rows = xs[taken] - centre
            squared = _pairs(counted, norms, rows)
            own = (taken >= first) & (taken < first + squared.shape[0])
            squared[taken[own] - first, own.nonzero(as_tuple=True)[0]] = 0.0  # a row is in its own ball
            inside = squared <= limit
            counts[first : first + side] += inside.view(torch.uint8).sum(1, dtype=torch.int32)  # 6x a bool sum
    return numpy(counts)


def nearest_other(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every row, the squared distance to its nearest other row, and to its nearest row of another label
    (inf when every row has its label): two [n] arrays from one pass over the pairs."""
    import torch

    dtype = _dtype(x)
    xs = _operand(x, dtype)
    tags = torch.as_tensor(np.asarray(labels), device=xs.device)
    n = xs.shape[0]
    any_other = torch.full((n,), float("inf"), dtype=dtype, device=xs.device)
    other_label = torch.full((n,), float("inf"), dtype=dtype, device=xs.device)
    side = square_blocks(xs.element_size())
    for start in range(0, n, side):
        rows = xs[start : start + side]
        centre = rows.mean(0)
        rows = rows - centre
        norms = (rows * rows).sum(1, keepdim=True)
        nearest_any, nearest_other_label = any_other[start : start + side], other_label[start : start + side]
        for first in range(0, n, side):
            columns = xs[first : first + side] - centre
            # clipped at 0 once at the end (the minimum of clipped values is the clipped minimum)
            squared = _pairs(rows, norms, columns)
            _no_self(squared, start, first)
            torch.minimum(nearest_any, squared.min(1).values, out=nearest_any)
            squared.masked_fill_(tags[start : start + side, None] == tags[None, first : first + side], float("inf"))
            torch.minimum(nearest_other_label, squared.min(1).values, out=nearest_other_label)
    any_other.clamp_(min=0.0)
    other_label.clamp_(min=0.0)
    return numpy(any_other), numpy(other_label)


def ball(points: np.ndarray, x: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, row) with the row of x within `radius` of the point (distance <= radius): three [P] arrays
    (point index, row index, squared distance), sorted by point, then squared distance, then row. Blocked
    over the rows of x: memory O(points x block)."""
    import torch

    dtype = _dtype(x)
    xs = _operand(x, dtype)
    ps = torch.as_tensor(np.asarray(points, dtype=np.float64).reshape(len(points), -1), dtype=dtype, device=xs.device)
    limit = float(radius) ** 2
    centre = ps.mean(0) if len(ps) else None
    found = []
    step = block_rows(max(len(ps), 1), xs.element_size())
    for start in range(0, xs.shape[0], step):
        if centre is None:
            break
        squared = _block(ps, xs[start : start + step], centre)
        i, j = torch.nonzero(squared <= limit, as_tuple=True)
        found.append((i.cpu().numpy(), (j + start).cpu().numpy(), numpy(squared[i, j])))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    which, rows, squared = (np.concatenate(parts) for parts in zip(*found, strict=True))
    order = np.lexsort((rows, squared, which))
    return which[order].astype(np.int64), rows[order].astype(np.int64), squared[order]


class HalfRows:
    """Float16 rows scaled to [-1, 1] (BADGE's held activations [n, H]) on the compute device, put there once
    (on a CPU used in place): their squared norms, and their products with one row after another, in float16
    products over blocks, so that the rows are never copied whole to float32 (a float16 product of 512 terms
    is within about 5e-4 of its size; 1,000,000 x 512 on one CPU thread: 0.065 s a product against 0.222 s in
    float32)."""

    def __init__(self, rows: np.ndarray) -> None:
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a read-only array: torch warns that it may not write
            self.rows = torch.from_numpy(np.ascontiguousarray(rows, dtype=np.float16)).to(device())
        self.step = block_rows(max(self.rows.shape[1], 1), 4)

    def squared_norms(self) -> np.ndarray:
        """|row|^2 [n] (float64), each summed in float32."""
        return self._blocks(lambda block: block.float().pow_(2).sum(1))

    def products(self, vector: np.ndarray) -> np.ndarray:
        """rows @ vector [n] (float64), the vector rounded to float16 as the rows are."""
        import torch

        v = torch.as_tensor(np.asarray(vector, dtype=np.float16), device=self.rows.device)
        return self._blocks(lambda block: torch.mv(block, v))

    def _blocks(self, compute) -> np.ndarray:
        found = np.empty(self.rows.shape[0])
        for start in range(0, self.rows.shape[0], self.step):
            values = compute(self.rows[start : start + self.step])
            found[start : start + len(values)] = values.double().cpu().numpy()
        return found
