"""Every benchmark of issues 8 and 16 in one command, one table: figure | measured | goal | x raw | met?

    python bench/run.py [--quick] [--postgres URL | --postgres ''] [--only cpu,start,lifecycle,...]
                        [--instances N] [--events N] [--stored N] [--prefix NAME] [--results bench/RESULTS.md]

Each part starts its own server (`bpmn-server serve --workers 2`) on a fresh database and drives it
from a separate process (loadgen.py, asyncio); the raw SpiffWorkflow figures are measured in the same
run, so the ratios are what to compare across machines. PostgreSQL parts use fresh databases
PREFIX_a_start, PREFIX_a_life, PREFIX_a_timers, PREFIX_a_list, ... on the server of --postgres (PREFIX
`bench` unless --prefix; other names than the single scripts' defaults, so that those can run beside).
Parts (--only): cpu, start, lifecycle, timers, scale, list, revoke, history, memory. The goals of issue 16
are: cpu, start, lifecycle, timers, scale, list, revoke. The full run takes 30-60 minutes (most of it the
memory figure's 100,000 starts and the scale part's 1,000,000 stored instances); --quick ~8 minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

import bench_goals
import bench_history
import bench_memory
import bench_start
import bench_tasks
from harness import BENCH, NOTES, Figure, figures_table, fresh_postgres, machine, note, tmp_sqlite

PARTS = {"cpu": "0. Server CPU per persisted start, in process",
         "start": "1. Straight-through start over HTTP", "lifecycle": "2. User-task lifecycle over HTTP",
         "timers": "3. 10,000 timers due together", "scale": "3b. Starts with 1,000,000 instances stored",
         "list": "4. Task list with 100,000 open tasks", "revoke": "4b. A revoked token on every process",
         "history": "5. History of 1,000,000 events: filtered page and export",
         "memory": "6. Server memory after 100,000 instances"}
PLACEHOLDER = "Where the time goes: see the lead's note"


def _columns(out: str) -> dict[str, str]:
    """bench_timers.py's printed table as {column: value}: its columns are right-aligned under their names."""
    lines = out.strip().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("database"))
    head, row = lines[header], lines[header + 1]
    values = {}
    for name in ("seconds", "timers/s", "x raw", "lag p50", "lag p99"):
        at = head.find(name)
        if at >= 0:
            values[name] = row[:at + len(name)].split()[-1].rstrip("s")
    return values


