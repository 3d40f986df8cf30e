"""`make bench`: seed a volume, serve the platform and a bare Django hello-world with gunicorn
(2 workers each, same options), load each scenario with locust (headless), write
bench/results/latest.json and print req/s, p50/p95/p99 and the ratio to hello-world.

Options: --duration SECONDS per scenario, --users N concurrent users, --citizens N,
--only NAME[,NAME] to run some scenarios. The database is the configured one (DATABASE_URL).
"""

import argparse
import csv
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"

# name, locust user class, served by ("app" or "hello"), target (description, or None)
SCENARIOS = [
    ("hello-world", "HelloWorld", "hello", None),
    ("home", "HomePage", "app", None),
    ("healthz", "Healthz", "app", None),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def gunicorn(app: str, port: int, env: dict, chdir: Path | None = None) -> subprocess.Popen:
    cmd = [
        str(BIN / "gunicorn"),
        app,
        "--workers", "2",
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        "--log-level", "warning",
    ]  # fmt: skip
    if chdir:
        cmd += ["--chdir", str(chdir)]
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def run_locust(user_class: str, host: str, users: int, duration: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "stats"
        result = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{duration}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--loglevel",
                "WARNING",
                user_class,
            ],  # fmt: skip
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode not in (0, 1):  # locust exits 1 when some requests failed
            raise RuntimeError(f"locust failed:\n{result.stderr[-3000:]}")
        with open(f"{prefix}_stats.csv", newline="") as fh:
            rows = {row["Name"]: row for row in csv.DictReader(fh)}
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 15)))
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", 4)))
    parser.add_argument(
        "--citizens", type=int, default=int(os.environ.get("BENCH_CITIZENS", 10_000))
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()

    env = {**os.environ, "DEBUG": "false", "PYTHONPATH": str(ROOT / "src")}
    print(f"seeding ({args.citizens} citizens)…", flush=True)
    seed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "seed.py"), "--citizens", str(args.citizens)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seeding = json.loads(seed.stdout.strip().splitlines()[-1])

    app_port, hello_port = free_port(), free_port()
    servers = [
        gunicorn("guichet.wsgi:application", app_port, env),
        gunicorn("hello_app:application", hello_port, env, chdir=ROOT / "bench"),
    ]
    try:
        wait_http(f"http://127.0.0.1:{app_port}/healthz")
        wait_http(f"http://127.0.0.1:{hello_port}/")
        hosts = {"app": f"http://127.0.0.1:{app_port}", "hello": f"http://127.0.0.1:{hello_port}"}
        wanted = {s for s in args.only.split(",") if s}
        results = {}
        for name, user_class, served_by, target in SCENARIOS:
            if wanted and name not in wanted and name != "hello-world":
                continue
            print(f"{name}: {args.users} users for {args.duration} s…", flush=True)
            results[name] = run_locust(user_class, hosts[served_by], args.users, args.duration)
            if target:
                results[name]["target"] = target
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    hello_rps = results["hello-world"]["rps"] or 1
    for result in results.values():
        result["ratio_to_hello_world"] = round(result["rps"] / hello_rps, 3)

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "database": os.environ.get("DATABASE_URL", "sqlite (embedded default)").split("@")[-1],
        "gunicorn_workers": 2,
        "users": args.users,
        "duration_s": args.duration,
        "seed": seeding,
        "scenarios": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")

    print(
        f"\n{'scenario':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'ratio':>8}  fail"
    )
    for name, r in results.items():
        print(
            f"{name:<24}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
            f"{r['ratio_to_hello_world']:>8}  {r['failures']}"
        )
    print(f"\nwritten to {RESULTS / 'latest.json'}")
    return 1 if any(r["failures"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
