"""Saving and loading models (skops, checksummed)."""
from mltoolkit.models.persist import TRUSTED_TYPES, file_sha256, load_model, read_model_info, save_model

__all__ = ["TRUSTED_TYPES", "save_model", "load_model", "read_model_info", "file_sha256"]
