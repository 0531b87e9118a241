"""Sweep every control of a page through its options, as a user clicking around would.

`sweep(at)` walks the page's select boxes, radios, segmented controls, pills, select
sliders, toggles and checkboxes through every option, and sliders and bounded number
inputs to both ends, rerunning the page after each change and collecting every exception
box and every error box. Controls that only appear after another change (a view's own
widgets) are swept in the state that shows them, depth first. A control inside a form is
applied by clicking its submit button, as a user must.

Options are chosen by their shown label (AppTest only knows labels); `_choose` makes the
widget's format function map a `Label` to itself so the server receives exactly what the
browser would send.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from streamlit.runtime.state.common import TESTING_KEY
from streamlit.testing.v1 import AppTest

from components import state

# Sidebar controls that pick the dataset: the sweep is run per sample instead.
SKIPPED_KEYS = frozenset({state.KIND, state.SAMPLE})
CHOICE_KINDS = ("selectbox", "radio", "button_group", "select_slider")
SWITCH_KINDS = ("toggle", "checkbox")
RANGE_KINDS = ("slider", "number_input")


@dataclass(frozen=True, slots=True)
class Label:
    """An option given by the label the page shows for it."""

    text: str


@dataclass(slots=True)
class Finding:
    """Something a user would have seen go wrong, and the clicks that led there."""

    path: tuple[str, ...]
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{' → '.join(self.path) or 'first load'}: {self.kind}: {self.text[:400]}"


@dataclass(slots=True)
class Sweep:
    """What one sweep did: runs made, controls seen, problems found."""

    runs: int = 0
    seen: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)


def _widgets(at: AppTest) -> Iterator[tuple[str, object]]:
    """Yield (identity, widget): identity is the kind, the label and its repeat number.

    A control is known by what the user reads, so the "Key event" box of each tree
    template (a key per template) is one control, swept once.
    """
    kinds = (*CHOICE_KINDS, *SWITCH_KINDS, *RANGE_KINDS, "multiselect")
    for kind in kinds:
        repeats: dict[str, int] = {}
        for widget in getattr(at, kind):
            if widget.key in SKIPPED_KEYS or widget.disabled:
                continue
            n = repeats[widget.label] = repeats.get(widget.label, -1) + 1
            yield f"{kind}:{widget.label}#{n}", widget


def _find(at: AppTest, identity: str) -> object | None:
    return next((w for i, w in _widgets(at) if i == identity), None)


def _values(kind: str, widget: object) -> list[object]:
    if kind in CHOICE_KINDS:
        return [Label(o) for o in widget.options]
    if kind == "multiselect":
        return [[], [Label(o) for o in widget.options[: widget.proto.max_selections or None]]]
    if kind in SWITCH_KINDS:
        return [not widget.value, widget.value]
    if kind == "slider":
        return [widget.min, widget.max]
    ends = [v for v in (widget.min, widget.max) if v is not None]
    return ends or []


def _choose(widget: object, value: object) -> None:
    """Set `value` (a Label, a list of Labels or a plain value) on `widget`."""
    formats = widget.root.session_state[TESTING_KEY]
    if widget.id in formats and callable(formats[widget.id]):
        original = formats[widget.id]
        formats[widget.id] = lambda v: v.text if isinstance(v, Label) else original(v)
    widget.set_value(value)


def _submit(at: AppTest, form_id: str) -> None:
    button = next((b for b in at.button if b.form_id == form_id and b.form_id), None)
    if button is not None:
        button.click()


def _check(at: AppTest, path: tuple[str, ...], result: Sweep, allowed: tuple[str, ...]) -> None:
    result.runs += 1
    result.findings.extend(Finding(path, "exception", e.value) for e in at.exception)
    result.findings.extend(
        Finding(path, "error", e.value)
        for e in at.error
        if not any(text in e.value for text in allowed)
    )


def _label(value: object) -> str:
    if isinstance(value, Label):
        return value.text
    if isinstance(value, list):
        return f"[{len(value)} chosen]"
    return str(value)


def _sweep_widget(
    at: AppTest, identity: str, path: tuple[str, ...], result: Sweep, limits: "Limits"
) -> None:
    widget = _find(at, identity)
    if widget is None:
        return
    kind = identity.split(":", 1)[0]
    original = widget.value
    for value in _values(kind, widget):
        widget = _find(at, identity)
        if widget is None or result.runs >= limits.runs:
            return
        step = (*path, f"{widget.label} = {_label(value)}")
        _choose(widget, value)
        if widget.form_id:
            _submit(at, widget.form_id)
        at.run()
        _check(at, step, result, limits.allowed)
        if len(step) < limits.depth:
            _sweep_new(at, step, result, limits)
    widget = _find(at, identity)
    if widget is not None and kind not in RANGE_KINDS:
        widget.set_value(original)
        if widget.form_id:
            _submit(at, widget.form_id)
        at.run()


def _sweep_new(at: AppTest, path: tuple[str, ...], result: Sweep, limits: "Limits") -> None:
    fresh = [identity for identity, _ in _widgets(at) if identity not in result.seen]
    result.seen.update(fresh)
    for identity in fresh:
        _sweep_widget(at, identity, path, result, limits)


@dataclass(frozen=True, slots=True)
class Limits:
    """How far a sweep goes: runs in all, nesting depth, error texts that are intended."""

    runs: int = 600
    depth: int = 3
    allowed: tuple[str, ...] = ()


def sweep(at: AppTest, limits: Limits = Limits()) -> Sweep:
    """Sweep every control of the page `at` shows; return the runs made and the findings."""
    result = Sweep()
    _check(at, (), result, limits.allowed)
    _sweep_new(at, (), result, limits)
    return result
