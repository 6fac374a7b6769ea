"""Start-up benchmark: how long the commands people type most take, end to end, as separate processes.

Measured, each as a fresh ``finews`` process (best of ``--runs``, as other work on the machine only
ever adds time; the median is printed beside it):

- ``finews --help``                               target < 0.3 s
- a mistake in finews.toml (``finews fetch``)     target < 0.3 s
- ``finews search`` on the demo archive           target < 0.5 s
- ``finews sources`` on the demo archive          (no target; it opens the archive like search)

Then the ten slowest imports of ``finews --help`` by ``python -X importtime`` (cumulative, each
with its own time), which show what the help page still waits for.

The demo archive is made with ``finews demo`` in a temporary folder, or given with ``--demo FOLDER``
(a folder ``finews demo`` wrote, e.g. ``demo/`` after ``make demo``).

    python bench/startup.py [--runs 10] [--demo FOLDER]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PYTHON = Path(sys.executable)
# the installed program, as people run it; `python -m finews` where there is none
FINEWS = [str(PYTHON.with_name("finews"))] if PYTHON.with_name("finews").exists() else [str(PYTHON), "-m", "finews"]
TYPO = '[storge]\npath = "finews.db"\n'  # "storage" misspelt: the error names the key


@dataclass
class Case:
    label: str
    args: list[str]
    target: float | None  # seconds; None: measured, no target
    exit_code: int = 0
    expect: str = ""  # text the output must hold, so a broken command is not timed as a fast one


def run_once(case: Case) -> float:
    start = time.perf_counter()
    done = subprocess.run([*FINEWS, *case.args], capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - start
    output = done.stdout + done.stderr
    if done.returncode != case.exit_code or case.expect not in output:
        raise SystemExit(f"{case.label}: exit code {done.returncode}, expected {case.exit_code}:\n{output}")
    return elapsed


def _env() -> dict[str, str]:
    """This environment without $FINEWS_CONFIG (each command names its file), at 100 columns."""
    return {**{k: v for k, v in os.environ.items() if k != "FINEWS_CONFIG"}, "COLUMNS": "100"}


def measure(case: Case, runs: int) -> tuple[float, float]:
    times = [run_once(case) for _ in range(runs)]
    return min(times), statistics.median(times)


def import_top(args: list[str], count: int = 10) -> list[tuple[int, int, str]]:
    """The ``count`` imports with the most cumulative time: (cumulative µs, own µs, module as indented)."""
    done = subprocess.run(
        [str(PYTHON), "-X", "importtime", "-m", "finews", *args], capture_output=True, text=True, env=_env()
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(cumulative), int(own), name.rstrip()))
    return sorted(rows, reverse=True)[:count]


def demo_folder(given: Path | None, scratch: Path) -> Path:
    if given is not None:
        if not (given / "finews.toml").is_file():
            raise SystemExit(f"{given}: no finews.toml (make one with: finews demo {given})")
        return given
    folder = scratch / "demo"
    subprocess.run([*FINEWS, "demo", str(folder)], check=True, capture_output=True, env=_env())
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (the best counts)")
    parser.add_argument("--demo", type=Path, help="a folder `finews demo` wrote (default: a new one)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="finews-startup-") as scratch_name:
        scratch = Path(scratch_name)
        demo = demo_folder(options.demo, scratch)
        typo = scratch / "typo.toml"
        typo.write_text(TYPO, encoding="utf-8")
        config = str(demo / "finews.toml")
        cases = [
            Case("finews --help", ["--help"], 0.3, expect="Commands:"),
            Case("config error (finews fetch)", ["fetch", "-c", str(typo)], 0.3, exit_code=2, expect="unknown key"),
            Case("finews search", ["search", "-c", config, "芯片"], 0.5, expect="articles match"),
            Case("finews sources", ["sources", "-c", config], None, expect="last result"),
        ]
        print(f"{' '.join(FINEWS)}: best and median of {options.runs} runs, wall time")
        print(f"{'command':30} {'best':>8} {'median':>8} {'target':>8}  result")
        for case in cases:
            best, median = measure(case, options.runs)
            if case.target is None:
                target, verdict = "-", ""
            else:
                target, verdict = f"{case.target:.2f} s", "met" if best < case.target else "NOT met"
            print(f"{case.label:30} {best:6.3f} s {median:6.3f} s {target:>8}  {verdict}")

    print("\nfinews --help: the 10 slowest imports (python -X importtime, cumulative)")
    print(f"{'cumulative':>12} {'own':>9}  module")
    for cumulative, own, name in import_top(["--help"]):
        print(f"{cumulative / 1000:9.1f} ms {own / 1000:6.1f} ms  {name}")


if __name__ == "__main__":
    main()
