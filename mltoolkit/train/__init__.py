"""Model training: candidates compared by cross-validation, a time-budgeted search, MLflow tracking."""
from mltoolkit.train.candidates import BASELINE, CANDIDATES, candidate_models, search_space
from mltoolkit.train.search import CandidateScore, TrainingResult, TrialScore, selection_metric, train_models
from mltoolkit.train.target import TargetEncoding, encode_target
from mltoolkit.train.tracking import DEFAULT_TRACKING_URI, code_version, log_training, tracking_uri, use_experiment

__all__ = [
    "CANDIDATES", "BASELINE", "candidate_models", "search_space", "CandidateScore", "TrialScore",
    "TrainingResult", "selection_metric", "train_models", "TargetEncoding", "encode_target",
    "DEFAULT_TRACKING_URI", "tracking_uri", "use_experiment", "code_version", "log_training",
]
