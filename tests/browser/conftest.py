"""A real JupyterLab on loopback and Debian's headless Chromium, driven by Playwright.

The server is started per test module in a temporary root folder with a
random token, and stopped by its process id. Tests skip (with the reason) only
when Chromium or Playwright cannot be had on this machine.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lab")


@pytest.fixture(scope="module")
def jupyterlab(lab_root):
    """Start ``jupyter lab`` on a free loopback port; yield (base_url, token, root)."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={lab_root}",
           "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg"}
    log = open(lab_root / "jupyterlab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited at start: {(lab_root / 'jupyterlab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer within 90 s")
                time.sleep(0.5)
        yield base, token, lab_root
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def open_notebook(browser, jupyterlab, name: str):
    """Open notebook ``name`` in JupyterLab; return the page once its kernel is idle."""
    base, token, _ = jupyterlab
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{base}/lab/tree/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    dismiss_dialogs(page)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           "#jp-main-statusbar :text('Idle')", timeout=90_000)
    return page


def dismiss_dialogs(page) -> None:
    """Close kernel pickers and notices that JupyterLab may show on first open."""
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if dialog.count() == 0:
            return
        button = dialog.locator(".jp-Dialog-button.jp-mod-accept")
        if button.count():
            button.first.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(300)


def run_all_cells(page, timeout_ms: int = 180_000) -> None:
    """Run > Run All Cells, then wait until no cell is queued or running."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_ms,
    )


def assert_no_errors(page) -> None:
    """No cell shows a Python error, and every widget found its model."""
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg, "
                          ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, errors.first.inner_text()
    body = page.inner_text("body")
    assert "model not found" not in body.lower()
    assert "Error displaying widget" not in body


def copy_notebook(src: Path, root: Path, replacements: dict[str, str] | None = None) -> str:
    """Copy a stage notebook into the lab root, optionally editing its parameters cell text."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    for old, new in (replacements or {}).items():
        cells = [c for c in nb.cells if old in c.source]
        assert cells, f"{old!r} not found in {src.name}"
        for cell in cells:
            cell.source = cell.source.replace(old, new)
    nbformat.write(nb, root / src.name)
    return src.name


class LabDriver:
    """What a browser test needs, handed out by the ``lab`` fixture."""

    def __init__(self, browser, jupyterlab) -> None:
        self.browser, self.jupyterlab = browser, jupyterlab
        self.root: Path = jupyterlab[2]

    def copy_notebook(self, src: Path, replacements: dict[str, str] | None = None) -> str:
        return copy_notebook(src, self.root, replacements)

    def open_notebook(self, name: str):
        return open_notebook(self.browser, self.jupyterlab, name)

    run_all_cells = staticmethod(run_all_cells)
    assert_no_errors = staticmethod(assert_no_errors)


@pytest.fixture(scope="module")
def lab(browser, jupyterlab) -> LabDriver:
    return LabDriver(browser, jupyterlab)
