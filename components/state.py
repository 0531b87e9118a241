"""The only module that touches st.session_state: the user's choices, never derived data.

What a session has chosen (sample or upload, load options) lives here, per browser
session; the data derived from it lives in the cache (components/cached.py), keyed by the
content hash of what was chosen, so sessions never see each other's uploads.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final, Literal

import streamlit as st

from nsm_core import governance, scenarios
from nsm_core.governance import GovernanceCard
from nsm_core.metrics import MetricSpec
from nsm_core.samples import DEFAULT_SAMPLE, SAMPLES
from nsm_core.schema import DataError

# Widget keys (the sidebar's widgets write these; everything else reads them through here).
KIND: Final = "source_kind"
SAMPLE: Final = "sample_key"
UPLOAD: Final = "events_upload"
SPEND_UPLOAD: Final = "spend_upload"
# Plain state keys.
OPTIONS: Final = "load_options"
DIGESTS: Final = "upload_digests"
DATE_RANGES: Final = "date_ranges"

KIND_SAMPLE: Final = "Sample product"
KIND_UPLOAD: Final = "Your own file"


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to read an uploaded file: format, preset, column mapping, default event name."""

    format: str | None = None
    preset: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    event_name: str = "purchase"


@dataclass(frozen=True, slots=True)
class DataSource:
    """The dataset a session analyses. Hashable: it is the cache key of every computation.

    `key` is the sample's key, or the SHA-256 of an upload's bytes (its content hash).
    `start`, `end`: the date range the events are narrowed to (UTC days, both included;
    None = from the first or to the last event), so every page sees the same events.
    """

    kind: Literal["sample", "upload"]
    key: str
    name: str
    options: LoadOptions = field(default_factory=LoadOptions)
    spend_key: str | None = None
    spend_name: str | None = None
    start: date | None = None
    end: date | None = None

    @property
    def whole(self) -> "DataSource":
        """The same dataset without a date range (what is read from the file)."""
        return replace(self, start=None, end=None)

    @property
    def ranged(self) -> bool:
        """True when a date range narrows the events."""
        return self.start is not None or self.end is not None


