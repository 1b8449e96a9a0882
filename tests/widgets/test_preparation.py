"""Views of the data preparation steps: what they show, with every value from the data escaped."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from mltoolkit.data import make_trial_conversion
from mltoolkit.framing import make_card
from mltoolkit.prep import FeaturePreview, LeakageScore
from mltoolkit.stages import (
    add_feature_step,
    check_target_leakage,
    collect_data,
    fit_preprocessing,
    preparation_setup,
    save_preparation,
)
from mltoolkit.widgets import (
    FeaturePreviewTable,
    LeakageCheck,
    PreparationSaved,
    PreparationSetupView,
)

ODD = "<b>visits</b>"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A setup with a column named like markup and a feature step on it, fitted and saved."""
    root = tmp_path_factory.mktemp("preparation_views")
    source = root / "rows.csv"
    make_trial_conversion(400, seed=3).rename(columns={"website_visits": ODD}).to_csv(source, index=False)
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data(str(source), card)
        setup = add_feature_step(preparation_setup(card, options={"scale": False}), "log_visits",
                                 FunctionTransformer(np.log1p), columns=[ODD])
        pre = fit_preprocessing(setup)
        result = save_preparation(setup, pre, check_target_leakage(setup))
    return setup, pre, result


def test_setup_view_lists_columns_options_and_steps_escaped(prepared):
    setup, _, _ = prepared
    html = PreparationSetupView(setup).static_html()
    assert ODD not in html and "&lt;b&gt;visits&lt;/b&gt;" in html
    assert "Option scale" in html and "log_visits" in html and "not used" in html
    assert "feature steps log_visits" in repr(PreparationSetupView(setup))


def test_leakage_view_sorts_and_marks_allowed_and_leaking_columns():
    scores = [LeakageScore("a", "roc_auc", 0.6, False), LeakageScore("<i>late</i>", "roc_auc", 0.999, True)]
    html = LeakageCheck(scores, threshold=0.98, allowed=["<i>late</i>"]).static_html()
    assert html.index("&lt;i&gt;late") < html.index(">a<") and "allowed" in html and "<i>late" not in html
    assert "leaks" in LeakageCheck(scores).static_html()


def test_preview_puts_added_features_first_and_caps_the_list():
    preview = FeaturePreview(features=("num__x", "num__y", "mine__x"), parts=("num", "num", "mine"),
                             values=((1.0, None), (2.0, 3.0), (0.5, 0.25)), inputs=("x", "y", "x"),
                             added=("mine",), n_rows=2)
    html = FeaturePreviewTable(preview, max_features=2).static_html()
    assert html.index("mine__x") < html.index("num__x") and "num__y" not in html
    assert "added: mine" in html and "1 more features not shown" in html


def test_saved_view_names_the_files_and_the_steps(prepared):
    _, _, result = prepared
    html = PreparationSaved(result, artifacts_dir="artifacts").static_html()
    assert "models/preprocessor.skops" in html and "artifacts/preprocessing.json" in html
    assert "log_visits" in html and "log1p" in html and ODD not in html
    bundle = PreparationSaved(result)._repr_mimebundle_()
    assert "text/html" in bundle
