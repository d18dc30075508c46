"""A decision table of 100 rules and 5 inputs, evaluated in process: the goal is under 1 ms per evaluation.

    python bench/bench_dmn.py [--rules 100] [--evaluations 5000]

Every rule tests all five inputs (numeric ranges, comparisons, string lists), hit policy COLLECT so that every
rule is checked on every evaluation (the worst case; FIRST stops at the first match). Compiling the model is
timed apart: it happens once per deployed file and process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bpmn_server import dmn  # noqa: E402
from tests.dmn.build import table  # noqa: E402

INPUTS = [("Age", "age"), ("Income", "income"), ("Score", "score"), ("Region", "region"), ("Years", "years")]
REGIONS = ['"north"', '"south"', '"east"', '"west"']


def model_xml(rules: int) -> bytes:
    rng = random.Random(7)
    rows = []
    for i in range(rules):
        lo = rng.randint(18, 60)
        rows.append([f"[{lo}..{lo + rng.randint(1, 20)}]", f">= {rng.randint(1000, 9000)}",
                     f"< {rng.randint(300, 850)}", ", ".join(rng.sample(REGIONS, 2)), "-" if i % 3 else "> 2",
                     f'"rule {i}"'])
    return table("bench", INPUTS, [("label", "string")], rows, "COLLECT")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=100)
    ap.add_argument("--evaluations", type=int, default=5000)
    args = ap.parse_args(argv)
    xml = model_xml(args.rules)
    started = time.perf_counter()
    model = dmn.load(xml)
    compile_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(11)
    inputs = [{"age": rng.randint(18, 80), "income": rng.randint(500, 10000), "score": rng.randint(300, 850),
               "region": rng.choice(["north", "south", "east", "west"]), "years": rng.randint(0, 10)}
              for _ in range(args.evaluations)]
    for v in inputs[:200]:  # warm up
        dmn.evaluate(model, "bench", v)
    samples = []
    for v in inputs:
        t = time.perf_counter()
        dmn.evaluate(model, "bench", v)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    print(f"table: {args.rules} rules x {len(INPUTS)} inputs, hit policy COLLECT; compile {compile_ms:.1f} ms")
    print(f"evaluate: mean {statistics.mean(samples):.3f} ms, median {samples[len(samples) // 2]:.3f} ms, "
          f"p99 {samples[int(len(samples) * 0.99)]:.3f} ms over {len(samples)} evaluations (goal < 1 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
