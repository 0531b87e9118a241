"""Which events and columns the health scorecard can use, found by name.

Event names are split into lower-case words ("contact_support" -> contact, support) and
matched against each signal's words, so "app_error" counts as an error and "misleading"
never counts as a lead. Users can override every choice on the Health page.
"""

import re
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

import polars as pl

from nsm_core.schema import EVENT

SignalKey: TypeAlias = Literal[
    "refund", "ticket", "unsubscribe", "error", "lead", "mql", "sql", "customer"
]

# Words (or word pairs joined by a space) that mark each kind of event.
EVENT_WORDS: Final[dict[SignalKey, tuple[str, ...]]] = {
    "refund": ("refund", "refunded", "chargeback"),
    "ticket": ("ticket", "support", "complaint", "complain", "helpdesk"),
    "unsubscribe": ("unsubscribe", "unsubscribed", "unsub", "optout", "opt out"),
    "error": ("error", "errors", "crash", "crashed", "exception", "failure", "failed"),
    "lead": ("lead", "leads"),
    "mql": ("mql", "marketing qualified"),
    "sql": ("sql", "sales qualified"),
    "customer": ("customer", "won", "converted", "closed won"),
}
SIGNAL_TITLES: Final[dict[SignalKey, str]] = {
    "refund": "refunds",
    "ticket": "support tickets and complaints",
    "unsubscribe": "unsubscribes",
    "error": "errors and crashes",
    "lead": "leads",
    "mql": "marketing-qualified leads (MQL)",
    "sql": "sales-qualified leads (SQL)",
    "customer": "new customers (deal won)",
}
NPS_COLUMNS: Final = ("nps", "nps_score", "likelihood_to_recommend", "recommend_score")
LATENCY_COLUMNS: Final = (
    "latency_ms",
    "latency",
    "duration_ms",
    "response_time_ms",
    "response_time",
    "load_time_ms",
    "load_time",
)


@dataclass(frozen=True, slots=True)
class Signals:
    """The events behind each signal and the NPS / latency columns (hashable: a cache key)."""

    events: tuple[tuple[SignalKey, tuple[str, ...]], ...] = ()
    nps_column: str | None = None
    latency_column: str | None = None

    def of(self, key: SignalKey) -> tuple[str, ...]:
        """Return the event names that count as `key` (empty when none)."""
        return dict(self.events).get(key, ())

    def with_events(self, key: SignalKey, names: tuple[str, ...]) -> "Signals":
        """Return a copy where `key` is carried by exactly `names`."""
        chosen = dict(self.events) | {key: tuple(names)}
        return Signals(tuple(chosen.items()), self.nps_column, self.latency_column)


def words(name: str) -> str:
    """Return an event name as space-separated lower-case words, padded with spaces.

    Example:
        >>> words("Contact_Support-Now")
        ' contact support now '
    """
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return " " + " ".join(re.findall(r"[a-z0-9]+", split.lower())) + " "


def matching(names: list[str], key: SignalKey) -> tuple[str, ...]:
    """Return the event names that look like `key`, in the order given.

    Example:
        >>> matching(["app_error", "misleading", "lead_created", "NewLead"], "lead")
        ('lead_created', 'NewLead')
    """
    wanted = EVENT_WORDS[key]
    return tuple(n for n in names if any(f" {w} " in words(n) for w in wanted))


def _column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def detect(events: pl.DataFrame | pl.LazyFrame) -> Signals:
    """Return the signals found in the events' names and columns.

    A refund event is kept only when the name looks like one; negative revenue is used as
    refunds whatever the name (see the guardrails).

    Example:
        >>> df = pl.DataFrame({"event": ["order", "contact_support"], "NPS": [None, 9]})
        >>> s = detect(df)
        >>> s.of("ticket"), s.nps_column
        (('contact_support',), 'NPS')
    """
    lazy = events.lazy()
    names = sorted(lazy.select(pl.col(EVENT).unique()).collect()[EVENT].drop_nulls().to_list())
    columns = lazy.collect_schema().names()
    found = tuple((key, matching(names, key)) for key in EVENT_WORDS)
    return Signals(
        tuple((k, v) for k, v in found if v),
        _column(columns, NPS_COLUMNS),
        _column(columns, LATENCY_COLUMNS),
    )


def numeric_properties(catalog: pl.DataFrame) -> list[str]:
    """Return the numeric property columns of a property catalog (catalog.property_catalog).

    Example:
        >>> cat = pl.DataFrame({"property": ["plan", "nps"], "type": ["String", "Int64"]})
        >>> numeric_properties(cat)
        ['nps']
    """
    numeric = pl.col("type").str.contains(r"^(Int|UInt|Float|Decimal)")
    return catalog.filter(numeric)["property"].to_list()
