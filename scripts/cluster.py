"""A production-shaped Guichet on one machine, for trying scale-out and faults for real.

    python scripts/cluster.py [--dir var/cluster]          start, supervise, stop on Ctrl-C
    python scripts/cluster.py test [--dir ...] [pytest args]  start, run tests/cluster, stop

Started as child processes, supervised (one that exits is started again) and stopped in order
on Ctrl-C or SIGTERM: a PostgreSQL primary and its streaming replica, Redis, an S3-compatible
server (moto's), two gunicorn app servers, two ``guichet worker`` and Debian's nginx in front
of both app servers. Keys are generated into ``<dir>/env``; ``<dir>/cluster.json`` says where
everything is (written once every part is ready, removed at the stop). Every run starts from
an empty folder: the cluster is for trying, its data is thrown away.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN_DIR = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
BUCKET = "guichet-media"
S3_KEYS = {"MEDIA_STORAGE_ACCESS_KEY": "guichet", "MEDIA_STORAGE_SECRET_KEY": "guichet-secret"}
IS_ROOT = os.geteuid() == 0


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, ready, timeout: float = 120.0) -> None:
    """Call ``ready()`` until it is true (exceptions count as "not yet")."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except Exception as exc:  # anything means "not ready yet"
            last_error = exc
        time.sleep(0.3)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s ({last_error or 'no answer'})")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our http:// URLs
        return response.status == 200


class Service:
    """One supervised child process: its command, environment and log file."""

    def __init__(self, name, command, *, env=None, user=None, stop_signal=signal.SIGTERM):
        self.name, self.command, self.env, self.user = name, command, env, user
        self.stop_signal = stop_signal
        self.process: subprocess.Popen | None = None

    def start(self, logs: Path) -> None:
        logfile = open(logs / f"{self.name}.log", "ab")  # noqa: SIM115 - kept by the child
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            user=self.user,
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl-C reaches only this script, which stops everything in order.
            start_new_session=True,
        )
        logfile.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop in {timeout:.0f} s: killed")
            self.process.kill()
            self.process.wait()


