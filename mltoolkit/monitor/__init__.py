"""Monitoring: alerts from drift and performance results, and retraining recommendations."""
from mltoolkit.monitor.alerts import (
    MonitoringAlert,
    Recommendation,
    RetrainingRules,
    build_alerts,
    recommend_retraining,
    write_alerts,
)
from mltoolkit.monitor.run import MonitoringReport, run_monitoring

__all__ = ["MonitoringAlert", "Recommendation", "RetrainingRules", "build_alerts", "recommend_retraining",
           "write_alerts", "MonitoringReport", "run_monitoring"]
