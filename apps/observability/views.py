"""``/metrics``: the Prometheus exposition, to the configured networks or the token only.

Prometheus scrapes each web host by its address, over plain http: ``MetricsEndpointMiddleware`` (near the top of
MIDDLEWARE) answers an allowed scrape before Django checks the Host header against ALLOWED_HOSTS (a 400) or
redirects to https (a 301), as the health probes are answered; nothing in the answer depends on the host.

Anyone else gets the portal's ordinary 404 — the answer to a path that does not exist, so the endpoint is not
advertised to a scanner (a 403 would say something is there). Allowed: a client whose address (``client_ip``:
the peer's, or behind TRUSTED_PROXY_COUNT proxies the one they saw) is in METRICS_ALLOWED_NETWORKS (default:
loopback only), or one sending ``Authorization: Bearer <METRICS_TOKEN>`` when that is set.
"""

import hmac
from functools import lru_cache
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from apps.accounts.throttling import client_ip

from .metrics import EvaluationLagCollector, Scrape, process_metrics

PATH = "metrics"  # /metrics, Prometheus' default
_LAG = EvaluationLagCollector()


@lru_cache(maxsize=8)
def allowed_networks(networks: tuple[str, ...]) -> tuple:
    return tuple(ip_network(network.strip(), strict=False) for network in networks if network.strip())


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    try:
        address = ip_address((client_ip(request) or "").strip())
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        address = address.ipv4_mapped
    return any(address in network for network in allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def exposition() -> HttpResponse:
    response = HttpResponse(generate_latest(Scrape(process_metrics(), _LAG)), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


@csrf_exempt  # it writes nothing; a CSRF 403 to a POST from outside would tell that something is here
def metrics(request: HttpRequest) -> HttpResponse:
    """The URL's view (``MetricsEndpointMiddleware`` answers allowed scrapes before it): a 404 to anyone else."""
    if not metrics_allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return exposition()
