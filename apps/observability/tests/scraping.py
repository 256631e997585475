"""Reading /metrics in tests: the exposition parsed by prometheus_client's own parser."""

from prometheus_client.parser import text_string_to_metric_families

METRICS = "/metrics"


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, its labels): value} of an exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **extra) -> dict[tuple[str, frozenset], float]:
    response = client.get(METRICS, **extra)
    assert response.status_code == 200, response.status_code
    return parse(response.content.decode())


def value(samples, name: str, **labels) -> float:
    """A sample's value; 0 when it is not there (a labelled series appears at its first observation)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
