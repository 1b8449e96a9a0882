"""Data preparation and feature engineering: a scikit-learn preprocessing pipeline from the schema."""
from mltoolkit.prep.feature_steps import (
    FeatureStep,
    FeatureStepRecord,
    attach_feature_steps,
    check_feature_step_fits,
    feature_step,
    feature_steps_of,
)
from mltoolkit.prep.leakage import LeakageScore, check_leakage, leakage_scores
from mltoolkit.prep.preprocessor import (
    ColumnPlan,
    PrepOptions,
    PreprocessingSummary,
    build_preprocessor,
    describe_preprocessor,
)
from mltoolkit.prep.preview import FeaturePreview, preview_features
from mltoolkit.prep.transformers import CategoryCleaner, DatetimeFeatures, GroupMeans

__all__ = [
    "CategoryCleaner",
    "ColumnPlan",
    "DatetimeFeatures",
    "FeaturePreview",
    "FeatureStep",
    "FeatureStepRecord",
    "GroupMeans",
    "LeakageScore",
    "PrepOptions",
    "PreprocessingSummary",
    "attach_feature_steps",
    "build_preprocessor",
    "check_feature_step_fits",
    "check_leakage",
    "describe_preprocessor",
    "feature_step",
    "feature_steps_of",
    "leakage_scores",
    "preview_features",
]
