"""Write the bundled samples: parquet files, the upload CSV, truths.json, the README block."""

from collections.abc import Callable
from pathlib import Path
from typing import Final

import polars as pl

from nsm_core.samples import SAMPLE_DIR
from nsm_core.synth import cdnow, meals_truths, teams_truths
from nsm_core.synth._common import Product, write_parquet
from nsm_core.synth.truths import parse_truths, render_markdown, truths_json

GENERATORS: Final[dict[str, Callable[[], Product]]] = {
    "meals": meals_truths.generate,
    "teams": teams_truths.generate,
}
PRODUCTS: Final = (*GENERATORS, "cdnow")
TRUTHS_FILE: Final = "truths.json"
CSV_FILE: Final = "meals_events_sample.csv"
CSV_USERS: Final = 400
CSV_DAYS: Final = 42
BEGIN: Final = "<!-- BEGIN GENERATED TRUTHS: python -m nsm_core.synth rewrites this block -->"
END: Final = "<!-- END GENERATED TRUTHS -->"
# Local offsets of the export's wall-clock timestamps (January-February 2025).
OFFSETS: Final = {"US": -5, "CA": -5, "GB": 0, "AU": 11}


def export_csv(events: pl.DataFrame) -> pl.DataFrame:
    """Return the first weeks of the first users as a product-analytics style export.

    Non-canonical names and formats on purpose: distinct_id, event_name, timestamp (local
    ISO 8601 with offset), amount ("$12.50", "-$12.50" for refunds, empty if none),
    platform, utm_source, country, coupon_code.

    Example:
        >>> from datetime import datetime, UTC
        >>> ev = pl.DataFrame(
        ...     {
        ...         "user_id": ["u1"],
        ...         "event": ["order"],
        ...         "revenue": [-2.5],
        ...         "ts": [datetime(2025, 1, 1, 3, tzinfo=UTC)],
        ...         "device": ["ios"],
        ...         "channel": ["organic"],
        ...         "country": ["US"],
        ...         "coupon": [None],
        ...     }
        ... )
        >>> export_csv(ev).select("timestamp", "amount").row(0)
        ('2024-12-31T22:00:00-05:00', '-$2.50')
    """
    users = events.select(pl.col("user_id").unique().sort().head(CSV_USERS))
    start = events["ts"].min()
    offset = pl.col("country").replace_strict(OFFSETS, return_dtype=pl.Int64)
    cents = (pl.col("revenue").abs() * 100).round().cast(pl.Int64)
    sign = pl.when(pl.col("revenue") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    suffix = pl.format(
        "{}{}:00",
        pl.when(offset < 0).then(pl.lit("-")).otherwise(pl.lit("+")),
        offset.abs().cast(pl.String).str.zfill(2),
    )
    return (
        events.join(users, on="user_id", how="semi")
        .filter(pl.col("ts") < pl.lit(start).dt.offset_by(f"{CSV_DAYS}d"))
        .select(
            distinct_id="user_id",
            event_name="event",
            timestamp=(pl.col("ts") + pl.duration(hours=offset)).dt.strftime("%Y-%m-%dT%H:%M:%S")
            + suffix,
            amount=pl.when(pl.col("revenue") != 0).then(
                pl.format(
                    "{}${}.{}", sign, cents // 100, (cents % 100).cast(pl.String).str.zfill(2)
                )
            ),
            platform="device",
            utm_source="channel",
            country="country",
            coupon_code="coupon",
        )
    )


def write_product(key: str, product: Product, out_dir: Path) -> list[Path]:
    """Write one generated product's files and return their paths."""
    paths = [
        write_parquet(product.events, out_dir / f"{key}_events.parquet"),
        write_parquet(product.spend, out_dir / f"{key}_spend.parquet"),
    ]
    paths += [write_parquet(f, out_dir / f"{name}.parquet") for name, f in product.hidden.items()]
    if key == "meals":
        path = out_dir / CSV_FILE
        export_csv(product.events).write_csv(path, null_value="")
        paths.append(path)
    return paths


def update_readme(path: Path, markdown: str) -> None:
    """Replace the generated block of a README (if the file and its markers exist)."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n{markdown}\n{END}{tail}", encoding="utf-8")


def build(
    out_dir: Path = SAMPLE_DIR, only: tuple[str, ...] = PRODUCTS, source: Path = cdnow.MASTER
) -> list[Path]:
    """Generate the samples named in `only` into `out_dir`; return the files written.

    truths.json keeps the entries of products not rebuilt; the CDNOW sample is skipped when
    its source file is missing. The README's generated block is refreshed if present.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    store = out_dir / TRUTHS_FILE
    truths = parse_truths(store.read_text(encoding="utf-8")) if store.exists() else {}
    written: list[Path] = []
    for key in (k for k in GENERATORS if k in only):
        product = GENERATORS[key]()
        written += write_product(key, product, out_dir)
        truths[key] = product.truths
    if "cdnow" in only and source.exists():
        written.append(write_parquet(cdnow.convert(source), out_dir / "cdnow_events.parquet"))
    ordered = {k: truths[k] for k in GENERATORS if k in truths}
    store.write_text(truths_json(ordered), encoding="utf-8")
    update_readme(out_dir / "README.md", render_markdown(ordered))
    return [*written, store]
