"""Read rule values out of Prometheus exposition text, with prometheus_client's own parser (never by hand)."""

from __future__ import annotations

from collections.abc import Sequence

from shipmate.analysis.rules import MetricRule


def rule_values(text: str, rules: Sequence[MetricRule]) -> tuple[float | None, ...]:
    """Per rule, the sum of the matching samples' values (None when nothing matched).

    A sample matches when its name is the rule's metric, or when the rule names a counter's family
    (``http_requests``) and the sample is its value (``http_requests`` / ``http_requests_total``),
    and its labels include every label of the rule. Raises ValueError on text that does not parse.
    """
    # Imported here: only a monitor window with an app metric rule parses Prometheus text, not every deploy.
    from prometheus_client.parser import text_string_to_metric_families

    sums: list[float | None] = [None] * len(rules)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for index, rule in enumerate(rules):
                named = sample.name == rule.metric or (
                    family.name == rule.metric and sample.name in (family.name, family.name + "_total"))
                if named and all(sample.labels.get(key) == value for key, value in rule.labels):
                    sums[index] = (sums[index] or 0.0) + float(sample.value)
    return tuple(sums)
