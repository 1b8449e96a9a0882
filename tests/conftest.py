from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import os
from collections.abc import Iterator
from pathlib import Path

# One OpenMP/BLAS thread per process, for this process and every kernel, server and worker it starts: tests run
# beside other processes (pytest-xdist workers, kernels, dask workers), and scikit-learn's OpenMP loops (histogram
# gradient boosting) slow down by orders of magnitude when their threads have to share cores with another process.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402 - after the thread limits above
import pytest  # noqa: E402

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def artifacts_dir() -> Path:
    """Folder for files a person may want to look at after the run (screenshots, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _quiet_jupyter(monkeypatch):
    # Avoid jupyter's platformdirs migration warnings in subprocess kernels.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


@contextlib.contextmanager
def _local_cluster_client() -> Iterator:
    """A real dask.distributed cluster on loopback (two worker processes, one thread each) and its client."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, memory_limit="2GiB", silence_logs=40)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def dask_client():
    """A cluster shared by the tests that leave its workers alone."""
    with _local_cluster_client() as client:
        yield client


@pytest.fixture
def breakable_dask_client():
    """A cluster of the test's own, for tests that kill its workers (it is the default client while it lives).

    Workers that were killed come back through their nannies in their own time;
    the shared cluster must not depend on that.
    """
    with _local_cluster_client() as client:
        yield client


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert PEM path, server SSL context)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mltoolkit test SMTP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return str(cert_path), context


@pytest.fixture(scope="session")
def trained_project(tmp_path_factory):
    """Make a project folder holding a linear model trained, evaluated and packaged on demo rows.

    ``trained_project(rows, name)`` returns the folder (``project_card.yml``, ``data/``, ``models/``,
    ``artifacts/``, ``package/``).
    """
    def make(rows: int = 1500, name: str = "project") -> Path:
        from mltoolkit.deploy import build_package
        from mltoolkit.framing import make_card, save_card
        from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, train_stage

        root = tmp_path_factory.mktemp(name)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            card = make_card(project="P", task="binary_classification", target="converted", metric="f1",
                             threshold=0.3)
            save_card(card, "project_card.yml")
            collect_data(f"demo://trial_conversion?rows={rows}", card)
            prepare_data(card)
            train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
            evaluate_stage(card, importance_repeats=0)
            build_package("package")
        finally:
            os.chdir(cwd)
        return root

    return make


@contextlib.contextmanager
def serving(package: Path, log: Path, *options: str) -> Iterator[str]:
    """``mltoolkit serve PACKAGE`` on a free loopback port until /health answers; yields its base URL, then stops it."""
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "mltoolkit", "serve", str(package), "--port", str(port),
                             "--log", str(log), *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("server did not answer within 60 s")
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def serve():
    """The ``serving`` context manager, for tests that start the prediction server."""
    return serving
