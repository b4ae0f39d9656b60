"""Settings of the Lifeline example project, configured from the environment:

- REDIS_URL (default redis://127.0.0.1:6379/0)
- LIFELINE_JWT_SECRET (default the development secret: set it in production)
- LIFELINE_API_KEY (enables POST /publish; unset: off)
- LIFELINE_ALLOWED_ORIGINS (comma-separated; default "*")
- LIFELINE_DEMO=1: the gallery's /demo/token endpoint (anyone can mint tokens: local demos only)
- LIFELINE_GALLERY_DIR: serve the built gallery page (docs/gallery/dist/site) at /
- LIFELINE_LUA_DIR: a copy of the repository's packages/protocol/redis (default: that folder)
- any other LIFELINE_<OPTION> (for example LIFELINE_HEARTBEAT_MS=5000) sets that numeric option
"""
import os
import secrets

from lifeline_channels.conf import POSITIVE_OPTIONS

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(32)
ALLOWED_HOSTS = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if host]
ROOT_URLCONF = "example_project.urls"
ASGI_APPLICATION = "example_project.asgi.application"
INSTALLED_APPS = ["lifeline_channels", "example_project"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
USE_TZ = True

#: Options taken as they are from LIFELINE_<NAME> when set (the numeric ones are POSITIVE_OPTIONS).
_TEXT_OPTIONS = ("JWT_SECRET", "API_KEY", "LUA_DIR", "KEY_PREFIX")


def _lifeline_from_env(environ):
    options = {
        "REDIS_URL": environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ALLOWED_ORIGINS": [origin.strip() for origin in environ.get("LIFELINE_ALLOWED_ORIGINS", "*").split(",") if origin.strip()],
    }
    for name in _TEXT_OPTIONS:
        if environ.get(f"LIFELINE_{name}"):
            options[name] = environ[f"LIFELINE_{name}"]
    for name in POSITIVE_OPTIONS:
        value = environ.get(f"LIFELINE_{name.upper()}")
        if value:
            options[name.upper()] = float(value) if "." in value else int(value)
    return options


LIFELINE = _lifeline_from_env(os.environ)
LIFELINE_DEMO = os.environ.get("LIFELINE_DEMO") == "1"
LIFELINE_GALLERY_DIR = os.environ.get("LIFELINE_GALLERY_DIR")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"lifeline": {"handlers": ["console"], "level": os.environ.get("LIFELINE_LOG_LEVEL", "WARNING")}},
}
