"""papermill execution of stage notebooks, projects and runs."""
from mltoolkit.pipeline.config import CONFIG_NAME, ProjectConfig, config_from_dict, load_config
from mltoolkit.pipeline.history import RunComparison, RunSummary, compare_runs, list_runs, summarize_run
from mltoolkit.pipeline.execute import execute_notebook, list_stages, notebook_parameters, stage_notebook
from mltoolkit.pipeline.kernel import StageKernel
from mltoolkit.pipeline.lab import lab_command, lab_environment, open_lab
from mltoolkit.pipeline.project import ProjectInit, init_demo_project, init_project, load_project_config
from mltoolkit.pipeline.run import RunInterrupted, RunRecord, StageRecord, project_stages, read_run, run_pipeline

__all__ = [
    "execute_notebook", "list_stages", "notebook_parameters", "stage_notebook", "StageKernel",
    "ProjectConfig", "load_config", "config_from_dict", "CONFIG_NAME", "init_project", "init_demo_project", "ProjectInit", "load_project_config",
    "RunRecord", "StageRecord", "RunInterrupted", "run_pipeline", "read_run", "project_stages",
    "RunSummary", "RunComparison", "list_runs", "compare_runs", "summarize_run",
    "lab_command", "lab_environment", "open_lab",
]