def timers(url: str, count: int) -> list[Figure]:
    """bench_timers.py (its own CLI, in a process of its own), read back from its printed table."""
    out = subprocess.run([sys.executable, str(BENCH / "bench_timers.py"), "--database", url, "--timers", str(count)],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    label = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    try:
        got = _columns(out)
        seconds, rate, p50, p99 = (float(got[k]) for k in ("seconds", "timers/s", "lag p50", "lag p99"))
    except (StopIteration, IndexError, KeyError, ValueError):
        return [Figure(f"timers, {label}", "unreadable output of bench_timers.py", "", "", False)]
    ratio = got.get("x raw", "")
    raw = re.search(r"^raw .*?: *([\d.]+)", out, re.MULTILINE)
    note(f"  timers, {label}: {count:,} fired in {seconds:.1f} s ({rate:,.0f}/s"
         + (f", raw engine {float(raw.group(1)):,.0f}/s" if raw else "") + f"), lag p50 {p50:.1f} s, p99 {p99:.1f} s")
    try:
        met = float(ratio) >= 0.8
    except ValueError:
        met = False
    return [Figure(f"timers fired/s, {label}, {count:,} due together, 2 processes", f"{rate:,.0f}/s",
                   ">= 0.8x raw", ratio, met),
            Figure(f"timer lag p99, {label}, {count:,} due together", f"{p99:.1f} s", "<= 2 s", "", p99 <= 2)]


def run_parts(args: argparse.Namespace) -> list[tuple[str, list[Figure]]]:
    quick, pg = args.quick, args.postgres or None
    seconds = 4.0 if quick else 10.0
    # SQLite and PostgreSQL in the full run; --quick keeps one database for the slow parts.
    both = [lambda _name: tmp_sqlite()] + ([lambda name: fresh_postgres(pg, args.prefix + name[5:])] if pg else [])
    slow = both[-1:] if quick else both
    done: list[tuple[str, list[Figure]]] = []
    for part in args.only:
        note(f"\n== {PARTS[part]}")
        figures: list[Figure] = []
        if part == "cpu":
            for make in both:
                figures += bench_goals.cpu_figures(make("bench_a_cpu"), 150 if quick else 400)
        elif part == "start":
            raw = bench_start.raw_engine_rate(min(seconds, 5.0))
            figures.append(bench_start.raw_figure(raw))
            for make in both:
                figures += bench_goals.start_figures(make("bench_a_start"), raw, seconds)
        elif part == "lifecycle":
            raw = bench_tasks.raw_engine_rate(min(seconds, 5.0))
            figures.append(bench_tasks.raw_figure(raw))
            for make in both:
                figures += bench_tasks.bench_lifecycle(raw, seconds, 8, make("bench_a_life"))
        elif part == "timers":
            for make in both:
                figures += timers(make("bench_a_timers"), 2_000 if quick else 10_000)
        elif part == "scale":
            for make in slow:
                figures += bench_goals.scale_figures(make("bench_a_scale"), args.stored, seconds)
        elif part == "list":
            for make in slow if quick else both:
                figures += bench_tasks.bench_list(make("bench_a_list"), args.tasks, 10 if quick else 30)
        elif part == "revoke":
            for make in both:
                figures += bench_goals.revoke_figures(make("bench_a_revoke"))
        elif part == "history":
            for make in slow[::-1]:  # PostgreSQL (the multi-node setup) first
                figures += bench_history.run(make("bench_hist"), args.events, 10 if quick else 30)
        elif part == "memory":
            figures += bench_memory.run(slow[-1]("bench_a_mem"), args.instances)
        done.append((part, figures))
        print(figures_table(figures), flush=True)
    return done


def results_md(parts: list[tuple[str, list[Figure]]], command: str, where: str, minutes: float) -> str:
    """RESULTS.md: the machine, the table, a placeholder paragraph per goal not reached, the details."""
    lines = ["# Benchmark results", "",
             f"Last run: {dt.date.today().isoformat()}, `{command}` ({minutes:.0f} min), on {where}. The load client "
             "(bench/loadgen.py, asyncio, a process of its own), the server and the database share the same cores; "
             "ratios are to the raw SpiffWorkflow 3.2.0 engine measured in the same run (the machine is noisy: "
             "compare ratios, not rates).", "",
             figures_table([f for _, figures in parts for f in figures]), ""]
    missed = [(part, [f.name for f in figures if f.met is False]) for part, figures in parts]
    missed = [(part, names) for part, names in missed if names]
    if missed:
        lines += ["## Goals not reached", ""]
        for part, names in missed:
            lines += [f"### {PARTS[part]}", "", "Not reached: " + "; ".join(names) + ".", "", PLACEHOLDER, ""]
    lines += ["## Details", "", "```", *[n.strip("\n") for n in NOTES if n.strip()], "```", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer seconds, 10,000 instances, 100,000 events")
    ap.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                    help="a PostgreSQL server URL ('' for SQLite only)")
    ap.add_argument("--only", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    ap.add_argument("--instances", type=int, default=None, help="starts for the memory figure (100,000)")
    ap.add_argument("--events", type=int, default=None, help="history events (1,000,000)")
    ap.add_argument("--tasks", type=int, default=None, help="open tasks for the list (100,000)")
    ap.add_argument("--stored", type=int, default=None, help="instances stored for the scale part (1,000,000)")
    ap.add_argument("--prefix", default="bench", help="prefix of the PostgreSQL databases made (default bench)")
    ap.add_argument("--results", type=Path, default=None, help="also write the results (markdown) there")
    args = ap.parse_args()
    args.only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(args.only) - set(PARTS)
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    args.instances = args.instances or (10_000 if args.quick else 100_000)
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    args.tasks = args.tasks or (10_000 if args.quick else 100_000)
    args.stored = args.stored or (100_000 if args.quick else 1_000_000)
    logging.getLogger("spiff").setLevel(logging.WARNING)
    logging.getLogger("bpmn_server").setLevel(logging.WARNING)

    where = machine(args.postgres or None)
    began = time.perf_counter()
    parts = run_parts(args)
    minutes = (time.perf_counter() - began) / 60
    print(f"\nMachine: {where}; {minutes:.1f} min\n")
    print(figures_table([f for _, figures in parts for f in figures]))
    if args.results:
        command = "python bench/run.py" + ("".join(f" {a}" for a in sys.argv[1:] if a != str(args.results)
                                                   and a != "--results"))
        args.results.write_text(results_md(parts, command, where, minutes))
        print(f"\nwritten to {args.results}")


if __name__ == "__main__":
    main()
