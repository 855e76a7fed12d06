"""Reading values cell by cell: the number and yes/no rules of returns.md."""

import datetime as dt
import math

import pytest

from plantrack.checks import read_count, read_ratio, read_yes_no
from plantrack.layout import Found
from plantrack.workbook import Cell


def found(value, **kw):
    return Found(value, "F12", Cell(value, **kw))


@pytest.mark.parametrize("value, expected", [
    (1234, 1234), (0, 0), (1234.0, 1234), (-0.0, 0), ("1234", 1234), ("1.234", 1234),
    ("12 345", 12345), ("1.234.567", 1234567), ("1,234,567", 1234567), ("12\u00a0345", 12345), (" 42 ", 42), ("1e3", 1000),
])
def test_whole_counts_typed_as_numbers_or_vietnamese_text(value, expected):
    assert read_count(found(value))[:2] == (expected, None)


@pytest.mark.parametrize("value, code", [
    ("abc", "value-not-number"), ("12 người", "value-not-number"), ("90%", "value-not-number"),
    (float("nan"), "value-not-number"), (math.inf, "value-not-number"), (1e308, "value-not-number"),
    ("NaN", "value-not-number"), (True, "value-not-number"), ("-", "value-not-number"),
    (-5, "value-negative"), ("-5", "value-negative"), (12.5, "value-not-whole"), ("1,5", "value-not-whole"),
    ("12,5", "value-not-whole"), ("1.5", "value-not-whole"),
])
def test_bad_counts_name_their_problem(value, code):
    assert read_count(found(value))[1] == code


def test_a_date_where_a_count_belongs_is_not_a_number():
    assert read_count(found(45000, is_date=True))[1] == "value-not-number"
    assert read_count(found(dt.datetime(2023, 1, 5)))[1] == "value-not-number"


def test_a_formula_without_saved_value_is_refused_never_zero():
    assert read_count(Found(None, "F12", Cell(None, formula=True)))[1] == "formula-no-value"
    assert read_count(Found(120, "F12", Cell(120, formula=True)))[:2] == (120, None)  # saved value used


def test_empty_is_not_reported_not_zero():
    assert read_count(found(None)) == (None, None, "")
    assert read_count(found("   ")) == (None, None, "")
    assert read_count(None) == (None, None, "")


@pytest.mark.parametrize("value, answer", [
    ("Có", True), ("có", True), ("CO", True), ("x", True), ("X", True), (1, True), ("1", True), (True, True),
    ("TRUE", True), ("Không", False), ("khong", False), (0, False), ("0", False), (False, False), ("FALSE", False),
    (None, None), ("", None),
])
def test_ct08_yes_no_answers(value, answer):
    assert read_yes_no(found(value))[:2] == (answer, None)


def test_ct08_nonsense_is_refused():
    assert read_yes_no(found("có lẽ"))[1] == "value-not-number"
    assert read_yes_no(found(7))[1] == "value-not-number"


@pytest.mark.parametrize("value, expected", [(90.26, 90.26), ("90,26 %", 90.26), ("90.26%", 90.26), (0.9026, 0.9026), ("", None), ("n/a", None)])
def test_the_forms_own_ratio(value, expected):
    assert read_ratio(found(value)) == expected


def test_a_saved_error_value_is_not_an_empty_cell():
    assert read_count(Found(None, "F12", Cell(None, error="#N/A")))[1] == "value-not-number"
    assert read_yes_no(Found(None, "F18", Cell(None, error="#N/A")))[1] == "value-not-number"


@pytest.mark.parametrize("value, expected", [("(3)", "value-negative"), ("( 12 )", "value-negative"),
                                             ("1234\u00a0", None), ("1.234.567 ", None), (1234.0, None)])
def test_count_forms_of_other_writers(value, expected):
    assert read_count(found(value))[1] == expected


def test_a_percent_formatted_ratio_is_what_it_shows():
    assert read_ratio(found(0.86, percent=True)) == pytest.approx(86.0)
    assert read_ratio(found("86 %", percent=True)) == 86.0  # typed text is read as typed
