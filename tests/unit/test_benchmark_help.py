"""Every script in benchmarks/ answers ``--help`` with its usage, at once, without running.

A benchmark that ignores ``--help`` starts minutes of load (or rewrites docs/ figures)
when someone only asked what it does. Each script answers before it imports River and
SciPy (seconds of CPU each; 14 scripts doing so at once took 46 s of CI), so the test
takes about a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: A script that ignores --help fails on its missing usage anyway, so this bound only stops a hang.
WITHIN_S = 240
#: What --help must not wait for: the scorer's libraries, seconds of CPU to import.
HEAVY = {"river", "scipy"}
#: Modules in benchmarks/ that other scripts import, not scripts.
HELPERS = {"system_tools.py"}


def test_every_benchmark_prints_its_usage_and_exits_0_without_doing_work(tmp_path: Path) -> None:
    scripts = sorted(p for p in (REPO / "benchmarks").glob("*.py") if p.name not in HELPERS)
    assert len(scripts) >= 5
    # No broker, no Redis, a scratch folder as the working directory: help needs none of them.
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL")}
    env["CARTCOACH_SERVICES_DIR"] = str(tmp_path / "no-services")
    started = time.monotonic()
    running = {
        script.name: subprocess.Popen(
            [sys.executable, "-X", "importtime", str(script), "--help"], cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for script in scripts
    }  # fmt: skip
    for name, process in running.items():
        out, err = process.communicate(timeout=WITHIN_S)
        imported = {line.rsplit("|", 1)[1].strip() for line in err.splitlines() if line.startswith("import time:")}
        errors = "\n".join(line for line in err.splitlines() if not line.startswith("import time:"))
        assert process.returncode == 0, f"{name} --help exited {process.returncode}: {errors[-2000:]}"
        assert out.startswith("usage:"), f"{name} --help printed no usage first: {out[:500]}"
        assert not imported & HEAVY, f"{name} --help waited for {sorted(imported & HEAVY)} to import"
    assert time.monotonic() - started < WITHIN_S
    assert list(tmp_path.iterdir()) == [], "a benchmark wrote files when asked for help"
