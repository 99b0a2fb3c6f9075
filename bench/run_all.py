"""`make bench`: run every benchmark in bench/ and append their figures to bench/RESULTS.md.

Benchmarks start the local stack when KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL are not set.
Run one on its own with `python -m bench.<name>`.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

from bench.servers import machine

HERE = Path(__file__).parent
NOT_BENCHMARKS = {"__init__", "servers", "run_all", "load"}


def main() -> None:
    names = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in NOT_BENCHMARKS)
    if len(sys.argv) > 1:
        names = [n for n in names if any(arg in n for arg in sys.argv[1:])]
    sections = [f"\n## {datetime.date.today().isoformat()} — {machine()}\n"]
    for name in names:
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], capture_output=True, text=True,
                                cwd=HERE.parent, timeout=1800)
        output = (result.stdout + (result.stderr if result.returncode else "")).strip()
        print(output, flush=True)
        sections.append(f"### {name}\n\n```\n{output}\n```\n")
    with (HERE / "RESULTS.md").open("a") as results:
        results.write("\n".join(sections))


if __name__ == "__main__":
    main()
