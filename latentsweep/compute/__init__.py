"""One bounded-memory path for the array work of selections: squared distances, nearest rows, k nearest
neighbours, radius graphs, k-means and k-means++ seeding, in blocks of a fixed byte budget on the worker's
device (torch on the CPU threads the worker owns; CUDA when it holds a GPU), float64 at thesis scale and
float32 above (`device.precision`).

Strategies call it with numpy arrays and get numpy arrays back; torch is imported only when work runs, so
importing the strategies (and the config that reads them) loads no torch.
"""

from .clustering import EXACT_ROWS, METHODS, kmeans_labels, kmeans_plus_plus, lloyd, sampled
from .device import BLOCK_BYTES, EXACT_BYTES, block_rows, on_device, precision, square_blocks, tensor
from .distances import HalfRows, ToPoints, ball, count_within, knn, nearest, nearest_other, squared_to

__all__ = [
    "BLOCK_BYTES",
    "EXACT_BYTES",
    "EXACT_ROWS",
    "METHODS",
    "HalfRows",
    "ToPoints",
    "ball",
    "block_rows",
    "count_within",
    "kmeans_labels",
    "kmeans_plus_plus",
    "knn",
    "lloyd",
    "nearest",
    "nearest_other",
    "on_device",
    "precision",
    "sampled",
    "square_blocks",
    "squared_to",
    "tensor",
]
