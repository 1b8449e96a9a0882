"""ipywidgets views with static HTML fallbacks for reports."""
from mltoolkit.widgets.base import ToolkitWidget
from mltoolkit.widgets.eda import EDAWidget

__all__ = ["ToolkitWidget", "EDAWidget"]
