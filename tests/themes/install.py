"""Install the theme corpus from the registries, by pinned version (``make themes``).

* npm templates: ``npm ci`` from ``package-lock.json`` into ``tests/themes/node_modules``;
* django-oscar and Cartridge (Mezzanine's shop): a virtualenv each (``.venv-oscar``,
  ``.venv-cartridge``, from ``requirements-*.txt``: each pins a Django the project itself
  does not use) and one SQLite store per language, seeded by ``platforms/*/seed.py``;
* the two locales Cartridge formats money with (``en_US``, ``tr_TR``), compiled by glibc's
  ``localedef`` (Debian's ``locales``) into ``.locale/`` for ``LOCPATH``: no system change;
* with ``--held-out`` only: Shuup 3.1.0 (the held-out theme) in ``.venv-shuup`` on Python 3.9
  (the machine's pyenv build: Shuup 3.1 pins Babel 2.5 and Django 2.2, which fail on 3.11),
  ``pip install --no-deps`` of the full pinned set. The tests do not need it, so CI does not pay for it.

Idempotent: a step is skipped while the stamp written after it matches its inputs.
Nothing installed here is committed (``.gitignore``).

Usage: ``python -m tests.themes.install [--held-out] [--check]`` (``--check``: exit 1 if anything is missing).
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
#: the platforms the development themes run on, and the held-out one (installed on request)
PLATFORMS = ("oscar", "cartridge")
HELD_OUT_PLATFORMS = ("shuup",)
#: the languages each platform's store is seeded in (Shuup has no Turkish translation)
LANGUAGES = {"oscar": ("en", "tr"), "cartridge": ("en", "tr"), "shuup": ("en",)}
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


def _python_for_venv(platform: str) -> str:
    """Oscar 4.2 and Cartridge 1.3 run on the project's own Python 3.11; Shuup 3.1 (2021) needs 3.9."""
    if platform != "shuup":
        return shutil.which("python3.11") or sys.executable
    pyenv = sorted(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")).glob("versions/3.9*/bin/python3.9"))
    found = [str(path) for path in pyenv] or [p for p in [shutil.which("python3.9")] if p]
    if not found:
        raise RuntimeError("Shuup 3.1 needs Python 3.9 (pyenv's, or python3.9 on PATH); none found")
    return found[-1]


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
        subprocess.run([_python_for_venv(platform), "-m", "venv", str(python.parent.parent)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, *(["--no-deps"] if platform == "shuup" else []), "-r", str(requirements)], check=True)
    for language in LANGUAGES[platform]:
        shutil.rmtree(platform_data(platform, language), ignore_errors=True)
        env = {**os.environ, **platform_env(platform, language)}
        subprocess.run([str(python), str(code / "seed.py")], env=env, check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(digest)


def install_all(held_out: bool = False) -> None:
    install_npm()
    for platform in (*PLATFORMS, *(HELD_OUT_PLATFORMS if held_out else ())):
        install_platform(platform)


def installed(held_out: bool = False) -> bool:
    parts = ("npm", *PLATFORMS, *(HELD_OUT_PLATFORMS if held_out else ()))
    return all((HERE / f".installed-{part}").exists() for part in parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only say whether the corpus is installed")
    parser.add_argument("--held-out", action="store_true", help="also the held-out theme's platform (Shuup)")
    args = parser.parse_args()
    if args.check:
        return 0 if installed(args.held_out) else 1
    install_all(args.held_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
