"""Summary of an A/B run alternated in the same minutes (A1 B1 A2 B2 ...): per scenario, the
ratio of its throughput to the hello-world of the same run, the noise between two runs of the
same code (the largest |An - Am| and |Bn - Bm|), the difference B - A of the mean ratios, and
the server's and the database's CPU per request.

    python bench/ab_summary.py bench/results/2026-12-05-spine-ab-{A1,B1,A2,B2}-full-postgresql.json

Prints a Markdown table. A scenario whose mean B ratio is below the mean A ratio by more than
the noise is marked ``regression``; above it by more than the noise, ``gain``; else ``=``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from statistics import mean


def _runs(paths: list[str]) -> dict[str, dict]:
    runs = {}
    for path in paths:
        match = re.search(r"-([AB]\d+)-", Path(path).name)
        if not match:
            raise SystemExit(f"{path}: no A<n> or B<n> in the name")
        runs[match.group(1)] = json.loads(Path(path).read_text())
    return runs


def _spread(values: list[float]) -> float:
    return max(values) - min(values) if len(values) > 1 else 0.0


def summarise(paths: list[str]) -> str:
    runs = _runs(paths)
    order = sorted(runs, key=lambda tag: (int(tag[1:]), tag[0]))
    names = [
        name
        for name, result in runs[order[0]]["scenarios"].items()
        if "rps" in result and name != "hello-world"
    ]
    lines = [
        "| run | started load (1/5/15 min) | ended load | hello-world req/s |",
        "|---|---|---|---|",
    ]
    for tag in order:
        machine = runs[tag]["machine"]
        hello = runs[tag]["scenarios"]["hello-world"]["rps"]
        lines.append(f"| {tag} | {machine['load_before']} | {machine['load_after']} | {hello} |")
    lines += [
        "",
        "Ratio to the hello-world of the same run (req/s), per run; noise = the largest spread "
        "between runs of the same code; B - A = mean B - mean A; server / database CPU per "
        "request in ms (mean of A, mean of B); p95 in ms (mean of A, mean of B).",
        "",
        "| scenario | " + " | ".join(order) + " | noise A | noise B | B - A | verdict "
        "| server CPU A / B | db CPU A / B | p95 A / B |",
        "|---|" + "---|" * (len(order) + 7),
    ]
    for name in names:
        ratio, cpu, db, p95 = {}, {}, {}, {}
        for tag in order:
            result = runs[tag]["scenarios"].get(name, {})
            if not result.get("rps"):
                continue
            ratio[tag] = result["rps"] / runs[tag]["scenarios"]["hello-world"]["rps"]
            cpu[tag] = result.get("cpu_ms_per_request", {}).get("server", 0.0)
            db[tag] = result.get("cpu_ms_per_request", {}).get("database", 0.0)
            p95[tag] = result.get("p95_ms", 0.0)

        def side(values: dict, letter: str) -> list[float]:
            return [v for tag, v in values.items() if tag.startswith(letter)]

        a, b = side(ratio, "A"), side(ratio, "B")
        if not a or not b:
            continue
        noise = max(_spread(a), _spread(b))
        diff = mean(b) - mean(a)
        verdict = "regression" if diff < -noise else "gain" if diff > noise else "="
        cells = [f"{ratio[tag]:.4f}" if tag in ratio else "—" for tag in order]
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {_spread(a):.4f} | {_spread(b):.4f} | {diff:+.4f} | {verdict} | "
            f"{mean(side(cpu, 'A')):.1f} / {mean(side(cpu, 'B')):.1f} | "
            f"{mean(side(db, 'A')):.1f} / {mean(side(db, 'B')):.1f} | "
            f"{mean(side(p95, 'A')):.0f} / {mean(side(p95, 'B')):.0f} |"
        )
    lines += [
        "",
        "Server CPU per request (ms, gunicorn master and workers), per run: what a busy host "
        "inflates least; lower is better.",
        "",
        "| scenario | " + " | ".join(order) + " | noise A | noise B | B - A |",
        "|---|" + "---|" * (len(order) + 3),
    ]
    for name in names:
        cpu = {
            tag: runs[tag]["scenarios"][name]["cpu_ms_per_request"]["server"]
            for tag in order
            if runs[tag]["scenarios"].get(name, {}).get("cpu_ms_per_request")
        }
        a = [v for tag, v in cpu.items() if tag.startswith("A")]
        b = [v for tag, v in cpu.items() if tag.startswith("B")]
        if not a or not b:
            continue
        cells = [f"{cpu[tag]:.1f}" if tag in cpu else "—" for tag in order]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {_spread(a):.1f} | {_spread(b):.1f} | "
            f"{mean(b) - mean(a):+.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(sys.argv[1:]))
