"""papermill execution of stage notebooks."""
from mltoolkit.pipeline.execute import execute_notebook, list_stages, notebook_parameters, stage_notebook

__all__ = ["execute_notebook", "list_stages", "notebook_parameters", "stage_notebook"]
