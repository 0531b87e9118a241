"""The bundled sample products: where their files are and what they are."""

from dataclasses import dataclass
from pathlib import Path
from typing import Final

SAMPLE_DIR: Final = Path(__file__).resolve().parent.parent / "sample_data"


@dataclass(frozen=True, slots=True)
class Sample:
    """One bundled dataset: canonical events (parquet) and an optional monthly spend table."""

    key: str
    title: str
    description: str
    events_file: str
    spend_file: str | None = None

    @property
    def events_path(self) -> Path:
        """Absolute path of the events parquet file."""
        return SAMPLE_DIR / self.events_file

    @property
    def spend_path(self) -> Path | None:
        """Absolute path of the spend table, if the sample has one."""
        return SAMPLE_DIR / self.spend_file if self.spend_file else None


SAMPLES: Final[dict[str, Sample]] = {
    s.key: s
    for s in (
        Sample(
            key="meals",
            title="Meal delivery app (consumer, synthetic)",
            description="Orders with revenue, refunds and coupons; four acquisition channels.",
            events_file="meals_events.parquet",
            spend_file="meals_spend.parquet",
        ),
        Sample(
            key="teams",
            title="Team chat SaaS (B2B, synthetic)",
            description="Accounts with seats, messages, integrations and monthly subscriptions.",
            events_file="teams_events.parquet",
            spend_file="teams_spend.parquet",
        ),
        Sample(
            key="cdnow",
            title="CDNOW CD store purchases (real, 1997-98)",
            description="69,659 real purchases of 23,570 customers (Fader & Hardie).",
            events_file="cdnow_events.parquet",
        ),
    )
}
DEFAULT_SAMPLE: Final = "meals"
