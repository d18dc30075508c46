"""The FEEL engine on its own: semantics users hit, errors with positions, limits, JSON conversion."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from bpmn_server.exceptions import Invalid
from bpmn_server.feel import FeelError, FeelLimitExceeded, compile_expression, compile_unary_tests, to_json


def ev(text: str, **variables):
    return compile_expression(text).evaluate(variables)


@pytest.mark.parametrize("text,expected", [
    ("0.1 + 0.2 = 0.3", True),
    ("1.1 * 3 = 3.3", True),
    ("10 / 0", None),
    ('"a" + "b"', "ab"),
    ("null = null", True),
    ("1 = null", False),
    ("true and null", None),
    ("false and null", False),
    ("true or null", True),
    ('1 = "1"', None),
    ("if null then 1 else 2", Decimal(2)),
    ("[1, 2, 3][item > 1]", [Decimal(2), Decimal(3)]),
    ("[1, 2, 3][-1]", Decimal(3)),
    ("{a: 1, b: a + 1}.b", Decimal(2)),
    ("[{a: 1}, {a: 2}].a", [Decimal(1), Decimal(2)]),
    ("for i in 1..3 return i * i", [Decimal(1), Decimal(4), Decimal(9)]),
    ("some x in [1, 5] satisfies x > 3", True),
    ("every x in [1, 5] satisfies x > 3", False),
    ("5 in [1..10)", True),
    ("10 in [1..10)", False),
    ("3 between 1 and 5", True),
    ('"b" in ("a", "b")', True),
    ("1 instance of number", True),
    ('@"2021-01-31" + @"P1M"', dt.date(2021, 2, 28)),
    ('date("2021-03-01") - date("2021-02-01")', dt.timedelta(days=28)),
    ('years and months duration(date("2011-12-22"), date("2013-08-24")) = @"P1Y8M"', True),
    ('date and time("2021-01-01T10:00:00@Europe/Paris") = date and time("2021-01-01T09:00:00Z")', True),
    ('time("10:00:00") < time("11:00:00")', True),
    ('string(@"P2DT3H")', "P2DT3H"),
    ("sum([1, 2, 3])", Decimal(6)),
    ('substring("hello", 2, 3)', "ell"),
    ('string join(["a", "b"], ", ")', "a, b"),
    ("decimal(1/3, 2)", Decimal("0.33")),
    ('matches("abc", "^a.c$")', True),
    ("(function(x) x * 2)(21)", Decimal(42)),
    ("sort([3, 1, 2], function(a, b) a > b)", [Decimal(3), Decimal(2), Decimal(1)]),
    ('get value({a: 1}, "a")', Decimal(1)),
    ("not(true)", False),
    ("// a comment\n1 + /* inline */ 1", Decimal(2)),
])
def test_semantics(text, expected):
    assert ev(text) == expected


def test_names_with_spaces_and_symbols():
    assert ev("Monthly Salary * 12", **{"Monthly Salary": 1000}) == Decimal(12000)
    expr = compile_expression("Loan-to-Value > 0.8", ("Loan-to-Value",))
    assert expr.evaluate({"Loan-to-Value": 0.9}) is True


def test_unary_tests():
    assert compile_unary_tests("< 5, [7..9]").matches(8) is True
    assert compile_unary_tests("not(1, 2)").matches(3) is True
    assert compile_unary_tests("-").matches("anything") is True
    assert compile_unary_tests('"gold", "silver"').matches("bronze") is False
    assert compile_unary_tests("? > limit").matches(5, {"limit": 3}) is True
    assert compile_unary_tests("< 5").matches(None) is None


def test_syntax_error_has_the_position():
    with pytest.raises(FeelError) as info:
        compile_expression("1 +\n  * 2")
    err = info.value
    assert isinstance(err, Invalid) and err.status == 422
    assert (err.line, err.column) == (2, 3)
    assert "line 2, column 3" in err.detail and "'1 +\\n  * 2'" in err.detail


def test_no_python_is_reachable():
    assert ev('"x".__class__') is None
    assert ev("__import__") is None
    with pytest.raises(FeelError):
        compile_expression("x; import os")


def test_runaway_loop_stops_within_the_time_limit():
    started = time.monotonic()
    with pytest.raises(FeelLimitExceeded):
        compile_expression("for i in 1..100000000 return for j in 1..100000000 return i").evaluate({}, seconds=0.5)
    assert time.monotonic() - started < 5


def test_size_limit():
    with pytest.raises(FeelLimitExceeded):
        ev("for i in 1..100000000 return i")


def test_json_conversion():
    value = ev('{n: 1.5, i: 2, d: date("2020-01-02"), t: @"PT1H", l: [true, null], r: [1..2]}')
    assert to_json(value) == {"n": 1.5, "i": 2, "d": "2020-01-02", "t": "PT1H", "l": [True, None], "r": "[1..2]"}


def test_compiled_once():
    assert compile_expression("a + 1") is compile_expression("a + 1")
