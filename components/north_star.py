"""The adopted North Star as every page sees it: this session's card, checked against the data.

A card adopted on one dataset and opened on another (a different sample, a new upload)
can count events the data does not have; every page that uses the card says so here,
once, instead of showing a 0 as if it were a reading.
"""

import streamlit as st

from components import cached, state
from components.state import DataSource
from nsm_core import governance
from nsm_core.governance import GovernanceCard


def adopted(source: DataSource) -> GovernanceCard | None:
    """Return the session's North Star card, warning when this data lacks what it counts."""
    card = state.north_star_card()
    if card is None:
        return None
    gaps = cached.metric_gaps(source, card.spec)
    if gaps:
        st.warning(governance.gaps_warning(card, gaps, source.name), icon=":material/warning:")
    return card
