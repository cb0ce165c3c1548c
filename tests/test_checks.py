"""Unit tests of bdp.checks, the exercise-grading helpers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bdp import checks
from bdp.checks import (
    CheckError,
    check_between,
    check_close,
    check_columns,
    check_count,
    check_equal,
    check_plan_contains,
    check_plan_lacks,
    check_rmse_below,
    check_true,
    plan_text,
    rmse,
)

PLAN = """== Physical Plan ==
AdaptiveSparkPlan isFinalPlan=false
+- Project [VendorID#1, zone#7]
   +- BroadcastHashJoin [zone_id#3], [zone_id#6], Inner, BuildRight, false
      :- Filter isnotnull(zone_id#3)
      :  +- Scan ExistingRDD[VendorID#1,zone_id#3]
      +- BroadcastExchange HashedRelationBroadcastMode(List(input[0, int, false]),false)
         +- Exchange hashpartitioning(zone_id#6, 8)
"""


class FakeSparkFrame:
    """Duck-typed stand-in: explain() prints, count() returns an int, no __len__."""

    def __init__(self, plan: str, rows: int) -> None:
        self._plan = plan
        self._rows = rows
        self._jdf = object()

    def explain(self) -> None:
        print(self._plan)

    def count(self) -> int:
        return self._rows


class FakeLazyFrame:
    """Duck-typed stand-in for Polars/DuckDB: explain() returns the text."""

    def explain(self) -> str:
        return "AGGREGATE\n  SCAN PARQUET"


def test_check_error_is_assertion_error() -> None:
    assert issubclass(CheckError, AssertionError)


def test_success_prints_tick_and_returns_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_equal("answer", 42, 42) == 42
    out = capsys.readouterr().out
    assert out.startswith("\u2713 answer:")
    assert out.count("\n") == 1


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    check_equal("answer", 1, 1, quiet=True)
    assert capsys.readouterr().out == ""


def test_check_equal_failure_message_is_one_line_with_hint() -> None:
    with pytest.raises(CheckError) as info:
        check_equal("counts", [7, 5], [7, 4])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("counts: expected [7, 4], got [7, 5]")
    assert "hint:" in message


def test_check_equal_custom_hint() -> None:
    with pytest.raises(CheckError, match="hint: use reduceByKey"):
        check_equal("x", 1, 2, hint="use reduceByKey")


def test_check_equal_numpy_and_pandas() -> None:
    check_equal("array", np.array([1, 2, 3]), np.array([1, 2, 3]), quiet=True)
    with pytest.raises(CheckError):
        check_equal("array", np.array([1, 2, 3]), np.array([1, 2, 4]), quiet=True)
    with pytest.raises(CheckError):  # incompatible shapes never pass
        check_equal("array", np.array([1, 2, 3]), np.array([1, 2]), quiet=True)
    check_equal("series", pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0]), quiet=True)


def test_check_close_relative_and_absolute() -> None:
    assert check_close("pi", 3.1416, math.pi, rel=1e-3, quiet=True) == pytest.approx(3.1416)
    check_close("zero", 1e-9, 0.0, abs_tol=1e-6, quiet=True)
    with pytest.raises(CheckError, match=r"pi: expected 3\.14159 within 0\.0001 relative, got 3\.2"):
        check_close("pi", 3.2, math.pi, rel=1e-4)
    with pytest.raises(CheckError):
        check_close("nan", float("nan"), 1.0, rel=0.5)
    with pytest.raises(CheckError, match="expected a number"):
        check_close("text", "abc", 1.0)
    with pytest.raises(ValueError):
        check_close("bad", 1.0, 1.0, rel=-1)


def test_check_close_accepts_numpy_scalars() -> None:
    check_close("np", np.float32(0.5), 0.5, quiet=True)


def test_check_between() -> None:
    assert check_between("ratio", 0.5, 0.0, 1.0, quiet=True) == 0.5
    with pytest.raises(CheckError, match=r"in \[0, 1\], got 1\.5"):
        check_between("ratio", 1.5, 0.0, 1.0)
    with pytest.raises(ValueError):
        check_between("ratio", 0.5, 1.0, 0.0)


def test_check_true() -> None:
    assert check_true("cached", True, "call persist()", quiet=True)
    with pytest.raises(CheckError, match="hint: call persist"):
        check_true("cached", False, "call persist()")


@pytest.mark.parametrize(
    "table",
    [
        12,
        list(range(12)),
        np.zeros((12, 3)),
        pd.DataFrame({"a": range(12)}),
        FakeSparkFrame("", 12),
    ],
)
def test_check_count_on_many_kinds_of_tables(table: object) -> None:
    assert check_count("rows", table, 12, quiet=True) == 12


def test_check_count_failure_and_tolerance() -> None:
    with pytest.raises(CheckError, match="expected 100 rows, got 90"):
        check_count("rows", 90, 100)
    check_count("rows", 95, 100, tolerance=5, quiet=True)
    check_count("rows", 95, 100, tolerance=0.05, quiet=True)  # a fraction of expected
    with pytest.raises(CheckError, match=r"expected 100 \u00b1 4 rows"):
        check_count("rows", 95, 100, tolerance=4)
    with pytest.raises(CheckError, match="cannot count"):
        check_count("rows", object(), 1)
    with pytest.raises(CheckError):
        check_count("rows", True, 1)


def test_check_columns() -> None:
    df = pd.DataFrame(columns=["class", "alcohol", "ash"])
    check_columns("schema", df, ["class", "alcohol", "ash"], quiet=True)
    check_columns("schema", df, ["ash", "class", "alcohol"], ordered=False, quiet=True)
    with pytest.raises(CheckError, match="wrong order"):
        check_columns("schema", df, ["ash", "class", "alcohol"])
    with pytest.raises(CheckError, match=r"missing \['proline'\], unexpected \['ash'\]"):
        check_columns("schema", df, ["class", "alcohol", "proline"])
    with pytest.raises(TypeError):
        check_columns("schema", "class,alcohol", ["class"])


def test_plan_text_sources() -> None:
    assert plan_text(PLAN) == PLAN
    assert "BroadcastHashJoin" in plan_text(FakeSparkFrame(PLAN, 0))
    assert plan_text(FakeLazyFrame()).startswith("AGGREGATE")
    with pytest.raises(TypeError):
        plan_text(42)


def test_plan_text_does_not_leak_printed_plan(capsys: pytest.CaptureFixture[str]) -> None:
    plan_text(FakeSparkFrame(PLAN, 0))
    assert capsys.readouterr().out == ""


def test_check_plan_contains(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_plan_contains(PLAN, "BroadcastHashJoin") == 1
    assert check_plan_contains(FakeSparkFrame(PLAN, 0), "Exchange", times=2) == 2
    out = capsys.readouterr().out
    assert "\u2713 plan has BroadcastHashJoin: BroadcastHashJoin \u00d71" in out
    with pytest.raises(CheckError) as info:
        check_plan_contains(PLAN, "SortMergeJoin", name="join strategy")
    message = str(info.value)
    assert message.startswith("join strategy: expected 'SortMergeJoin' at least 1\u00d7, found 0\u00d7")
    assert "BroadcastHashJoin" in message  # the nodes actually present are listed
    assert "\n" not in message
    with pytest.raises(CheckError, match="found 1"):
        check_plan_contains(PLAN, "BroadcastHashJoin", times=2)
    with pytest.raises(CheckError, match="has no query plan"):
        check_plan_contains(3, "Exchange")


def test_check_plan_lacks() -> None:
    check_plan_lacks(PLAN, "SortMergeJoin", quiet=True)
    with pytest.raises(CheckError, match=r"'BroadcastHashJoin' still appears 1"):
        check_plan_lacks(PLAN, "BroadcastHashJoin")


def test_rmse_and_check_rmse_below() -> None:
    assert rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(math.sqrt(12.5))
    assert check_rmse_below("model", 2.0, 3.0, quiet=True) == 2.0
    assert check_rmse_below("model", [1.0, 2.0], 0.6, y_pred=[1.5, 2.5], quiet=True) == 0.5
    with pytest.raises(CheckError, match="RMSE 3 is not below 3"):
        check_rmse_below("model", 3.0, 3.0)
    with pytest.raises(CheckError, match="y_true has 2 values but y_pred has 1"):
        check_rmse_below("model", [1.0, 2.0], 1.0, y_pred=[1.0])
    with pytest.raises(CheckError):
        check_rmse_below("model", float("nan"), 1.0)
    with pytest.raises(ValueError):
        rmse([], [])


def test_public_api_is_exported() -> None:
    for name in checks.__all__:
        assert hasattr(checks, name), name
