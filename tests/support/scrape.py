"""Reads a server's /metrics page into {(sample name, sorted label pairs): value}."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(http_address: str) -> Samples:
    with urllib.request.urlopen(f"http://{http_address}/metrics", timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when it is absent (a labelled counter appears on first use)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
