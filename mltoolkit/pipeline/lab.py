"""Open a project in JupyterLab, with the kernel of the Python that mltoolkit runs in."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from mltoolkit.errors import ConfigError

__all__ = ["lab_command", "lab_environment", "open_lab"]


def lab_command(directory: str | Path = ".", *, port: int | None = None, no_browser: bool = False,
                extra_args: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line that opens ``directory``.

    JupyterLab is started by the current Python (``sys.executable``), so its
    ``python3`` kernel, the one the stage notebooks ask for, runs in the same
    environment as mltoolkit, whatever ``jupyter`` is first on the PATH.

    Parameters
    ----------
    directory : path
        The project folder (the root JupyterLab shows).
    port : int, optional
        Port to listen on (default: JupyterLab's, 8888 or the next free one).
    no_browser : bool
        Do not open a web browser (on a remote machine, for example).
    extra_args : sequence of str
        More ``jupyter lab`` options, passed as they are.

    Returns
    -------
    list of str

    Raises
    ------
    ConfigError
        ``directory`` is not a folder.

    Examples
    --------
    >>> lab_command(".")[1:3]
    ['-m', 'jupyterlab']
    """
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"{directory} is not a folder; pass a project folder (made by `mltoolkit init`) or leave "
                          "it out for the current one", parameter="directory")
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
           "--MappingKernelManager.default_kernel_name=python3"]
    if port is not None:
        cmd.append(f"--port={port}")
    if no_browser:
        cmd.append("--no-browser")
    return cmd + list(extra_args)


def lab_environment(directory: str | Path = ".", environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for JupyterLab: MLflow runs go to the project's ``mlflow.db`` unless one is set.

    ``mltoolkit run`` tracks into the same store, so runs made by hand in
    JupyterLab and runs made by the command are listed together in ``mlflow ui``.
    """
    env = dict(os.environ if environ is None else environ)
    if not env.get("MLFLOW_TRACKING_URI"):
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{(Path(directory).expanduser().resolve() / 'mlflow.db')}"
    return env


def open_lab(directory: str | Path = ".", *, port: int | None = None, no_browser: bool = False,
             extra_args: Sequence[str] = ()) -> int:
    """Run JupyterLab on ``directory`` (see :func:`lab_command`) until it is stopped; return its exit code."""
    cmd = lab_command(directory, port=port, no_browser=no_browser, extra_args=extra_args)
    try:
        return subprocess.call(cmd, env=lab_environment(directory))
    except KeyboardInterrupt:  # Ctrl+C stops the server, which has its own shutdown message
        return 0
