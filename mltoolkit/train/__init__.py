"""Model training: candidates compared by cross-validation, a time-budgeted search, MLflow tracking."""
from mltoolkit.train.candidates import (
    BASELINE,
    CANDIDATES,
    add_candidate,
    candidate_models,
    default_search_space,
    search_space,
)
from mltoolkit.train.search import (
    CandidateComparison,
    CandidateScore,
    TrainingResult,
    TrialScore,
    compare_models,
    selection_metric,
    train_models,
    tune_and_refit,
)
from mltoolkit.train.target import TargetEncoding, encode_target
from mltoolkit.train.tracking import DEFAULT_TRACKING_URI, code_version, log_training, tracking_uri, use_experiment

__all__ = [
    "CANDIDATES", "BASELINE", "candidate_models", "add_candidate", "search_space", "default_search_space",
    "CandidateScore", "TrialScore",
    "CandidateComparison", "TrainingResult", "selection_metric", "compare_models", "tune_and_refit", "train_models",
    "TargetEncoding", "encode_target",
    "DEFAULT_TRACKING_URI", "tracking_uri", "use_experiment", "code_version", "log_training",
]
