"""The CDNOW sample: the real CDNOW master purchase log in the canonical event schema.

Fader & Hardie's CDNOW data set, as redistributed in the MIT-licensed Lifetimes 0.11.3
(lifetimes/datasets/CDNOW_master.txt): one row per purchase record, all 69,659 kept
(value-0 rows and repeated customer-days are real records). 255 records repeat an earlier
record exactly (same customer, day, CDs and dollars: two real purchases); the loader keeps
them because the times are dates only (`schema.Repeats`), as it does for the same file
uploaded as a CSV, so the bundled and an uploaded copy give the same events.
"""

import gzip
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from nsm_core.schema import TS_DTYPE

# Bundled (gzipped, 0.5 MB) so the sample rebuilds anywhere, byte for byte.
MASTER: Final = (
    Path(__file__).resolve().parents[2] / "sample_data" / "sources" / "CDNOW_master.txt.gz"
)


def parse_master(text: str) -> pl.DataFrame:
    r"""Return the CDNOW master text (header, space-aligned columns) as canonical events.

    user_id = the zero-padded customer id, event = "purchase", ts = the date at 00:00 UTC,
    revenue = dollar_value, cds = number of CDs; sorted by ts, user_id (file order on ties).

    Example:
        >>> text = "id date cds value\r\n 00002 19970112  1   12.00\r\n 00001 19970101  1   11.77"
        >>> parse_master(text).select("user_id", "revenue", "cds").rows()
        [('00001', 11.77, 1), ('00002', 12.0, 1)]
    """
    lines = text.splitlines()[1:]
    cells = np.array(" ".join(lines).split(), dtype=str).reshape(-1, 4)
    return (
        pl.DataFrame(
            {"user_id": cells[:, 0], "day": cells[:, 1], "cds": cells[:, 2], "value": cells[:, 3]}
        )
        .select(
            "user_id",
            event=pl.lit("purchase"),
            ts=pl.col("day")
            .str.to_date("%Y%m%d")
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone("UTC"),
            revenue=pl.col("value").cast(pl.Float64),
            cds=pl.col("cds").cast(pl.Int64),
        )
        .with_columns(pl.col("ts").cast(TS_DTYPE))
        .sort("ts", "user_id", "event", maintain_order=True)
    )


def convert(path: Path = MASTER) -> pl.DataFrame:
    """Return the CDNOW master file at `path` (plain or .gz) as canonical events.

    See `parse_master` for the columns.
    """
    data = path.read_bytes()
    return parse_master((gzip.decompress(data) if path.suffix == ".gz" else data).decode("ascii"))
