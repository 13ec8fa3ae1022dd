"""Install the theme corpus from the registries, by pinned version (``make themes``).

* npm templates: ``npm ci`` from ``package-lock.json`` into ``tests/themes/node_modules``;
* django-oscar and Cartridge (Mezzanine's shop): a virtualenv each (``.venv-oscar``,
  ``.venv-cartridge``, from ``requirements-*.txt``: each pins a Django the project itself
  does not use) and one SQLite store per language, seeded by ``platforms/*/seed.py``;
* the two locales Cartridge formats money with (``en_US``, ``tr_TR``), compiled by glibc's
  ``localedef`` (Debian's ``locales``) into ``.locale/`` for ``LOCPATH``: no system change.

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
PLATFORMS = ("oscar", "cartridge")
LANGUAGES = ("en", "tr")
LOCALES = HERE / ".locale"


def platform_dir(platform: str) -> Path:
    return HERE / "platforms" / platform


def platform_python(platform: str) -> Path:
    return HERE / f".venv-{platform}" / "bin" / "python"


def platform_data(platform: str, language: str) -> Path:
    return HERE / f"data-{platform}-{language}"


def platform_env(platform: str, language: str) -> dict[str, str]:
    """What the platform's settings read: its language and data directory (and the locales)."""
    prefix = platform.upper()
    return {f"{prefix}_LANGUAGE": language, f"{prefix}_DATA": str(platform_data(platform, language)),
            "LOCPATH": str(LOCALES), "PYTHONWARNINGS": "ignore"}  # fmt: skip


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


def install_locales() -> None:
    for name, source in (("en_US.UTF-8", "en_US"), ("tr_TR.UTF-8", "tr_TR")):
        if not (LOCALES / name).exists():
            LOCALES.mkdir(exist_ok=True)
            subprocess.run(["localedef", "-i", source, "-f", "UTF-8", str(LOCALES / name)], check=True)


def install_platform(platform: str) -> None:
    """The platform's virtualenv and one seeded store per language."""
    stamp = HERE / f".installed-{platform}"
    requirements = HERE / f"requirements-{platform}.txt"
    code = platform_dir(platform)
    digest = _digest(requirements, code / "seed.py", code / "settings.py")
    python = platform_python(platform)
    if _fresh(stamp, digest) and python.exists():
        return
    install_locales()
    if not python.exists():
        subprocess.run([_python_for_venv(), "-m", "venv", str(python.parent.parent)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    for language in LANGUAGES:
        shutil.rmtree(platform_data(platform, language), ignore_errors=True)
        env = {**os.environ, **platform_env(platform, language)}
        subprocess.run([str(python), str(code / "seed.py")], env=env, check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(digest)


def install_all() -> None:
    install_npm()
    for platform in PLATFORMS:
        install_platform(platform)


def installed() -> bool:
    return all((HERE / f".installed-{part}").exists() for part in ("npm", *PLATFORMS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only say whether the corpus is installed")
    args = parser.parse_args()
    if args.check:
        return 0 if installed() else 1
    install_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
