"""The view objects every page is made of: headline numbers, charts, tables, notes."""

from dataclasses import dataclass
from typing import Literal

import altair as alt
import polars as pl

DeltaColour = Literal["normal", "inverse", "off"]
NoteKind = Literal["info", "warning", "error", "success"]


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline number as shown: its label, value in words, tooltip and change.

    delta_color is "inverse" when a rise is bad (churn), "normal" otherwise.
    """

    label: str
    value: str
    help: str = ""
    delta: str | None = None
    delta_color: DeltaColour = "normal"


@dataclass(frozen=True, slots=True)
class ChartView:
    """A chart ready to draw: the figure, the data behind it (downloaded), name and caption."""

    figure: alt.TopLevelMixin
    data: pl.DataFrame
    name: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class TableView:
    """A table ready to show with display names, its download name and a caption."""

    data: pl.DataFrame
    name: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """A sentence next to the numbers: what is missing, what to watch, what went wrong."""

    text: str
    kind: NoteKind = "info"
