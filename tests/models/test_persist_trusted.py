"""Every transformer mltoolkit fits into a pipeline loads back from its own files."""
from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator

from mltoolkit.models import TRUSTED_TYPES
from mltoolkit.prep import transformers


def test_every_mltoolkit_transformer_is_trusted():
    ours = [f"{cls.__module__}.{name}" for name, cls in inspect.getmembers(transformers, inspect.isclass)
            if issubclass(cls, BaseEstimator) and cls.__module__ == transformers.__name__]
    assert ours and sorted(set(ours) - set(TRUSTED_TYPES)) == []
