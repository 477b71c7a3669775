"""The documented deployment on loopback, for the production-stack test.

nginx runs the README's own server block (its ports, host name and certificate swapped for
the test's) in front of gunicorn started with gunicorn.conf.py and production settings, on
PostgreSQL and Redis. Every process runs in the foreground with its files under one
temporary folder, on unprivileged ports, and is stopped afterwards.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import QUESTIONS, ROOT

README = ROOT / "README.md"
FLASK = str(Path(sys.executable).with_name("flask"))
SBIN = os.pathsep.join(["/usr/sbin", "/usr/local/sbin", "/sbin"])
#: how long a process may take to start listening before the test gives up on it
START_SECONDS = 60


def nginx_path() -> str | None:
    """Debian's nginx (in /usr/sbin, often not on a user's PATH), or SCREENER_TEST_NGINX."""
    explicit = os.environ.get("SCREENER_TEST_NGINX")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("nginx", path=os.environ.get("PATH", "") + os.pathsep + SBIN)


def missing_parts() -> str | None:
    """Why the stack cannot run here (besides Chromium, which every browser test needs)."""
    from tests import conftest_db

    problems = []
    if nginx_path() is None:
        problems.append("nginx is not installed (apt-get install nginx; `make system-deps`)")
    for service in ("postgres", "redis"):
        if not conftest_db.available(service):
            problems.append(f"no answer from {conftest_db._where(service)}")
    return "; ".join(problems) or None


def readme_nginx_block() -> str:
    """The ```nginx block of the README's "Reverse proxy and TLS" section, as written."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Reverse proxy and TLS") :]
    match = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert match, "the README's reverse proxy section has no ```nginx block"
    return match.group(1)


def site_config(block: str, *, https: int, http: int, app: int, host: str, cert, key) -> str:
    """The README's block with the test's ports, host name and certificate, nothing else."""
    swaps = [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("/etc/letsencrypt/live/screener.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/screener.example.org/privkey.pem", str(key)),
        ("screener.example.org", host),
        ("127.0.0.1:8000", f"127.0.0.1:{app}"),
    ]
    for old, new in swaps:
        assert old in block, f"the README's nginx example no longer has {old!r}"
        block = block.replace(old, new)
    return block


def nginx_config(prefix: Path, site: str) -> str:
    """A main configuration like Debian's /etc/nginx/nginx.conf around the site's block.

    Like Debian's, it logs every request of every server unless the site turns that off.
    """
    temp = prefix / "temp"
    # as root nginx's workers would switch to "nobody", who cannot enter pytest's folders
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""


def self_signed(folder: Path, host: str) -> tuple[Path, Path]:
    """A certificate for `host` and 127.0.0.1, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A foreground process of ours, its output in a file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        last = "\n".join(self.text().splitlines()[-lines:])
        return f"--- {self.name} ({self.log}) ---\n{last}"

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def start(name: str, args: list[str], log: Path, env: dict, cwd: Path = ROOT) -> Process:
    handle = log.open("wb")
    try:
        popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    finally:
        handle.close()
    return Process(name, popen, log)


def wait_for_port(process: Process, port: int) -> None:
    """Until `port` accepts connections; fails with the process's log if it exits first."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(
                f"{process.name} exited ({process.popen.returncode})\n{process.tail()}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{process.name} did not listen on {port}\n{process.tail()}")


def run_cli(env: dict, *args: str, input: str | None = None) -> str:
    result = subprocess.run(
        [FLASK, "--app", "screener", *args],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def production_env(*, database_url, redis_url, redis_prefix, app_port, host) -> dict:
    """The environment `make serve` would run with, as the README's Deploying section says."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCREENER_", "GUNICORN_"))}
    env.update(
        SCREENER_ENV="production",
        SCREENER_SECRET_KEY="stack-test-" + Fernet.generate_key().decode(),
        SCREENER_DATA_KEY=Fernet.generate_key().decode(),
        SCREENER_DATABASE_URL=database_url,
        SCREENER_AUTO_CREATE_SCHEMA="false",  # `flask db-upgrade` first, as `make serve` does
        SCREENER_RATELIMIT_STORAGE_URI=redis_url,
        SCREENER_RATELIMIT_KEY_PREFIX=redis_prefix,
        SCREENER_PROXY_COUNT="1",
        SCREENER_TRUSTED_HOSTS=host,
        SCREENER_QUESTIONS=str(QUESTIONS),
        # questions.yaml still has the example practice's contact details
        SCREENER_ALLOW_PLACEHOLDER_CONTACTS="true",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        GUNICORN_WORKERS="3",
    )
    return env


@dataclass
class Stack:
    host: str
    https_port: int
    http_port: int
    app_port: int
    env: dict
    prefix: Path
    processes: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)

    def nginx_logs(self) -> str:
        folder = self.prefix / "logs"
        return "".join(p.read_text(errors="replace") for p in sorted(folder.iterdir()))

    def plain_http(self, path: str) -> http.client.HTTPResponse:
        """One request to the port-80 server, as a browser typing the bare name would."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request("GET", path, headers={"Host": f"{self.host}:{self.http_port}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def start_stack(folder: Path, nginx: str, *, database_url, redis_url, redis_prefix) -> Stack:
    host = "localhost"
    stack = Stack(
        host=host,
        https_port=free_port(),
        http_port=free_port(),
        app_port=free_port(),
        env={},
        prefix=folder / "nginx",
    )
    stack.env = production_env(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        app_port=stack.app_port,
        host=host,
    )
    run_cli(stack.env, "db-upgrade")
    gunicorn = start(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        folder / "gunicorn.log",
        stack.env,
    )
    stack.processes.append(gunicorn)
    try:
        for sub in ("logs", "temp"):
            (stack.prefix / sub).mkdir(parents=True, exist_ok=True)
        cert, key = self_signed(folder, host)
        site = site_config(
            readme_nginx_block(),
            https=stack.https_port,
            http=stack.http_port,
            app=stack.app_port,
            host=host,
            cert=cert,
            key=key,
        )
        conf = folder / "nginx.conf"
        conf.write_text(nginx_config(stack.prefix, site))
        args = [nginx, "-c", str(conf), "-p", str(stack.prefix), "-e", "logs/error.log"]
        test = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)
        assert test.returncode == 0, f"nginx -t:\n{test.stderr}\n{conf.read_text()}"
        proxy = start("nginx", [*args, "-g", "daemon off;"], folder / "nginx.out", stack.env)
        stack.processes.append(proxy)
        wait_for_port(gunicorn, stack.app_port)
        wait_for_port(proxy, stack.https_port)
    except BaseException:
        stack.stop()
        raise
    return stack
