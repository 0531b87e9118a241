"""Tests for nsm_core.properties: text property columns of numbers become numbers.

Expected types and values are worked by hand, or known by construction: the hypothesis
tests format numbers they drew as text and compare the result with those numbers.
"""

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nsm_core.properties import numbers_from_text

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def converted(values: list, sample_rows: int = 1_000) -> pl.Series:
    frame = pl.DataFrame({"x": pl.Series(values, dtype=pl.String)})
    out, types = numbers_from_text(frame, sample_rows)
    assert set(types) <= {"x"}
    if "x" in types:
        assert out.schema["x"] == types["x"]
    return out.get_column("x")


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        (["1", "22", "-3", "0", "-0"], pl.Int64, [1, 22, -3, 0, 0]),
        (["", None, "4"], pl.Int64, [None, None, 4]),
        (["9223372036854775807", "-9223372036854775808"], pl.Int64, [INT64_MAX, INT64_MIN]),
        (["1.5", "2", "-0.25", ".5", "-.5"], pl.Float64, [1.5, 2.0, -0.25, 0.5, -0.5]),
        (["0.50", "", "10.0"], pl.Float64, [0.5, None, 10.0]),
        (["3", "12.75", None], pl.Float64, [3.0, 12.75, None]),
    ],
    ids=["integers", "empties", "int64-bounds", "decimals", "zero-point", "mixed-int-decimal"],
)
def test_numbers_become_numbers(values, dtype, expected):
    out = converted(values)
    assert out.dtype == dtype
    assert out.to_list() == expected


@pytest.mark.parametrize(
    "values",
    [
        ["007", "12"],  # a leading zero: an id or a code
        ["1", "0042"],
        ["00.5", "1.5"],
        ["1", "two"],
        ["", None],  # no numbers at all
        ["1e3"],
        ["+5"],
        ["1,234"],
        ["$5"],
        ["inf"],
        ["NaN"],
        ["1."],
        ["-"],
        ["1 000"],
        ["\u0663"],  # ARABIC-INDIC DIGIT THREE: a digit to unicode, not to a number parser
        ["9223372036854775808"],  # too long for Int64: an id a Float64 would round
    ],
)
def test_anything_else_stays_text_untouched(values):
    out = converted(values)
    assert out.dtype == pl.String
    assert out.to_list() == values


def test_the_whole_column_decides_not_only_the_sample():
    # The first two rows are numbers; the third is not, so nothing is nulled.
    assert converted(["1", "2", "x"], sample_rows=2).to_list() == ["1", "2", "x"]
    # Whole numbers in the sample, a decimal later: Float64 for all.
    assert converted(["1", "2", "2.5"], sample_rows=2).to_list() == [1.0, 2.0, 2.5]
    assert converted(["9", "9223372036854775808"], sample_rows=1).dtype == pl.String


def test_only_text_properties_change():
    frame = pl.DataFrame(
        {
            "user_id": ["1", "2"],
            "event": ["3", "4"],
            "account_id": ["5", "6"],
            "session_id": ["7", "8"],
            "seats": ["10", "20"],
            "already": [1.5, 2.5],
            "plan": ["free", "pro"],
        }
    )
    out, types = numbers_from_text(frame)
    assert types == {"seats": pl.Int64}
    assert out.drop("seats").equals(frame.drop("seats"))
    assert out.get_column("seats").to_list() == [10, 20]
    assert numbers_from_text(frame.select("plan"))[0].equals(frame.select("plan"))


def test_no_text_columns():
    frame = pl.DataFrame({"user_id": ["a"], "n": [1]})
    out, types = numbers_from_text(frame)
    assert out.equals(frame)
    assert types == {}


# Each strategy gives (text, the number it denotes); None stands for an empty cell.
INTEGERS = st.integers(INT64_MIN, INT64_MAX).map(lambda n: (str(n), n))
DECIMALS = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False).map(
    lambda d: (f"{d:f}", float(d))
)
EMPTY = st.sampled_from([("", None), (None, None)])
NOT_PLAIN = st.sampled_from(["007", "-01", "1e3", "+1", "1,5", "n/a", "12 ", "0x1F", "5%"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(INTEGERS, EMPTY), min_size=1, max_size=30),
    st.lists(st.one_of(INTEGERS, DECIMALS, EMPTY), max_size=30),
    st.integers(1, 5),
)
@example([("5", 5)], [("0.000", 0.0)], 1)
@example([("1", 1)], [], 1)
def test_converted_values_equal_the_numbers_written(whole, more, sample_rows):
    cells = whole + more
    numbers = [n for _, n in cells]
    out = converted([text for text, _ in cells], sample_rows)
    if all(n is None for n in numbers):
        assert out.dtype == pl.String
        return
    has_fraction = any("." in (text or "") for text, _ in cells)
    assert out.dtype == (pl.Float64 if has_fraction else pl.Int64)
    if has_fraction:
        numbers = [None if n is None else float(n) for n in numbers]
    assert out.to_list() == numbers


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(INTEGERS, DECIMALS, EMPTY), max_size=20),
    NOT_PLAIN,
    st.data(),
)
def test_one_value_that_is_not_a_plain_number_keeps_the_column_as_text(cells, bad, data):
    texts = [text for text, _ in cells]
    texts.insert(data.draw(st.integers(0, len(texts))), bad)
    out = converted(texts, data.draw(st.integers(1, 5)))
    assert out.dtype == pl.String
    assert out.to_list() == texts
