"""The governance card of a North Star: its definition written down so it cannot drift.

A card holds the metric's spec, its definition in plain words, owner, version, guardrail
metrics and a change log. Every change keeps the old and the new spec, so the metric can be
recomputed both ways and the jump a redefinition causes is visible (`recompute_both_ways`).
Cards export to Markdown (for people) and JSON (for re-import; `from_json(to_json(c)) == c`).
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

import polars as pl

from nsm_core import fmt, links
from nsm_core.metrics import MetricSpec, compute_metric, parse_json
from nsm_core.metrics.words import describe, exclusion_words, filter_words, inclusions
from nsm_core.schema import DataError

FORMAT: Final = "north-star-lab/governance-card"
FORMAT_VERSION: Final = 1
# A card with a long change log would make a link too long to share; it still exports.
MAX_TOKEN_CHARS: Final = 6_000
GRAIN_WORDS: Final = {
    "day": "calendar day (UTC)",
    "week": "calendar week, Monday to Sunday (UTC)",
    "month": "calendar month (UTC)",
}


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A metric that must not get worse while the North Star is pushed up.

    spec is None for a named guardrail the data cannot compute (e.g. "NPS").
    """

    name: str
    spec: MetricSpec | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One redefinition: when, who, why, and the definition before and after."""

    when: date
    author: str
    reason: str
    before: MetricSpec
    after: MetricSpec


@dataclass(frozen=True, slots=True)
class GovernanceCard:
    """The written-down North Star: spec, definition, owner, version, guardrails, changes.

    version starts at 1 and goes up by one with each change; definition is the plain-words
    sentence (generated from the spec unless the owner wrote their own); dataset names the
    data it was adopted on, so a card opened on other data can say so.
    """

    spec: MetricSpec
    definition: str
    version: int = 1
    guardrails: tuple[Guardrail, ...] = ()
    changes: tuple[Change, ...] = field(default=())
    dataset: str = ""

    @property
    def owner(self) -> str:
        """Who answers for the metric (kept on the spec so it travels with it)."""
        return self.spec.owner


def new_card(spec: MetricSpec, definition: str = "", dataset: str = "") -> GovernanceCard:
    """Return version 1 of a card for `spec`; the definition defaults to `describe(spec)`.

    Example:
        >>> new_card(MetricSpec("WAU")).version
        1
    """
    return GovernanceCard(
        spec=spec, definition=definition.strip() or describe(spec), dataset=dataset
    )


def change(
    card: GovernanceCard, after: MetricSpec, *, author: str, reason: str, when: date
) -> GovernanceCard:
    """Return the card redefined as `after`, one version up, with the change logged.

    The definition is regenerated from the new spec when it was the generated one; a
    definition the owner wrote by hand is kept (they edit it separately).

    Raises:
        DataError: no author or no reason given, or nothing changed.

    Example:
        >>> card = new_card(MetricSpec("WAU"))
        >>> later = change(
        ...     card,
        ...     MetricSpec("WAU", grain="month"),
        ...     author="Ana",
        ...     reason="Fewer swings",
        ...     when=date(2025, 3, 1),
        ... )
        >>> later.version, later.changes[0].before.grain, later.spec.grain
        (2, 'week', 'month')
    """
    if not author.strip() or not reason.strip():
        raise DataError("A change to the North Star needs an author and a reason.")
    if after == card.spec:
        raise DataError("The new definition is the same as the current one: nothing to log.")
    generated = card.definition == describe(card.spec)
    logged = Change(when, author.strip(), reason.strip(), card.spec, after)
    return replace(
        card,
        spec=after,
        definition=describe(after) if generated else card.definition,
        version=card.version + 1,
        changes=(*card.changes, logged),
    )


def with_guardrails(card: GovernanceCard, guardrails: tuple[Guardrail, ...]) -> GovernanceCard:
    """Return the card with its guardrail list replaced (duplicates by name dropped).

    Example:
        >>> g = Guardrail("Refund rate")
        >>> len(with_guardrails(new_card(MetricSpec("WAU")), (g, g)).guardrails)
        1
    """
    unique = {g.name: g for g in reversed(guardrails)}
    return replace(card, guardrails=tuple(reversed(unique.values())))


def change_labels(card: GovernanceCard) -> tuple[str, ...]:
    """Return one label per logged change: the version it made, when, who and why.

    Example:
        >>> card = new_card(MetricSpec("WAU"))
        >>> card = change(card, MetricSpec("MAU"), author="Ana", reason="r", when=date(2025, 1, 2))
        >>> change_labels(card)
        ('v2, 2025-01-02, Ana: r',)
    """
    return tuple(
        f"v{i}, {c.when.isoformat()}, {c.author}: {c.reason}"
        for i, c in enumerate(card.changes, start=2)
    )


def spec_changes(before: MetricSpec, after: MetricSpec) -> tuple[tuple[str, str, str], ...]:
    """Return (field, old, new) for every field that differs between two specs.

    Example:
        >>> spec_changes(MetricSpec("WAU"), MetricSpec("WAU", grain="month"))
        (('grain', 'week', 'month'),)
    """
    old, new = before.to_dict(), after.to_dict()
    return tuple((k, _short(old[k]), _short(new[k])) for k in old if old[k] != new[k])


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def recompute_both_ways(events: pl.LazyFrame | pl.DataFrame, entry: Change) -> pl.DataFrame:
    """Return the metric per period under the old and the new definition, stacked.

    events -> (definition String, period_start Date, value Float64, complete Boolean);
    definition is "before" or "after". Both are computed on the same events, so any gap
    between the lines is the redefinition, not a change in behaviour.
    """
    frames = [
        compute_metric(events, spec).select(pl.lit(label).alias("definition"), pl.all())
        for label, spec in (("before", entry.before), ("after", entry.after))
    ]
    return pl.concat(frames)


def jump_caption(both: pl.DataFrame, entry: Change) -> str:
    """Return the size of the redefinition's jump in words (mean over complete periods).

    jump = mean(after) / mean(before) − 1 over the complete periods of each definition.

    Example:
        >>> both = pl.DataFrame(
        ...     {
        ...         "definition": ["before", "after"],
        ...         "value": [100.0, 80.0],
        ...         "complete": [True, True],
        ...     }
        ... )
        >>> s = MetricSpec("WAU")
        >>> jump_caption(both, Change(date(2025, 1, 1), "Ana", "why", s, s))
        'On the same events, the new definition averages 80.00 per period against 100.00 before (-20.0%).'
    """  # noqa: E501
    means = (
        both.filter(pl.col("complete"))
        .group_by("definition")
        .agg(pl.col("value").mean())
        .rows_by_key("definition", unique=True)
    )
    old, new = means.get("before", (None,))[0], means.get("after", (None,))[0]
    if old is None or new is None:
        return "Not enough complete periods to compare the two definitions."
    ratio = f" ({(new / old - 1) * 100:+.1f}%)" if old else ""
    return (
        f"On the same events, the new definition averages {fmt.num(new)} per period against "
        f"{fmt.num(old)} before{ratio}."
    )


# ---- export and import ----------------------------------------------------------------


def to_dict(card: GovernanceCard) -> dict[str, Any]:
    """Return the card as JSON-ready values, tagged with the file format and its version."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "definition": card.definition,
        "version": card.version,
        "dataset": card.dataset,
        "spec": card.spec.to_dict(),
        "guardrails": [
            {"name": g.name, "note": g.note, "spec": g.spec.to_dict() if g.spec else None}
            for g in card.guardrails
        ],
        "changes": [
            {
                "when": c.when.isoformat(),
                "author": c.author,
                "reason": c.reason,
                "before": c.before.to_dict(),
                "after": c.after.to_dict(),
            }
            for c in card.changes
        ],
    }


