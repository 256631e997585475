"""System checks of a deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Caches whose counts are each process's own (DummyCache counts nothing at all), and those each host's own.
PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
PER_HOST = {"django.core.cache.backends.filebased.FileBasedCache"}


@register(Tags.caches, deploy=True)
def cache_shared_by_every_web_process(app_configs=None, **kwargs) -> list[Warning]:
    """portal.W001: the API's rate per key and the forgot-password limit are counted in the cache, so it must be
    shared by every process that answers requests: a cache per process (or per host, when the Redis broker lets the
    portal run on several hosts) multiplies each limit by the number of processes (or hosts).

    Not raised under DEBUG, nor for the default without Redis — files on the one host the filesystem broker allows,
    which every process of that host shares."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    several_hosts = not settings.CELERY_BROKER_URL.startswith("filesystem://")
    if backend in PER_PROCESS or (backend in PER_HOST and several_hosts):
        scope = "process" if backend in PER_PROCESS else "host"
        return [
            Warning(
                f"The cache ({backend.rsplit('.', 1)[-1]}) is each {scope}'s own: the API's rate per key and the "
                f"forgot-password limit are counted per {scope}, so N web {scope}es allow N times each rate.",
                hint="Set REDIS_URL, or CACHE_URL=redis://…, so that every web process on every host shares one cache.",
                id="portal.W001",
            )
        ]
    return []
