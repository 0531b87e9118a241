"""Metrics: MetricSpec (any metric computable from events), compute_metric, templates."""

from nsm_core.metrics.compute import (
    compute_metric,
    data_gaps,
    exclude,
    filter_expr,
    metric_frame,
)
from nsm_core.metrics.spec import (
    AGGREGATIONS,
    ENTITIES,
    METRIC_TYPES,
    Aggregation,
    Entity,
    Exclusions,
    Filter,
    MetricSpec,
    MetricType,
    parse_json,
)
from nsm_core.metrics.templates import (
    TEMPLATES,
    Template,
    TemplateFit,
    event_metric,
    event_metrics,
    fit_all,
    fit_template,
    focus_metrics,
    north_stars,
)
from nsm_core.metrics.words import describe, exclusion_words, inclusions

__all__ = [
    "AGGREGATIONS",
    "ENTITIES",
    "METRIC_TYPES",
    "TEMPLATES",
    "Aggregation",
    "Entity",
    "Exclusions",
    "Filter",
    "MetricSpec",
    "MetricType",
    "Template",
    "TemplateFit",
    "compute_metric",
    "data_gaps",
    "describe",
    "event_metric",
    "event_metrics",
    "exclude",
    "exclusion_words",
    "filter_expr",
    "fit_all",
    "fit_template",
    "focus_metrics",
    "inclusions",
    "metric_frame",
    "north_stars",
    "parse_json",
]
