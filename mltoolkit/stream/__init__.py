"""Statistics of data larger than memory: batches, mergeable moments and sketches, Dask reductions."""
from mltoolkit.stream.batches import (
    TARGET_BATCH_CELLS,
    dataset_rows,
    default_batch_rows,
    first_rows,
    is_dask,
    is_streamable,
    iter_batches,
    open_dataset,
)
from mltoolkit.stream.moments import Moments
from mltoolkit.stream.reduce import dask_head, map_reduce
from mltoolkit.stream.sketch import SKETCH_SIZE, QuantileSketch

__all__ = [
    "iter_batches", "open_dataset", "is_streamable", "is_dask", "default_batch_rows", "dataset_rows", "first_rows",
    "TARGET_BATCH_CELLS", "Moments", "QuantileSketch", "SKETCH_SIZE", "map_reduce", "dask_head",
]
