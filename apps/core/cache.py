"""The shared cache (settings.CACHES: Redis in production) holds counts only — rates and limits — never data.

When it cannot be reached (Redis stopped, a network cut, a full disk for the file cache) a count is skipped and
logged and the request is answered: a rate limit that fails closed would turn a Redis outage into an outage of the
API and of forgot password, while the pages and the API work without Redis (sessions, sign-in failures and
everything else live in the database). /readyz reports the cache unreachable meanwhile."""

from redis.exceptions import RedisError

CACHE_UNREACHABLE = (RedisError, OSError)
