"""Load test of the prediction server: concurrent clients for 30 s, single-row and 100-row requests.

Run by hand:  .venv/bin/python benchmarks/bench_serve.py [--seconds 30] [--clients 8]
Targets (issue 5): zero errors under load; single-row p99 under 20 ms on this machine.

The server runs as its own process (``mltoolkit serve``) on loopback; clients are
threads with keep-alive HTTP connections.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from _package import demo_package

from mltoolkit.data import make_trial_conversion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(port: int, bodies: list[bytes], seconds: float, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, errs, i = [], 0, k
        while time.monotonic() < stop:
            body = bodies[i % len(bodies)]
            i += clients
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errs += 1
            except OSError:
                errs += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += errs

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    package = demo_package(tmp / "train")
    port = _free_port()
    exe = Path(sys.executable).parent / "mltoolkit"
    proc = subprocess.Popen([str(exe), "serve", str(package), "--port", str(port), "--log", str(tmp / "log.db")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        records = json.loads(make_trial_conversion(5000, seed=3).drop(columns="converted")
                             .to_json(orient="records", date_format="iso"))
        single = [json.dumps({"records": [r]}).encode() for r in records[:1000]]
        hundred = [json.dumps({"records": records[i:i + 100]}).encode() for i in range(0, 5000, 100)]
        for name, bodies in (("1-row", single), ("100-row", hundred)):
            lat, errors = _drive(port, bodies, args.seconds, args.clients)
            lat_ms = np.array(lat) * 1000
            print(f"{name:>8} requests, {args.clients} clients, {args.seconds:.0f} s: {len(lat) / args.seconds:,.0f} req/s, "
                  f"p50 {np.percentile(lat_ms, 50):.1f} ms, p99 {np.percentile(lat_ms, 99):.1f} ms, errors {errors}")
        lat, _ = _drive(port, single, min(args.seconds, 10), 1)
        p99 = float(np.percentile(np.array(lat) * 1000, 99))
        print(f"single client, 1-row: p50 {np.percentile(np.array(lat) * 1000, 50):.1f} ms, p99 {p99:.1f} ms "
              f"(target < 20 ms: {'met' if p99 < 20 else 'NOT met'})")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
