"""Django settings for Shuup's own storefront (its default Classic Gray theme), run unchanged.

Shuup's own development settings (``shuup_workbench.settings``, shipped in the wheel) with
the store's data directory, and ``tag.CartcoachTagMiddleware`` added, which inserts the
cartcoach tag before ``</body>``; no template is overridden. Tables come from the models
(``MIGRATION_MODULES`` off: an empty store needs none of the hundred data migrations, and
running them takes minutes), then ``seed.py`` runs Shuup's own ``shuup_init``.
"""

import os
from pathlib import Path

os.environ.setdefault("SHUUP_WORKBENCH_BASE_DIR", os.environ.get("SHUUP_DATA", str(Path(__file__).parent / "data")))
os.makedirs(os.path.join(os.environ["SHUUP_WORKBENCH_BASE_DIR"], "var"), exist_ok=True)

from shuup_workbench.settings import *  # noqa: E402,F401,F403  (Shuup's documented starting point)

DATA = Path(os.environ["SHUUP_WORKBENCH_BASE_DIR"])
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "db.sqlite3")}}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LANGUAGE_CODE = "en"
PARLER_DEFAULT_LANGUAGE_CODE = "en"
LOGGING = {"version": 1, "disable_existing_loggers": False}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MIDDLEWARE = [*MIDDLEWARE, "tag.CartcoachTagMiddleware"]  # noqa: F405
CARTCOACH_TAG = os.environ.get("CARTCOACH_TAG", "")


class _NoMigrations(dict):
    """Every app's tables straight from its models (``migrate --run-syncdb``)."""

    def __contains__(self, app: object) -> bool:
        return True

    def __getitem__(self, app: str) -> None:
        return None


MIGRATION_MODULES = _NoMigrations()
