"""A real JupyterLab on loopback and Debian's headless Chromium, driven by Playwright.

The server is started per test module in a temporary root folder with a
random token, and stopped by its process id. Tests skip (with the reason) only
when Chromium or Playwright cannot be had on this machine.
"""
from __future__ import annotations

import json
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
ARTIFACTS_ON_FAILURE = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lab")


@pytest.fixture(scope="module")
def jupyterlab(lab_root):
    """Start JupyterLab as ``mltoolkit lab`` does, on a free loopback port; yield (base_url, token, root)."""
    from mltoolkit.pipeline import lab_command, lab_environment

    port, token = _free_port(), secrets.token_hex(16)
    extra = ["--ip=127.0.0.1", f"--IdentityProvider.token={token}", "--LabApp.news_url=",
             "--ServerApp.disable_check_xsrf=True",
             # Own workspaces: a lab must not restore the tabs an earlier test module left open.
             f"--LabApp.workspaces_dir={lab_root.parent / (lab_root.name + '-workspaces')}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")
    cmd = lab_command(lab_root, port=port, no_browser=True, extra_args=extra)
    # Own settings folder: no news prompt covering the widgets in screenshots.
    settings = lab_root.parent / f"{lab_root.name}-settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false"}')
    env = {**lab_environment(lab_root), "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg",
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
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
    start_kernel_session(base, token, name)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    # ?reset: a fresh workspace, so tabs left open by an earlier page are not restored beside this one.
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=90_000)
    dismiss_dialogs(page)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           "#jp-main-statusbar :text('Idle')", timeout=90_000)
    wait_for_settled_kernel(base, token, name)
    return page


def _session_kernel(base: str, token: str, name: str) -> dict | None:
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=30) as response:
        sessions = [s for s in json.load(response) if s.get("path") == name]
    return sessions[0]["kernel"] if len(sessions) == 1 else None


def wait_for_settled_kernel(base: str, token: str, name: str, timeout_s: float = 60) -> None:
    """Wait until the notebook's session keeps one idle kernel with the page connected to it.

    JupyterLab may replace the kernel it found for a notebook with a new one a
    moment after the page opened (seen under load); cells sent to the old one
    are lost, so nothing is run before the kernel has stayed the same for a while.
    """
    deadline, stable_since, last_id = time.monotonic() + timeout_s, None, None
    while time.monotonic() < deadline:
        kernel = _session_kernel(base, token, name)
        ready = kernel is not None and kernel.get("execution_state") == "idle" and kernel.get("connections", 0) >= 1
        if ready and kernel["id"] == last_id:
            if time.monotonic() - stable_since >= 2:
                return
        else:
            stable_since = time.monotonic()
        last_id = kernel["id"] if ready else None
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {name} did not settle within {timeout_s:.0f} s (last: {last_id})")


def start_kernel_session(base: str, token: str, name: str) -> None:
    """Start the notebook's python3 kernel through the REST API before the page opens.

    JupyterLab then joins the running session instead of raising its kernel
    picker, which otherwise can pop up after the page looks ready.
    """
    body = json.dumps({"path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}}).encode()
    request = urllib.request.Request(f"{base}/api/sessions?token={token}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 201), response.read()


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


# Prompts of the notebook in view only (a hidden tab's never-run cells must not count).
PROMPTS = "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')"

ALL_CELLS_RAN = """() => {
    const prompts = [...""" + PROMPTS + """];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

# Nothing running or queued, yet some cells never ran: the run request was lost (a kernel swapped under it).
STALLED = """() => {
    const prompts = [...""" + PROMPTS + """].map(p => p.textContent);
    return !prompts.some(t => t.includes('*')) && prompts.some(t => /\\[\\s*\\]/.test(t));
}"""

ERROR_OUTPUT = (".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg, "
                ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")


def click_run_all(page, attempts: int = 6) -> None:
    """Menu Run > Run All Cells, accepting any dialog that gets in the way of the click."""
    for _ in range(attempts):
        dismiss_dialogs(page)
        try:
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=5_000)
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; retry after the dialog is gone
            page.keyboard.press("Escape")
    raise AssertionError("could not click Run > Run All Cells in JupyterLab")


def run_all_cells(page, timeout_ms: int = 180_000, stall_s: float = 10, reruns: int = 3) -> None:
    """Run > Run All Cells, then wait until every code cell has an execution count.

    Dialogs that get in the way are accepted; a cell error fails at once with its
    text; a run that stalls (nothing running or queued, some cells never ran) is
    asked for again, at most ``reruns`` times.
    """
    click_run_all(page)
    deadline = time.monotonic() + timeout_ms / 1000
    stalled_since: float | None = None
    while not page.evaluate(ALL_CELLS_RAN):
        errors = page.locator(ERROR_OUTPUT)
        if errors.count():
            raise AssertionError(f"a cell failed in JupyterLab: {errors.first.inner_text()[-3000:]}")
        if page.locator(".jp-Dialog").count():
            click_run_all(page)
        elif page.evaluate(STALLED):
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > stall_s and reruns > 0:
                click_run_all(page)
                reruns, stalled_since = reruns - 1, None
        else:
            stalled_since = None
        if time.monotonic() > deadline:
            ARTIFACTS_ON_FAILURE.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS_ON_FAILURE / "run_all_cells_timeout.png"))
            prompts = [p.inner_text() for p in page.locator(".jp-CodeCell .jp-InputPrompt").all()]
            raise AssertionError(f"cells did not finish running within {timeout_ms / 1000:.0f} s; "
                                 f"prompts: {prompts}; screenshot in {ARTIFACTS_ON_FAILURE}")
        page.wait_for_timeout(500)


def assert_no_errors(page) -> None:
    """No cell shows a Python error, and every widget found its model."""
    errors = page.locator(ERROR_OUTPUT)
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
