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
    PreprocessingSummary,
    PrepOptions,
    build_preprocessor,
    describe_preprocessor,
)
from mltoolkit.prep.preview import FeaturePreview, preview_features
from mltoolkit.prep.transformers import CategoryCleaner, DatetimeFeatures, GroupMeans

__all__ = [
    "PrepOptions", "build_preprocessor", "describe_preprocessor", "PreprocessingSummary", "ColumnPlan",
    "LeakageScore", "leakage_scores", "check_leakage", "DatetimeFeatures", "GroupMeans", "CategoryCleaner",
    "FeatureStep", "FeatureStepRecord", "feature_step", "attach_feature_steps", "check_feature_step_fits",
    "feature_steps_of", "FeaturePreview", "preview_features",
]
