"""The command-line tools the benchmarks drive, installed the one way the project installs them.

A missing tool is installed by ``scripts/system_deps.sh --bench`` (Debian's packages,
the same script ``make test`` and ``make bench`` run), so no benchmark carries its
own ``apt-get`` line and none just gives up.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SYSTEM_DEPS = Path(__file__).resolve().parent.parent / "scripts" / "system_deps.sh"


def require(tool: str) -> str:
    """The path of ``tool``, installing the benchmarks' system packages first if it is missing."""
    found = shutil.which(tool)
    if found is None:
        subprocess.run(["bash", str(SYSTEM_DEPS), "--bench"], check=True)
        found = shutil.which(tool)
    if found is None:
        raise SystemExit(f"{tool} is still missing after {SYSTEM_DEPS} --bench")
    return found
