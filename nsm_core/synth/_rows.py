"""Event rows under construction: parallel integer arrays, one entry per potential event."""

from dataclasses import dataclass, field

import numpy as np

from nsm_core.synth._common import DAY_S, END_S, sequence_offsets


@dataclass(slots=True)
class Rows:
    """Growing parallel arrays: user index, own day, segment, event code, stage, session.

    segment 0 = own days 0..6 (always happens); 1 = the later life, which happens only if
    the user is retained. session is the index of the user-day session (-1 for none).
    """

    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def add(self, user: np.ndarray, day: np.ndarray, code: int, stage: int) -> None:
        """Append rows of one event code for the given (user, own day) pairs."""
        self.add_session(user, day, code, stage, np.full(user.size, -1, dtype=np.int64))

    def add_session(
        self, user: np.ndarray, day: np.ndarray, code: int, stage: int, session: np.ndarray
    ) -> None:
        """Append rows that belong to a session (the session index links order attributes)."""
        n = user.size
        self.parts.append(
            (
                user.astype(np.int64),
                day.astype(np.int64),
                np.full(n, code, dtype=np.int64),
                np.full(n, stage, dtype=np.int64),
                session.astype(np.int64),
            )
        )

    def columns(self) -> dict[str, np.ndarray]:
        """Return the concatenated arrays: user, day, code, stage, session."""
        names = ("user", "day", "code", "stage", "session")
        return {name: np.concatenate([p[i] for p in self.parts]) for i, name in enumerate(names)}


def place(rng: np.random.Generator, cols: dict[str, np.ndarray], signup: np.ndarray) -> np.ndarray:
    """Return each row's epoch second: signup + own day * 24 h + its second in the session.

    Example:
        >>> cols = {"user": np.array([0, 0]), "day": np.array([0, 0]), "stage": np.array([0, 1])}
        >>> ts = place(np.random.default_rng(0), cols, np.array([100]))
        >>> int(ts[0]), bool(ts[1] > 100)
        (100, True)
    """
    key = cols["user"] * 1000 + cols["day"]
    return signup[cols["user"]] + cols["day"] * DAY_S + sequence_offsets(rng, key, cols["stage"])


def realized(segment: np.ndarray, retained_user: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Return the mask of rows that happen: early rows, later rows of retained users, < END.

    Example:
        >>> realized(np.array([0, 1, 1]), np.array([False, False, True]), np.zeros(3)).tolist()
        [True, False, True]
    """
    return ((segment == 0) | retained_user) & (ts < END_S)


def own_day(ts: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Return floor((ts - start) / 24 h), the own day (docs/definitions/periods.md#own-days).

    Example:
        >>> own_day(np.array([DAY_S * 8 + 5]), np.array([5])).tolist()
        [8]
    """
    return (ts - start) // DAY_S
