"""Start and stop gunicorn (the repo's gunicorn.conf.py) for the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py <app>` on a free port, its log in `log`."""

    def __init__(
        self, target: str, env: dict, log: Path, workers: int | None = None, probe: str = "/"
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_MAX_REQUESTS": "0",
            "PYTHONPATH": str(ROOT),
        }
        if workers:
            self.env["GUNICORN_WORKERS"] = str(workers)
        self.target, self.log, self.probe = target, log, probe
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self._logfile = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), self.target],
            cwd=ROOT,
            env=self.env,
            stdout=self._logfile,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.target} exited; see {self.log}")
            try:
                probe = self.url + self.probe  # always http://127.0.0.1:<port>/…
                with urllib.request.urlopen(probe, timeout=2) as resp:  # noqa: S310
                    if resp.status < 500 and len(self.workers()) >= self._expected():
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.target} did not answer; see {self.log}")

    def _expected(self) -> int:
        return int(self.env.get("GUNICORN_WORKERS", "1"))

    def workers(self) -> list[int]:
        """Worker pids (children of the master)."""
        if self.proc is None:
            return []
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident set size (VmHWM), in MB."""
        out = []
        for pid in self.workers():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return out

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logfile.close()
