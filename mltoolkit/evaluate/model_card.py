"""The model card: what the model is, what it was trained on, how good it is, where it falls short."""
from __future__ import annotations

from typing import Any

__all__ = ["model_card", "model_card_markdown"]


def model_card(*, card: dict[str, Any], model_info: dict[str, Any], verdict: dict[str, Any],
               metrics: dict[str, Any], split: dict[str, Any] | None, slices_flagged: list[dict[str, Any]],
               importance: dict[str, Any] | None, threshold_rule: str | None,
               calibration_gap: float | None) -> dict[str, Any]:
    """Assemble the model card as a JSON-ready dict (see :func:`model_card_markdown` for the text)."""
    limits = []
    for s in slices_flagged:
        limits.append(f"{s['column']} = {s['label']}: {s['metric']} {s['value']:.3g} vs {s['overall']:.3g} "
                      f"overall ({s['n']:,} test rows)")
    if calibration_gap is not None and calibration_gap > 0.05:
        limits.append(f"probabilities are off by {calibration_gap:.2f} on average (calibration); "
                      "treat scores as a ranking, not as exact chances")
    status = verdict.get("verdict") or ("met" if verdict.get("met") else "not met")
    if status == "not met":
        limits.append(f"the success criterion is not met: {verdict.get('message', '')}")
    elif status == "not established":
        limits.append(f"the success criterion is not established on the test set: {verdict.get('message', '')}")
    baseline_status = verdict.get("baseline_verdict") or ("beats" if verdict.get("beats_baseline") else "does not beat")
    if baseline_status == "does not beat":
        limits.append("the model does not beat the baseline")
    elif baseline_status == "not established":
        limits.append("the test set cannot tell whether the model beats the baseline (the interval of the "
                      "difference includes 0)")
    limits += list(verdict.get("warnings") or [])
    top = []
    if importance:
        top = [f for f, v in zip(importance["features"], importance["mean"]) if v is not None and v > 0][:5]
    return {
        "model": {"name": model_info.get("model"), "parameters": model_info.get("params"),
                  "task": model_info.get("task"), "target": model_info.get("target"),
                  "positive_class": (model_info.get("encoding") or {}).get("positive_label"),
                  "mlflow_run_id": model_info.get("mlflow_run_id"), "sha256": model_info.get("sha256")},
        "intended_use": {"project": card.get("project"), "business_goal": card.get("business_goal"),
                         "decision": card.get("decision"), "stakeholders": card.get("stakeholders")},
        "data": {"fingerprint": model_info.get("data_fingerprint"), "features": model_info.get("features"),
                 "split": split},
        "performance": {"criterion": verdict, "test_metrics": metrics, "decision_threshold": verdict.get("decision_threshold"),
                        "threshold_rule": threshold_rule, "verdict": status,
                        "intervals": verdict.get("metric_intervals") or {}, "confidence": verdict.get("confidence"),
                        "n_boot": verdict.get("n_boot") or 0},
        "most_important_features": top,
        "limitations": limits,
    }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _range(low: Any, high: Any) -> str:
    return "–" if low is None or high is None else f"{low:.4g} to {high:.4g}"


def model_card_markdown(mc: dict[str, Any]) -> str:
    """Render a model card dict as Markdown (plain text; nothing from the data is treated as markup)."""
    m, use, data, perf = mc["model"], mc["intended_use"], mc["data"], mc["performance"]
    crit = perf["criterion"]
    lines = [f"# Model card: {_cell(use.get('project'))}", "",
             "## Model", f"- Type: {_cell(m['name'])} ({_cell(m['task'])}), target `{_cell(m['target'])}`"
             + (f", positive class `{_cell(m['positive_class'])}`" if m.get("positive_class") else ""),
             f"- Settings: {_cell(m.get('parameters') or 'defaults')}",
             f"- MLflow run: {_cell(m.get('mlflow_run_id') or 'not tracked')}", "",
             "## Intended use", f"- Goal: {_cell(use.get('business_goal') or '–')}",
             f"- Decision supported: {_cell(use.get('decision') or '–')}",
             f"- Stakeholders: {_cell(', '.join(use.get('stakeholders') or []) or '–')}", "",
             "## Data", f"- Data version: {_cell(data.get('fingerprint') or '–')}",
             f"- Features: {_cell(', '.join(data.get('features') or []))}"]
    if data.get("split"):
        rows = data["split"].get("rows", {})
        lines.append(f"- Split ({_cell(data['split'].get('strategy'))}): "
                     + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    base = crit["baseline"]
    lines += ["", "## Performance on the test set",
              f"- Verdict: **{_cell(perf.get('verdict') or ('met' if crit.get('met') else 'not met'))}**",
              f"- Success criterion: {_cell(crit['message'])}",
              f"- Baseline ({_cell(base['name'])}, {_cell(base['metric'])}): "
              f"{_cell(base['value'])} vs model {_cell(base['model_value'])}"
              + (f"; difference {_cell(base['difference'])} (interval {_range(base.get('difference_ci_low'), base.get('difference_ci_high'))}): {_cell(base.get('verdict'))}"
                 if base.get("difference") is not None else "")]
    if perf.get("decision_threshold") is not None:
        lines.append(f"- Decision threshold: {perf['decision_threshold']:.3g} ({_cell(perf.get('threshold_rule'))})")
    intervals = perf.get("intervals") or {}
    if intervals:
        lines.append(f"- Intervals: {perf.get('confidence') or 0.95:.0%} percentile bootstrap over the test rows "
                     f"({perf.get('n_boot', 0):,} resamples)")
    lines += ["", "| metric | value | interval |", "|---|---|---|"]
    lines += [f"| {_cell(k)} | {_cell(v)} | {_range(intervals.get(k, {}).get('ci_low'), intervals.get(k, {}).get('ci_high'))} |"
              for k, v in perf["test_metrics"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    lines += ["", "## Most important features", ", ".join(mc["most_important_features"]) or "–", "",
              "## Limitations"]
    lines += [f"- {_cell(x)}" for x in mc["limitations"]] or ["- none found on the test set"]
    return "\n".join(lines) + "\n"