def _digest(upload: object) -> str:
    """Return the content hash of an UploadedFile, computed once per upload."""
    digests: dict[str, str] = st.session_state.setdefault(DIGESTS, {})
    file_id = upload.file_id
    if file_id not in digests:
        digests[file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return digests[file_id]


def forget_stale(key: str, options: Sequence[object]) -> None:
    """Forget a widget's remembered value when it is no longer one of its options.

    A week chosen on a slider of weeks is not a month: when the period, the data or a
    filter changes the options, the widget starts again from its default.
    """
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def wants_upload() -> bool:
    """Return True when the user chose to analyse their own file rather than a sample."""
    return st.session_state.get(KIND, KIND_SAMPLE) == KIND_UPLOAD


def uploaded_events() -> object | None:
    """Return the uploaded events file, when the user chose to analyse their own file."""
    return st.session_state.get(UPLOAD) if wants_upload() else None


def uploaded_spend() -> object | None:
    """Return the uploaded spend table, if any (only with an uploaded events file)."""
    return st.session_state.get(SPEND_UPLOAD) if uploaded_events() is not None else None


def options() -> LoadOptions:
    """Return the load options the user set on the Data page (defaults until then)."""
    return st.session_state.get(OPTIONS, LoadOptions())


def set_options(new: LoadOptions) -> None:
    """Remember how to read the uploaded file."""
    st.session_state[OPTIONS] = new


def sample_key() -> str:
    """Return the key of the chosen bundled sample."""
    key = st.session_state.get(SAMPLE, DEFAULT_SAMPLE)
    return key if key in SAMPLES else DEFAULT_SAMPLE


def _whole_source() -> DataSource:
    upload = uploaded_events()
    if upload is None:
        sample = SAMPLES[sample_key()]
        return DataSource(kind="sample", key=sample.key, name=sample.title)
    spend = uploaded_spend()
    return DataSource(
        kind="upload",
        key=_digest(upload),
        name=upload.name,
        options=options(),
        spend_key=_digest(spend) if spend is not None else None,
        spend_name=spend.name if spend is not None else None,
    )


def source() -> DataSource:
    """Return the dataset this session is looking at (an upload, else a sample), in its range."""
    whole = _whole_source()
    start, end = st.session_state.get(DATE_RANGES, {}).get(whole, (None, None))
    return replace(whole, start=start, end=end)


def date_range_key(source: DataSource) -> str:
    """Return the key of the date-range widget of this dataset and load options (one each)."""
    identity = hashlib.sha256(repr(source.whole).encode()).hexdigest()[:16]
    return f"date_range_{identity}"


def remember_date_range(whole: DataSource, first: date, last: date) -> None:
    """Keep the date range just picked for `whole` (the widget's on_change callback).

    A range still being picked (its start only) is not kept yet; the whole span, first to
    last, is kept as no range. Ranges are kept per dataset, so they survive page switches
    and a switch to another sample and back.
    """
    picked = tuple(st.session_state.get(date_range_key(whole)) or ())
    if len(picked) != 2:
        return
    ranges = st.session_state.setdefault(DATE_RANGES, {})
    if picked == (first, last):
        ranges.pop(whole, None)
    else:
        ranges[whole] = (max(picked[0], first), min(picked[1], last))


def payload(source: DataSource) -> bytes | None:
    """Return the uploaded bytes behind `source` (None for a bundled sample)."""
    upload = uploaded_events()
    return upload.getvalue() if source.kind == "upload" and upload is not None else None


def spend_payload(source: DataSource) -> bytes | None:
    """Return the uploaded spend table's bytes behind `source`, if any."""
    spend = uploaded_spend()
    return spend.getvalue() if source.spend_key and spend is not None else None


# Scenarios page: the plan being compared (a user choice; its results are recomputed).
SCENARIO_PLAN: Final = "scenario_plan"
SCENARIO_EDITOR: Final = "scenario_editor_version"


def scenario_plan() -> scenarios.Plan | None:
    """Return the scenarios this session is comparing (None until the page first sets them)."""
    return st.session_state.get(SCENARIO_PLAN)


def set_scenario_plan(plan: scenarios.Plan, *, reset_editor: bool = False) -> None:
    """Remember the scenarios; `reset_editor` refills the scenario table from them."""
    st.session_state[SCENARIO_PLAN] = plan
    if reset_editor:
        st.session_state[SCENARIO_EDITOR] = scenario_editor_version() + 1


def scenario_editor_version() -> int:
    """Return a counter that changes whenever the scenario table must be refilled."""
    return st.session_state.get(SCENARIO_EDITOR, 0)


# North Star and Workshop pages: the governed North Star and the facilitator's session.
NORTH_STAR_CARD: Final = "north_star_card"
NORTH_STAR_DRAFT: Final = "north_star_draft"
NORTH_STAR_IMPORT: Final = "north_star_import_id"
WORKSHOP: Final = "workshop_session"


@dataclass(frozen=True, slots=True)
class WorkshopSession:
    """A facilitator's choices: the candidates, custom ones, and the edited matrix.

    chosen: candidate names in the order picked; scores: rows of the scoring matrix as the
    facilitator left them (Candidate, the criteria, Votes); weights: (criterion, weight).
    """

    chosen: tuple[str, ...] = ()
    custom: tuple[MetricSpec, ...] = ()
    scores: tuple[tuple[object, ...], ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    editor_version: int = 0


def north_star_card() -> GovernanceCard | None:
    """Return the governance card of this session's North Star (None until one is chosen)."""
    return st.session_state.get(NORTH_STAR_CARD)


def set_north_star_card(card: GovernanceCard | None) -> None:
    """Remember the North Star's governance card (None forgets it), in the session and link."""
    st.session_state[NORTH_STAR_CARD] = card
    keep_in_link()


def north_star_draft() -> MetricSpec | None:
    """Return a metric proposed as the North Star elsewhere (the workshop's winner)."""
    return st.session_state.get(NORTH_STAR_DRAFT)


def set_north_star_draft(spec: MetricSpec | None) -> None:
    """Propose `spec` as the North Star; the North Star page picks it up (None clears)."""
    st.session_state[NORTH_STAR_DRAFT] = spec


def workshop_session() -> WorkshopSession:
    """Return the workshop session (empty until the facilitator picks candidates)."""
    return st.session_state.get(WORKSHOP, WorkshopSession())


def set_workshop_session(session: WorkshopSession) -> None:
    """Remember the workshop session."""
    st.session_state[WORKSHOP] = session


def card_import_done(file_id: str) -> bool:
    """Return True when this uploaded card file was already imported (import it once)."""
    return st.session_state.get(NORTH_STAR_IMPORT) == file_id


def mark_card_imported(file_id: str) -> None:
    """Remember that the uploaded card file `file_id` has been imported."""
    st.session_state[NORTH_STAR_IMPORT] = file_id


# The link: what a reload or a shared URL keeps (the sample and the adopted North Star).
LINK_SAMPLE: Final = "sample"
LINK_NORTH_STAR: Final = "north_star"
LINK_READ: Final = "link_read"


def restore_from_link() -> str | None:
    """On a session's first run, take the sample and the North Star from the link.

    Returns why the link's North Star was ignored, when it was damaged (None otherwise).
    """
    if st.session_state.get(LINK_READ):
        return None
    st.session_state[LINK_READ] = True
    sample = st.query_params.get(LINK_SAMPLE)
    if sample in SAMPLES and SAMPLE not in st.session_state:
        st.session_state[SAMPLE] = sample
    token = st.query_params.get(LINK_NORTH_STAR)
    if not token or NORTH_STAR_CARD in st.session_state:
        return None
    try:
        st.session_state[NORTH_STAR_CARD] = governance.from_token(token)
    except DataError as err:
        return f"{err} No North Star is adopted yet."
    return None


def _set_param(key: str, value: str | None) -> None:
    if value is None:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def keep_in_link() -> None:
    """Write the sample and the adopted North Star into the page's link (a reload keeps them).

    An upload cannot travel in a link, so with one the sample is left out; a card whose
    change log is too long for a link is left out too (it still exports as JSON).
    """
    _set_param(LINK_SAMPLE, None if wants_upload() else sample_key())
    card = north_star_card()
    token = governance.to_token(card) if card is not None else None
    fits = token is not None and len(token) <= governance.MAX_TOKEN_CHARS
    _set_param(LINK_NORTH_STAR, token if fits else None)
