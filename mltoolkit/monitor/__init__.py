"""Monitoring: alerts from drift and performance results, performance in production, retraining recommendations."""
from mltoolkit.monitor.alerts import (
    MonitoringAlert,
    Recommendation,
    RetrainingRules,
    build_alerts,
    recommend_retraining,
    write_alerts,
)
from mltoolkit.monitor.alert_groups import AlertGroup, group_alerts
from mltoolkit.monitor.join import JoinSummary, join_labels, join_predictions, label_keys
from mltoolkit.monitor.performance import (
    ESTIMATION_ASSUMPTIONS,
    ChunkPerformance,
    PerformanceOptions,
    ProductionPerformance,
    production_performance,
)
from mltoolkit.monitor.run import MonitoringReport, run_monitoring

__all__ = ["AlertGroup", "group_alerts", "MonitoringAlert", "Recommendation", "RetrainingRules", "build_alerts", "recommend_retraining",
           "write_alerts", "MonitoringReport", "run_monitoring", "JoinSummary", "join_predictions", "join_labels",
           "label_keys", "ChunkPerformance", "PerformanceOptions", "ProductionPerformance", "production_performance",
           "ESTIMATION_ASSUMPTIONS"]
