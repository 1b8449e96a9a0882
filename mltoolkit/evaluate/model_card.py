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
    if not verdict.get("met"):
        limits.append(f"the success criterion is not met: {verdict.get('message', '')}")
    if not verdict.get("beats_baseline"):
        limits.append("the model does not beat the baseline")
    top = []
    if importance:
        top = [f for f, v in zip(importance["features"], importance["mean"]) if v > 0][:5]
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
                        "threshold_rule": threshold_rule},
        "most_important_features": top,
        "limitations": limits,
    }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


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
    lines += ["", "## Performance on the test set",
              f"- Success criterion: {_cell(crit['message'])}",
              f"- Baseline ({_cell(crit['baseline']['name'])}, {_cell(crit['baseline']['metric'])}): "
              f"{_cell(crit['baseline']['value'])} vs model {_cell(crit['baseline']['model_value'])}"]
    if perf.get("decision_threshold") is not None:
        lines.append(f"- Decision threshold: {perf['decision_threshold']:.3g} ({_cell(perf.get('threshold_rule'))})")
    lines += ["", "| metric | value |", "|---|---|"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in perf["test_metrics"].items()
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    lines += ["", "## Most important features", ", ".join(mc["most_important_features"]) or "–", "",
              "## Limitations"]
    lines += [f"- {_cell(x)}" for x in mc["limitations"]] or ["- none found on the test set"]
    return "\n".join(lines) + "\n"
