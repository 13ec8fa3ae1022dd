"""Django settings for Cartridge (Mezzanine's shop) run unchanged for the theme corpus.

The settings Mezzanine's own project template writes (``mezzanine-project -a
cartridge``), trimmed to what a shop needs; no template is overridden. The only
addition is ``tag.CartcoachTagMiddleware``, which inserts the cartcoach tag before
``</body>``. ``SHOP_CURRENCY_LOCALE`` needs a compiled locale: ``install.py`` builds it
with glibc's ``localedef`` into ``LOCPATH``. ``CARTRIDGE_LANGUAGE=tr`` renders the same
theme in Cartridge's and Mezzanine's own Turkish translations.
"""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

HERE = Path(__file__).resolve().parent
LANGUAGE = os.environ.get("CARTRIDGE_LANGUAGE", "en")
DATA = Path(os.environ.get("CARTRIDGE_DATA", HERE / f"data-{LANGUAGE}"))

SECRET_KEY = "corpus-only-not-a-secret"
NEVERCACHE_KEY = "corpus-only-not-a-secret-either"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
SHOP_CURRENCY_LOCALE = "tr_TR.UTF-8" if LANGUAGE == "tr" else "en_US.UTF-8"
USE_MODELTRANSLATION = False
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = LANGUAGE
LANGUAGES = ((LANGUAGE, _(LANGUAGE)),)
USE_I18N = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SITE_ID = 1
AUTHENTICATION_BACKENDS = ("mezzanine.core.auth_backends.MezzanineBackend",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "db.sqlite3")}}
PROJECT_APP = "cartridge_store"
STATIC_URL = "/static/"
STATIC_ROOT = str(DATA / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = str(DATA / "media")
ROOT_URLCONF = "urls"
CARTCOACH_TAG = os.environ.get("CARTCOACH_TAG", "")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.static",
                "django.template.context_processors.media",
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "mezzanine.conf.context_processors.settings",
                "mezzanine.pages.context_processors.page",
            ],
            "loaders": [
                "mezzanine.template.loaders.host_themes.Loader",
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        },
    },
]

INSTALLED_APPS = (
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.redirects",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mezzanine.boot",
    "mezzanine.conf",
    "mezzanine.core",
    "mezzanine.generic",
    "mezzanine.pages",
    "cartridge.shop",
    "mezzanine.blog",
    "mezzanine.forms",
    "mezzanine.galleries",
)

MIDDLEWARE = (
    "tag.CartcoachTagMiddleware",  # platforms/tag.py, on the path set by manage.py
    "mezzanine.core.middleware.UpdateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cartridge.shop.middleware.ShopMiddleware",
    "mezzanine.core.request.CurrentRequestMiddleware",
    "mezzanine.core.middleware.RedirectFallbackMiddleware",
    "mezzanine.core.middleware.AdminLoginInterfaceSelectorMiddleware",
    "mezzanine.core.middleware.SitePermissionMiddleware",
    "mezzanine.pages.middleware.PageMiddleware",
    "mezzanine.core.middleware.FetchFromCacheMiddleware",
)

PACKAGE_NAME_FILEBROWSER = "filebrowser_safe"
PACKAGE_NAME_GRAPPELLI = "grappelli_safe"
OPTIONAL_APPS = (PACKAGE_NAME_FILEBROWSER, PACKAGE_NAME_GRAPPELLI)

from mezzanine.utils.conf import set_dynamic_settings  # noqa: E402  (Mezzanine's documented last line)

set_dynamic_settings(globals())
