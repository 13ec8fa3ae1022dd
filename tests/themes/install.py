"""Install the theme corpus from the registries, by pinned version (``make themes``).

* npm templates: ``npm ci`` from ``package-lock.json`` into ``tests/themes/node_modules``;
* django-oscar: a virtualenv of its own (``.venv-oscar``, from ``requirements-oscar.txt``:
  Oscar pins a Django that the project itself does not use) and one SQLite store per
  language, seeded by ``platforms/oscar/seed.py``.

Idempotent: a step is skipped while the stamp written after it matches its inputs.
Nothing installed here is committed (``.gitignore``).

Usage: ``python -m tests.themes.install [--check]`` (``--check``: exit 1 if anything is missing).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OSCAR_DIR = HERE / "platforms" / "oscar"
OSCAR_VENV = HERE / ".venv-oscar"
OSCAR_LANGUAGES = ("en", "tr")


def oscar_python() -> Path:
    return OSCAR_VENV / "bin" / "python"


def oscar_data(language: str) -> Path:
    return HERE / f"data-{language}"


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _fresh(stamp: Path, digest: str) -> bool:
    return stamp.exists() and stamp.read_text() == digest


def _python_for_venv() -> str:
    """Oscar 4.2 runs on 3.10-3.13; the project's own Python 3.11 is the one we know works."""
    return shutil.which("python3.11") or sys.executable


def install_npm() -> None:
    stamp = HERE / ".installed-npm"
    digest = _digest(HERE / "package-lock.json")
    if _fresh(stamp, digest) and (HERE / "node_modules").exists():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], cwd=HERE, check=True
    )
    stamp.write_text(digest)


def install_oscar() -> None:
    stamp = HERE / ".installed-oscar"
    requirements = HERE / "requirements-oscar.txt"
    digest = _digest(requirements, OSCAR_DIR / "seed.py", OSCAR_DIR / "settings.py")
    if _fresh(stamp, digest) and oscar_python().exists():
        return
    if not oscar_python().exists():
        subprocess.run([_python_for_venv(), "-m", "venv", str(OSCAR_VENV)], check=True)
    pip = [str(oscar_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    for language in OSCAR_LANGUAGES:
        data = oscar_data(language)
        shutil.rmtree(data, ignore_errors=True)
        env = {**os.environ, "OSCAR_LANGUAGE": language, "OSCAR_DATA": str(data)}
        subprocess.run([str(oscar_python()), str(OSCAR_DIR / "seed.py")], env=env, check=True)
    stamp.write_text(digest)


def installed() -> bool:
    return (HERE / ".installed-npm").exists() and (HERE / ".installed-oscar").exists()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only say whether the corpus is installed")
    args = parser.parse_args()
    if args.check:
        return 0 if installed() else 1
    install_npm()
    install_oscar()
    return 0


if __name__ == "__main__":
    sys.exit(main())