def to_json(card: GovernanceCard) -> str:
    """Return the card as indented JSON text (re-import with `from_json`)."""
    return json.dumps(to_dict(card), indent=2, ensure_ascii=False)


def _guardrail(data: dict[str, Any]) -> Guardrail:
    spec = data.get("spec")
    return Guardrail(
        name=str(data["name"]),
        spec=MetricSpec.from_dict(spec) if spec else None,
        note=str(data.get("note", "")),
    )


def _change(data: dict[str, Any]) -> Change:
    try:
        when = date.fromisoformat(str(data["when"]))
    except ValueError as err:
        raise DataError(f"Change log date {data['when']!r} is not a date (YYYY-MM-DD).") from err
    return Change(
        when=when,
        author=str(data["author"]),
        reason=str(data["reason"]),
        before=MetricSpec.from_dict(data["before"]),
        after=MetricSpec.from_dict(data["after"]),
    )


def from_dict(data: dict[str, Any]) -> GovernanceCard:
    """Return the card saved by `to_dict`.

    Raises:
        DataError: not a governance card, a newer file format, or a broken field.
    """
    if data.get("format") != FORMAT:
        raise DataError(
            f'This JSON is not a North Star governance card (no "format": "{FORMAT}" field).',
            fix="Import a card exported from the North Star page.",
        )
    if data.get("format_version", 0) > FORMAT_VERSION:
        raise DataError("This card was saved by a newer version of North Star Lab.")
    try:
        return GovernanceCard(
            spec=MetricSpec.from_dict(data["spec"]),
            definition=str(data["definition"]),
            version=int(data["version"]),
            guardrails=tuple(_guardrail(g) for g in data.get("guardrails") or ()),
            changes=tuple(_change(c) for c in data.get("changes") or ()),
            dataset=str(data.get("dataset") or ""),
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise DataError(f"The card is missing or mistypes a field: {err}.") from err


def from_json(text: str | bytes) -> GovernanceCard:
    """Return the card saved by `to_json`.

    Raises:
        DataError: the text is not JSON or not a governance card; the message says why.

    Example:
        >>> card = new_card(MetricSpec("WAU", owner="Ana"))
        >>> from_json(to_json(card)) == card
        True
    """
    return from_dict(parse_json(text, "governance card"))


def gaps_warning(card: GovernanceCard, gaps: tuple[str, ...], dataset: str) -> str:
    """Return the warning for a North Star opened on data that lacks what it counts.

    Example:
        >>> card = new_card(MetricSpec("Weekly orders", events=("order",)), dataset="Meals")
        >>> print(
        ...     gaps_warning(card, ("event 'order'",), "Team chat")
        ... )  # doctest: +NORMALIZE_WHITESPACE
        The North Star **Weekly orders** (adopted on Meals) counts event 'order', which
        Team chat does not have, so it reads 0 here. Adopt a North Star for this data on the
        North Star page, or switch back to the data it was adopted on.
    """
    where = f" (adopted on {card.dataset})" if card.dataset and card.dataset != dataset else ""
    return (
        f"The North Star **{card.spec.name}**{where} counts {' and '.join(gaps)}, which "
        f"{dataset} does not have, so it reads 0 here. Adopt a North Star for this data on "
        "the North Star page, or switch back to the data it was adopted on."
    )


def to_token(card: GovernanceCard) -> str:
    """Return the card as a URL token, so a reload or a shared link keeps the North Star.

    Example:
        >>> card = new_card(MetricSpec("WAU"), dataset="Meal delivery")
        >>> from_token(to_token(card)) == card
        True
    """
    return links.pack(to_dict(card))


def from_token(token: str) -> GovernanceCard:
    """Return the card in a URL token; raise DataError when the link is damaged."""
    try:
        data = links.unpack(token, max_chars=MAX_TOKEN_CHARS)
    except links.LinkError:
        raise DataError(
            "The North Star in this link is damaged.",
            fix="Import the card's JSON file on the North Star page, or adopt it again.",
        ) from None
    if not isinstance(data, dict):
        raise DataError("The North Star in this link is not a governance card.")
    return from_dict(data)


def _cell(text: str) -> str:
    """Return text safe inside a Markdown table cell (pipes escaped, one line)."""
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(card: GovernanceCard) -> list[tuple[str, str]]:
    spec = card.spec
    excluded = exclusion_words(spec.exclusions)
    return [
        ("Owner", spec.owner or "(not set)"),
        ("Adopted on", card.dataset or "(not recorded)"),
        ("Version", str(card.version)),
        ("Type", spec.kind),
        ("Unit", spec.unit or "(none)"),
        ("Time window", GRAIN_WORDS[spec.grain]),
        ("Counted", "; ".join(inclusions(spec))),
        ("Filters", "; ".join(filter_words(f) for f in spec.filters) or "none"),
        ("Excluded", "; ".join(excluded) or "nothing"),
    ]  # fmt: skip


def _guardrail_line(g: Guardrail) -> str:
    how = f": {describe(g.spec)}" if g.spec else ""
    return f"- **{_cell(g.name)}**{how}" + (f" {g.note}" if g.note else "")


def to_markdown(card: GovernanceCard) -> str:
    """Return the card as a Markdown document: definition, facts, guardrails, change log.

    Example:
        >>> print(to_markdown(new_card(MetricSpec("WAU", owner="Ana"))).splitlines()[0])
        # North Star: WAU
    """
    lines = [f"# North Star: {card.spec.name}", "", card.definition, "", "| | |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in _rows(card)]
    lines += ["", "## Guardrails", ""]
    lines += [_guardrail_line(g) for g in card.guardrails] or ["- none yet"]
    lines += ["", "## Change log", ""]
    if not card.changes:
        return "\n".join([*lines, "No changes since version 1."]) + "\n"
    lines += ["| date | author | reason | what changed (old → new) |", "|---|---|---|---|"]
    for entry in card.changes:
        diff = "; ".join(f"{k}: {a} → {b}" for k, a, b in spec_changes(entry.before, entry.after))
        cells = (entry.when.isoformat(), entry.author, entry.reason, diff)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
