"""Test settings: the environment's database (PostgreSQL in CI), fast hashing."""

import os
from urllib.parse import urlsplit

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the test client and live servers speak http
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# A fixed Fernet key for the organizations' signing keys in tests (production sets its own, and keeps it).
os.environ.setdefault("CREDENTIALS_KEY", "l4CsKzmU-IeTfcal7G6QPLRCCw9YcEXjFG-2gGVHOus=")

from .settings import *  # noqa: F403
from .settings import CACHES, STORAGES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("EMAIL_FILE_PATH"):  # a real worker's e-mail, read back by its test
    EMAIL_BACKEND, EMAIL_FILE_PATH = "django.core.mail.backends.filebased.EmailBackend", os.environ["EMAIL_FILE_PATH"]
# The live server cannot serve manifest-hashed names that were never collected.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = VAR_DIR / "test-media"
WEBHOOKS_PRIVATE_NETWORKS = True  # the tests' receivers listen on 127.0.0.1 (test_private_networks turns it off)
# The shared cache: on the test Redis, a database of its own (tests empty the cache with cache.clear(), which
# empties the whole Redis database: never the broker's queues there) and a prefix of this test run's own, which its
# worker and web processes inherit (the PostgreSQL and SQLite runs share one Redis: their counts stay apart).
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["LOCATION"] = urlsplit(CACHES["default"]["LOCATION"])._replace(path="/1").geturl()
CACHES["default"]["KEY_PREFIX"] = os.environ.setdefault("TEST_CACHE_PREFIX", f"test-{os.getpid()}")
