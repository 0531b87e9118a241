"""How results reach the screen: every chart and table with a caption and a CSV download.

The one place that draws view objects (nsm_core/views) and shows a DataError to the user.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import altair as alt
import polars as pl
import streamlit as st

from nsm_core.export import to_csv_bytes
from nsm_core.schema import DataError
from nsm_core.views._base import ChartView, Headline, Note, TableView

_NOTE_ICONS = {
    "info": ":material/info:",
    "warning": ":material/warning:",
    "error": ":material/error:",
    "success": ":material/check_circle:",
}


def _file_name(name: str) -> str:
    """Return a safe, lower-case CSV file name for a download titled `name`."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ".csv"


def download(data: pl.DataFrame, *, name: str, label: str = "Download CSV") -> None:
    """Offer `data` as a formula-injection-safe CSV named after `name`."""
    st.download_button(
        label,
        data=to_csv_bytes(data),
        file_name=_file_name(name),
        mime="text/csv",
        icon=":material/download:",
        key=f"download_{_file_name(name)}",
        on_click="ignore",
    )


_MIME = {".md": "text/markdown", ".json": "application/json", ".csv": "text/csv"}


def document(text: str, *, file_name: str, label: str, help_text: str | None = None) -> None:
    """Offer a text document (Markdown, JSON) for download; the file type comes from its name."""
    st.download_button(
        label,
        data=text,
        file_name=file_name,
        mime=_MIME.get(file_name[file_name.rfind(".") :], "text/plain"),
        icon=":material/download:",
        key=f"document_{file_name}",
        on_click="ignore",
        help=help_text,
    )


def markdown_and_json(markdown: str, json: str, *, stem: str, what: str) -> None:
    """Offer the same document as Markdown (to read) and JSON (to import again), side by side."""
    left, right = st.columns(2)
    with left:
        document(markdown, file_name=f"{stem}.md", label=f"Download {what} (Markdown)")
    with right:
        document(json, file_name=f"{stem}.json", label=f"Download {what} (JSON)")


def chart(
    figure: alt.Chart | alt.LayerChart, data: pl.DataFrame, *, name: str, caption: str = ""
) -> None:
    """Draw an altair chart, its caption in words, and a download of the data behind it."""
    st.altair_chart(figure, width="stretch")
    if caption:
        st.caption(caption)
    download(data, name=name, label="Download chart data (CSV)")


def table(data: pl.DataFrame, *, name: str, caption: str = "", height: int | str = "auto") -> None:
    """Show a table with its caption and a CSV download."""
    st.dataframe(data, hide_index=True, width="stretch", height=height)
    if caption:
        st.caption(caption)
    download(data, name=name)


def warnings(messages: tuple[str, ...] | list[str]) -> None:
    """Show the warnings a result carries (small cohorts, missing columns, ...)."""
    for message in messages:
        st.warning(message, icon=":material/warning:")


def definitions(
    markdown: str, title: str = "How these numbers are defined", *, docs: str | None = None
) -> None:
    """Show the definitions behind a view in an expander next to it.

    `docs` names the file (or anchor) in docs/definitions/ that writes them out in full.
    """
    with st.expander(title, icon=":material/menu_book:"):
        st.markdown(markdown)
        if docs:
            st.caption(f"Every definition in full, with its formula and examples: `{docs}`.")


def empty(message: str) -> None:
    """Say what is missing and what would enable the view (instead of an empty chart)."""
    st.info(message, icon=":material/info:")


def headlines(items: Sequence[Headline], *, border: bool = False) -> None:
    """Show headline numbers side by side, each with its tooltip and change."""
    for column, item in zip(st.columns(len(items)), items, strict=True):
        column.metric(
            item.label,
            item.value,
            delta=item.delta,
            delta_color=item.delta_color,
            help=item.help or None,
            border=border,
        )


def show(*items: ChartView | TableView | Note | Sequence[Headline]) -> None:
    """Draw view objects in order: charts and tables with captions and downloads, notes."""
    for item in items:
        if isinstance(item, ChartView):
            chart(item.figure, item.data, name=item.name, caption=item.caption)
        elif isinstance(item, TableView):
            table(item.data, name=item.name, caption=item.caption)
        elif isinstance(item, Note):
            getattr(st, item.kind)(item.text, icon=_NOTE_ICONS[item.kind])
        else:
            headlines(item)


@contextmanager
def data_errors() -> Iterator[None]:
    """Show a DataError raised inside the block as an error with its fix; the page goes on."""
    try:
        yield
    except DataError as err:
        st.error(str(err), icon=":material/error:")