class Cluster:
    def __init__(self, folder: Path):
        self.dir = folder.resolve()
        self.logs = self.dir / "logs"
        self.services: list[Service] = []
        self.stopping = False
        self.ports = {
            name: free_port()
            for name in ("primary", "replica", "redis", "s3", "app_a", "app_b", "nginx")
        }

    # --- the parts ------------------------------------------------------------------------

    def run_as_postgres(self, command: list[str]) -> None:
        """A PostgreSQL tool, as the ``postgres`` user when we are root (initdb refuses root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if IS_ROOT else []
        subprocess.run(prefix + command, check=True, stdout=subprocess.DEVNULL)

    def postgres_service(self, name: str, data: Path, port: int) -> Service:
        sockets = self.dir / "sockets"  # not in the data folder: pg_basebackup would copy them
        sockets.mkdir(exist_ok=True)
        if IS_ROOT:
            shutil.chown(sockets, "postgres", "postgres")
        return Service(
            name,
            [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets)],
            # Started as ``postgres`` by Popen itself rather than through runuser, which would
            # stand between us and the server and kill it 2 s after passing on a signal.
            user="postgres" if IS_ROOT else None,
            stop_signal=signal.SIGINT,  # "fast" shutdown: clients disconnected, clean stop
        )

    def psql(self, port: int, sql: str, database: str = "postgres") -> str:
        command = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        result = subprocess.run(
            [*command, "-d", database, "-Atc", sql], check=True, capture_output=True, text=True
        )
        return result.stdout.strip()

    def start_primary(self) -> None:
        data = self.dir / "primary"
        data.mkdir()
        if IS_ROOT:
            shutil.chown(data, "postgres", "postgres")
        self.run_as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8"]
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# scripts/cluster.py\nlisten_addresses = '127.0.0.1'\nwal_level = replica\n"
                "max_wal_senders = 5\nhot_standby = on\nfsync = off\n"
            )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        port = self.ports["primary"]
        self.add(self.postgres_service("postgres-primary", data, port))
        wait_for("PostgreSQL primary", lambda: self.psql(port, "select 1") == "1")
        self.psql(port, "create database guichet")

    def start_replica(self) -> None:
        data = self.dir / "replica"
        data.mkdir(mode=0o700)
        if IS_ROOT:
            shutil.chown(data, "postgres", "postgres")
        self.run_as_postgres(
            [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"])]
            + ["-U", "postgres", "-D", str(data), "-R", "-X", "stream", "-c", "fast"]
        )
        port = self.ports["replica"]
        self.add(self.postgres_service("postgres-replica", data, port))
        wait_for("PostgreSQL replica", lambda: self.psql(port, "select pg_is_in_recovery()") == "t")
        wait_for(
            "streaming replication",
            lambda: (
                self.psql(self.ports["primary"], "select state from pg_stat_replication")
                == "streaming"
            ),
        )

    def start_redis(self) -> None:
        port = self.ports["redis"]
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        self.add(Service("redis", command + ["--appendonly", "no"]))

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        wait_for("Redis", ping)

    def start_s3(self) -> None:
        port = self.ports["s3"]
        code = (
            "import signal\n"
            "from moto.server import ThreadedMotoServer\n"
            f"server = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False)\n"
            "server.start()\n"
            "signal.signal(signal.SIGTERM, lambda *_: server.stop())\n"
            "signal.pause()\n"
        )
        self.add(Service("s3", [sys.executable, "-c", code]))
        endpoint = f"http://127.0.0.1:{port}"
        wait_for("S3 server", lambda: http_ok(f"{endpoint}/moto-api/data.json"))
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_KEYS["MEDIA_STORAGE_ACCESS_KEY"],
            aws_secret_access_key=S3_KEYS["MEDIA_STORAGE_SECRET_KEY"],
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

    def write_env(self) -> dict[str, str]:
        """The keys and addresses every app server and worker shares, into ``<dir>/env``."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        sys.path.insert(0, str(PROJECT_DIR / "src"))
        from guichet.notifications.push import _generate_keys

        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        vapid = _generate_keys()
        p = self.ports
        values = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "IDP_OIDC_PRIVATE_KEY": pem,
            "VAPID_PUBLIC_KEY": vapid["public"],
            "VAPID_PRIVATE_KEY": vapid["private"],
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p['primary']}/guichet",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{p['replica']}/guichet",
            # as production is advised to run (README, "Running at scale"; ADR 0011)
            "DATABASE_NATIVE_TIMESTAMPS": "true",
            "REDIS_URL": f"redis://127.0.0.1:{p['redis']}/0",
            "MEDIA_STORAGE_URL": f"s3://{BUCKET}/media?endpoint_url=http://127.0.0.1:{p['s3']}"
            "&region_name=us-east-1&addressing_style=path",
            **S3_KEYS,
            "GUICHET_VAR_DIR": str(self.dir / "app"),
            "SITE_URL": f"http://127.0.0.1:{p['nginx']}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_FORMAT": "json",
            # A smaller demo than `make demo`'s: seeding is part of every start.
            "DEMO_CASES": os.environ.get("DEMO_CASES", "60"),
            "DEMO_REPORTS": os.environ.get("DEMO_REPORTS", "100"),
        }
        env_file = self.dir / "env"
        env_file.touch(mode=0o600)
        # One KEY="value" a line, the value JSON-quoted ("\n" in the PEM): readable by a shell
        # (`set -a; . var/cluster/env`), by django-environ and by json.loads.
        env_file.write_text("".join(f"{k}={json.dumps(v)}\n" for k, v in values.items()))
        return values

    def app_env(self, shared: dict[str, str], **extra: str) -> dict[str, str]:
        env = {**os.environ, **shared, **extra}
        env["PYTHONPATH"] = str(PROJECT_DIR / "src")
        for name in ("GUICHET_PRODUCTION", "BEHIND_TLS_PROXY"):
            env.pop(name, None)  # not production: seed_demo runs (the keys are set anyway)
        return env

    def guichet(self, env: dict[str, str], *args: str) -> None:
        with open(self.logs / "setup.log", "ab") as out:
            subprocess.run(
                [sys.executable, "-m", "guichet", *args],
                env=env,
                cwd=PROJECT_DIR,
                check=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def start_app_server(self, name: str, port: int, shared: dict[str, str]) -> None:
        metrics = self.dir / f"metrics-{name}"
        metrics.mkdir()
        env = self.app_env(shared, PROMETHEUS_MULTIPROC_DIR=str(metrics))
        command = [str(BIN_DIR / "gunicorn"), "guichet.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        command += ["--graceful-timeout", "20", "--access-logfile", "-", "--name", name]
        self.add(Service(name, command, env=env))

    def nginx_binary(self) -> str:
        found = shutil.which("nginx") or (os.path.exists("/usr/sbin/nginx") and "/usr/sbin/nginx")
        if found:
            return found
        if not IS_ROOT:
            raise SystemExit("nginx is not installed: `apt-get install nginx-light` (as root).")
        log("nginx is not installed: apt-get install nginx-light")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for attempt in ("install", "update first"):
            if attempt == "update first":
                subprocess.run(["apt-get", "update"], env=env)
            for package in ("nginx-light", "nginx"):
                if subprocess.run(["apt-get", "install", "-y", package], env=env).returncode == 0:
                    return "/usr/sbin/nginx"
        raise SystemExit("nginx could not be installed (apt-get install nginx-light / nginx).")

    def start_nginx(self, binary: str) -> None:
        folder = self.dir / "nginx"
        folder.mkdir()
        user = ""
        if IS_ROOT:  # nginx's workers drop root: they must write their temporary files
            worker = "www-data" if _user_exists("www-data") else "nobody"
            shutil.chown(folder, worker)
            user = f"user {worker};"
        p = self.ports
        conf = NGINX_CONF.format(
            user=user,
            folder=folder,
            port=p["nginx"],
            app_a=p["app_a"],
            app_b=p["app_b"],
            mime=Path("/etc/nginx/mime.types").exists() and "include /etc/nginx/mime.types;" or "",
        )
        (folder / "nginx.conf").write_text(conf)
        command = [binary, "-p", str(folder), "-e", "stderr", "-c", str(folder / "nginx.conf")]
        # SIGQUIT: graceful stop (SIGTERM is nginx's fast one)
        self.add(Service("nginx", command + ["-g", "daemon off;"], stop_signal=signal.SIGQUIT))

    # --- supervision ----------------------------------------------------------------------

    def add(self, service: Service) -> None:
        service.start(self.logs)
        self.services.append(service)
        log(f"{service.name} started (pid {service.pid})")

    def info(self, shared: dict[str, str]) -> dict:
        p = self.ports
        return {
            "supervisor_pid": os.getpid(),
            "ports": p,
            "app_a": f"http://127.0.0.1:{p['app_a']}",
            "app_b": f"http://127.0.0.1:{p['app_b']}",
            "nginx": f"http://127.0.0.1:{p['nginx']}",
            "env_file": str(self.dir / "env"),
            "logs": str(self.logs),
            "pids": {s.name: s.pid for s in self.services},
            "metrics_token": shared["METRICS_TOKEN"],
        }

    def write_info(self, shared: dict[str, str]) -> None:
        target = self.dir / "cluster.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.info(shared), indent=2))
        temporary.replace(target)  # readers never see half a file

    def start(self) -> dict[str, str]:
        previous = self.dir / "cluster.json"
        if previous.exists():
            pid = json.loads(previous.read_text()).get("supervisor_pid")
            if pid and _alive(pid):
                raise SystemExit(f"A cluster already runs in {self.dir} (pid {pid}).")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.logs.mkdir(parents=True)
        log(f"starting in {self.dir} (logs in {self.logs})")
        nginx = self.nginx_binary()  # before anything else: without nginx, no cluster
        self.start_s3()
        self.start_redis()
        self.start_primary()
        self.start_replica()
        shared = self.write_env()
        env = self.app_env(shared)
        log("guichet migrate, seed_demo (on the primary)")
        self.guichet(env, "migrate", "--noinput", "-v0")
        self.guichet(env, "seed_demo")
        self.start_app_server("app-a", self.ports["app_a"], shared)
        self.start_app_server("app-b", self.ports["app_b"], shared)
        for name in ("worker-1", "worker-2"):
            self.add(Service(name, [sys.executable, "-m", "guichet", "worker"], env=env))
        for name in ("app_a", "app_b"):
            url = f"http://127.0.0.1:{self.ports[name]}/readyz"
            wait_for(url, lambda url=url: http_ok(url))
        self.start_nginx(nginx)
        wait_for("nginx", lambda: http_ok(f"http://127.0.0.1:{self.ports['nginx']}/readyz"))
        self.write_info(shared)
        info = self.info(shared)
        log(
            "ready:\n"
            f"  nginx (both servers) {info['nginx']}/\n"
            f"  app server A         {info['app_a']}/\n"
            f"  app server B         {info['app_b']}/\n"
            f"  PostgreSQL primary   127.0.0.1:{self.ports['primary']}, replica :"
            f"{self.ports['replica']}; Redis :{self.ports['redis']}; S3 :{self.ports['s3']}\n"
            f"  environment          {info['env_file']}\n"
            f"  description          {self.dir / 'cluster.json'}"
        )
        return shared

    def supervise(self, shared: dict[str, str], until=lambda: False) -> None:
        """Start again any part that exits (an app server SIGTERMed by a test, a worker killed)
        until we are stopped or ``until()`` is true."""
        while not self.stopping and not until():
            for service in self.services:
                if service.exited() and not self.stopping:
                    code = service.process.returncode
                    log(f"{service.name} exited ({code}): started again")
                    service.start(self.logs)
                    self.write_info(shared)
            time.sleep(0.5)

    def stop(self) -> None:
        self.stopping = True
        (self.dir / "cluster.json").unlink(missing_ok=True)
        # Front first, then the app servers and workers, then what they use.
        order = ["nginx", "app-a", "app-b", "worker-1", "worker-2"]
        order += ["postgres-replica", "postgres-primary", "redis", "s3"]
        for name in order:
            for service in self.services:
                if service.name == name:
                    service.stop()
                    log(f"{name} stopped")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


NGINX_CONF = """\
{user}
worker_processes 1;
pid {folder}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    {mime}
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 50m;

    map $http_x_request_id $request_id_out {{
        default $http_x_request_id;
        "" $request_id;
    }}

    upstream guichet {{
        server 127.0.0.1:{app_a} max_fails=1 fail_timeout=2s;
        server 127.0.0.1:{app_b} max_fails=1 fail_timeout=2s;
    }}

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://guichet;
            proxy_set_header Host $http_host;
            proxy_set_header X-Request-ID $request_id_out;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            # An app server that stops (restart, crash) is skipped: the request goes to the
            # other one. Only idempotent requests are retried (no non_idempotent). Not on a
            # 503: the platform answers it when the database or Redis, shared by every
            # server, does not answer; the other server would say the same, and counting it as
            # the server's failure marked both down, turning the clear 503 into nginx's 502
            # for every request, POSTs included (found by scripts/reliability.py).
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", choices=["start", "test"], default="start")
    parser.add_argument("--dir", type=Path, default=PROJECT_DIR / "var" / "cluster")
    args, pytest_args = parser.parse_known_args()

    cluster = Cluster(args.dir)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM alike (SIGINT set here too: a shell's background job ignores it)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    tests: subprocess.Popen | None = None
    try:
        shared = cluster.start()
        if args.action == "start":
            log("Ctrl-C to stop")
            cluster.supervise(shared)
            return 0
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-m", "cluster"]
        tests = subprocess.Popen(
            [*command, "tests/cluster", *pytest_args],
            cwd=PROJECT_DIR,
            env={**os.environ, "GUICHET_CLUSTER": str(cluster.dir / "cluster.json")},
        )
        cluster.supervise(shared, until=lambda: tests.poll() is not None)
        return tests.wait()
    except KeyboardInterrupt:
        if tests is not None:
            tests.terminate()
        return 0 if args.action == "start" else 1
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        log(f"failed: {exc} (see {cluster.logs})")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log("stopping")
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
