"""Exercise checks: one call at the end of an exercise tells the learner whether they got it right.

Every check takes a short ``name`` (what is being checked, as the learner would say it), prints one
line starting with ``✓`` when the answer is right, and otherwise raises :class:`CheckError` (an
:class:`AssertionError`) whose message is one line: what was expected, what was found, and a hint.
Checks return the value they checked, so they can end a cell::

    from bdp.checks import check_close, check_plan_contains
    check_close("π estimate", pi_hat, 3.14159, rel=0.01)
    check_plan_contains(joined, "BroadcastHashJoin")

The module works with plain Python values, NumPy, pandas, and Spark/Dask/Polars/DuckDB objects,
but imports none of them: objects are recognised by what they can do (``count``, ``explain``...).
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "CheckError",
    "check_between",
    "check_close",
    "check_columns",
    "check_cores",
    "check_count",
    "check_equal",
    "check_faster",
    "check_plan_contains",
    "check_plan_lacks",
    "check_rmse_below",
    "check_true",
    "plan_text",
    "rmse",
]

OK = "\u2713"  # ✓


class CheckError(AssertionError):
    """An exercise answer is wrong; the message is one line with a hint."""


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of ``value`` on one line, cut to ``limit`` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _fail(name: str, problem: str, hint: str | None) -> CheckError:
    message = f"{name}: {problem}"
    if hint:
        message += f" \u2014 hint: {hint}"
    return CheckError(message)


def _ok(name: str, detail: str, quiet: bool) -> None:
    if not quiet:
        print(f"{OK} {name}: {detail}")


def _as_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _fail(name, f"expected a number, got {_short(value)}", None) from None


# --------------------------------------------------------------------------- values


def check_true(name: str, condition: Any, hint: str, *, quiet: bool = False) -> bool:
    """Pass when ``condition`` is truthy; ``hint`` says what to look at when it is not."""
    if not condition:
        raise _fail(name, "condition not met", hint)
    _ok(name, "ok", quiet)
    return True


def check_equal(
    name: str, got: Any, expected: Any, *, hint: str | None = None, quiet: bool = False
) -> Any:
    """Pass when ``got == expected`` (sequences such as lists, tuples and arrays compare item by item).

    For NumPy arrays and pandas objects, the comparison is element-wise and must hold everywhere.
    """
    try:
        equal = got == expected
        if not isinstance(equal, bool):  # NumPy / pandas: element-wise result
            all_ = getattr(equal, "all", None)
            equal = bool(all_()) if callable(all_) else bool(equal)
            if equal and hasattr(got, "shape") and hasattr(expected, "shape"):
                equal = tuple(got.shape) == tuple(expected.shape)
    except (TypeError, ValueError):
        equal = False
    if not equal:
        raise _fail(
            name,
            f"expected {_short(expected)}, got {_short(got)}",
            hint or "compare your value with the expected one printed here",
        )
    _ok(name, _short(got), quiet)
    return got


def check_close(
    name: str,
    got: Any,
    expected: float,
    *,
    rel: float = 1e-6,
    abs_tol: float = 0.0,
    hint: str | None = None,
    quiet: bool = False,
) -> float:
    """Pass when ``got`` is within ``rel`` (relative) or ``abs_tol`` (absolute) of ``expected``.

    Uses :func:`math.isclose`; NaN never passes.
    """
    if rel < 0 or abs_tol < 0:
        raise ValueError("rel and abs_tol must be >= 0")
    value = _as_float(name, got)
    if not math.isclose(value, expected, rel_tol=rel, abs_tol=abs_tol):
        tol = []
        if rel:
            tol.append(f"{rel:.2g} relative")
        if abs_tol:
            tol.append(f"{abs_tol:.2g} absolute")
        raise _fail(
            name,
            f"expected {expected:.6g} within {' or '.join(tol) or 'exact'}, got {value:.6g}",
            hint or "check the formula and the data you computed it on",
        )
    _ok(name, f"{value:.6g} (expected {expected:.6g})", quiet)
    return value


def check_between(
    name: str,
    got: Any,
    low: float,
    high: float,
    *,
    hint: str | None = None,
    quiet: bool = False,
) -> float:
    """Pass when ``low <= got <= high``."""
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    value = _as_float(name, got)
    if not (low <= value <= high):
        raise _fail(
            name,
            f"expected a value in [{low:.6g}, {high:.6g}], got {value:.6g}",
            hint or "check the computation; the value is out of the plausible range",
        )
    _ok(name, f"{value:.6g} in [{low:.6g}, {high:.6g}]", quiet)
    return value


def check_faster(
    name: str,
    verdict: Any,
    faster: str,
    *,
    at_least: float = 1.0,
    min_gap_to_spread: float = 3.0,
    quiet: bool = False,
) -> Any:
    """Pass when a measured :class:`bdp.measure.Verdict` shows ``faster`` clearly ahead.

    *Clearly* means: every run of ``faster`` beat every run of the other alternative, the median
    ratio is at least ``at_least``, and the gap between the medians is at least
    ``min_gap_to_spread`` times the run-to-run spread. A chapter states a lesson that needs a
    direction with this check, so the build fails when the measurement does not show it — the
    experiment must then be resized, never the sentence loosened.
    """
    problems = []
    if verdict.faster != faster:
        problems.append(f"{verdict.faster} was faster")
    elif not verdict.clear:
        problems.append("the runs overlap")
    if verdict.ratio < at_least and verdict.faster == faster:
        problems.append(f"only {verdict.ratio:.2f}\u00d7 (expected at least {at_least:.2f}\u00d7)")
    if verdict.gap_to_spread < min_gap_to_spread and verdict.faster == faster:
        problems.append(f"gap only {verdict.gap_to_spread:.1f}\u00d7 the spread "
                        f"(expected {min_gap_to_spread:.0f}\u00d7)")
    if problems:
        raise _fail(
            name,
            f"expected {faster} to be clearly faster; measured: {verdict.text}; " + ", ".join(problems),
            "the experiment is too small to show the effect on this machine: make it larger",
        )
    _ok(name, f"{verdict.text} (gap {verdict.gap_to_spread:.1f}\u00d7 the spread)", quiet)
    return verdict


def check_cores(
    name: str,
    timing: Any,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    own_process: bool = False,
    quiet: bool = False,
) -> float:
    """Pass when *every* run of a :class:`bdp.measure.Timing` used a number of cores in range.

    Cores used = CPU seconds ÷ wall seconds, of the process tree or, with ``own_process``, of the
    measuring process alone (its threads, not its children). Meant for bounds that hold on any
    machine, idle or busy — one CPython process running pure-Python threads never uses more than
    one core (``at_most=1.05``) — because the cores a parallel job *gets* depend on what else runs.
    Returns the largest (``at_most``) or smallest (``at_least``) value seen.
    """
    if at_most is None and at_least is None:
        raise ValueError("give at_most, at_least or both")
    runs = tuple(timing.self_cores_runs if own_process else timing.cores_runs)
    if not runs:
        raise _fail(name, "no CPU time was measured", "measure the work with bdp.measure")
    whose = "this process" if own_process else "the process tree"
    shown = ", ".join(f"{r:.2f}" for r in runs)
    problems = []
    if at_most is not None and max(runs) > at_most:
        problems.append(f"at most {at_most:.2f} cores expected, a run used {max(runs):.2f}")
    if at_least is not None and min(runs) < at_least:
        problems.append(f"at least {at_least:.2f} cores expected, a run used {min(runs):.2f}")
    if problems:
        raise _fail(name, f"{'; '.join(problems)} (cores used by {whose} per run: {shown})",
                    "the work did not use the cores the lesson says it must")
    bound = (f"\u2264 {at_most:.2f}" if at_least is None else
             f"\u2265 {at_least:.2f}" if at_most is None else f"in [{at_least:.2f}, {at_most:.2f}]")
    _ok(name, f"cores used by {whose} per run: {shown} ({bound})", quiet)
    return max(runs) if at_most is not None else min(runs)


# --------------------------------------------------------------------------- tables


def _count_of(obj: Any) -> int:
    """Number of rows/elements of an int, a sized object, or an object with ``count()``."""
    if isinstance(obj, bool):
        raise TypeError("a bool is not a count")
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "shape") and not callable(getattr(obj, "count", None)):
        return int(obj.shape[0])
    if hasattr(obj, "__len__") and not hasattr(obj, "_jdf") and not hasattr(obj, "_jrdd"):
        return len(obj)
    count = getattr(obj, "count", None)
    if callable(count):  # Spark DataFrame / RDD
        result = count()
        if isinstance(result, int):
            return result
    if hasattr(obj, "shape"):  # Dask / pandas: shape[0] may be lazy
        n = obj.shape[0]
        return int(n.compute() if hasattr(n, "compute") else n)
    raise TypeError(f"cannot count the rows of a {type(obj).__name__}")


def check_count(
    name: str,
    got: Any,
    expected: int,
    *,
    tolerance: int | float = 0,
    hint: str | None = None,
    quiet: bool = False,
) -> int:
    """Pass when the row count of ``got`` equals ``expected`` (give or take ``tolerance`` rows).

    ``got`` is an int, or anything with rows: a list, a NumPy array, a pandas/Polars frame
    (``len``), a Spark DataFrame or RDD (``count()``), a Dask DataFrame (``shape[0]``).
    A ``tolerance`` below 1 is a fraction of ``expected``.
    """
    try:
        n = _count_of(got)
    except TypeError as exc:
        raise _fail(name, str(exc), "pass a number or a table") from None
    slack = tolerance * abs(expected) if 0 < tolerance < 1 else tolerance
    if abs(n - expected) > slack:
        within = f" \u00b1 {slack:,.0f}" if slack else ""
        raise _fail(
            name,
            f"expected {expected:,}{within} rows, got {n:,}",
            hint or "check your filters and joins (a join on a duplicated key multiplies rows)",
        )
    _ok(name, f"{n:,} rows", quiet)
    return n


def _columns_of(obj: Any) -> list[str]:
    if isinstance(obj, str):
        raise TypeError("pass a table or a list of column names, not a string")
    cols = getattr(obj, "columns", obj)
    return [str(c) for c in cols]


def check_columns(
    name: str,
    got: Any,
    expected: Sequence[str],
    *,
    ordered: bool = True,
    hint: str | None = None,
    quiet: bool = False,
) -> list[str]:
    """Pass when a table (or a list of names) has exactly the ``expected`` columns.

    With ``ordered=False`` only the set of names is compared.
    """
    cols = _columns_of(got)
    want = list(expected)
    same = cols == want if ordered else sorted(cols) == sorted(want)
    if not same:
        missing = [c for c in want if c not in cols]
        extra = [c for c in cols if c not in want]
        if missing or extra:
            problem = f"missing {missing}, unexpected {extra}"
        else:
            problem = f"columns in the wrong order: {cols}"
        raise _fail(name, problem, hint or "check the schema you gave and the order of the fields")
    _ok(name, f"{len(cols)} columns as expected", quiet)
    return cols


# --------------------------------------------------------------------------- query plans


def plan_text(plan: Any) -> str:
    """The text of a query plan.

    ``plan`` is a string (returned as is), or an object with an ``explain()`` method: a Spark
    DataFrame (its physical plan, as ``df.explain()`` prints it), a Polars ``LazyFrame`` or a
    DuckDB relation (``explain()`` returns the text). Printed output is captured, not shown.
    """
    if isinstance(plan, str):
        return plan
    explain = getattr(plan, "explain", None)
    if not callable(explain):
        raise TypeError(f"a {type(plan).__name__} has no query plan; pass a string or a DataFrame")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        returned = explain()
    return returned if isinstance(returned, str) else buffer.getvalue()


def _plan_or_fail(name: str, plan: Any) -> str:
    try:
        return plan_text(plan)
    except TypeError as exc:
        raise _fail(name, str(exc), None) from None


def check_plan_contains(
    plan: Any,
    node: str,
    *,
    times: int = 1,
    name: str | None = None,
    hint: str | None = None,
    quiet: bool = False,
) -> int:
    """Pass when the plan text shows ``node`` (case-sensitive) at least ``times`` times.

    ``plan`` is plan text or a DataFrame (see :func:`plan_text`). Returns the number of occurrences.
    """
    label = name or f"plan has {node}"
    text = _plan_or_fail(label, plan)
    n = text.count(node)
    if n < times:
        nodes = sorted({line.strip(" +-*:|").split(" ")[0] for line in text.splitlines() if line.strip()})
        shown = ", ".join(w for w in nodes if w and w[0].isalpha())[:160]
        raise _fail(
            label,
            f"expected {node!r} at least {times}\u00d7, found {n}\u00d7 (plan nodes: {shown})",
            hint or "look at df.explain() and check the operation that should produce this node",
        )
    _ok(label, f"{node} \u00d7{n}", quiet)
    return n


def check_plan_lacks(
    plan: Any,
    node: str,
    *,
    name: str | None = None,
    hint: str | None = None,
    quiet: bool = False,
) -> str:
    """Pass when the plan text does not show ``node`` (e.g. no ``SortMergeJoin`` after a broadcast)."""
    label = name or f"plan has no {node}"
    text = _plan_or_fail(label, plan)
    n = text.count(node)
    if n:
        raise _fail(
            label,
            f"{node!r} still appears {n}\u00d7 in the plan",
            hint or "look at df.explain() and find which operation produces it",
        )
    _ok(label, f"no {node}", quiet)
    return text


# --------------------------------------------------------------------------- models


def rmse(y_true: Iterable[float], y_pred: Iterable[float]) -> float:
    """Root-mean-square error of two equally long sequences of numbers."""
    true = [float(v) for v in y_true]
    pred = [float(v) for v in y_pred]
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} values but y_pred has {len(pred)}")
    if not true:
        raise ValueError("cannot compute an RMSE on zero values")
    return math.sqrt(math.fsum((t - p) ** 2 for t, p in zip(true, pred, strict=True)) / len(true))


def check_rmse_below(
    name: str,
    got: Any,
    threshold: float,
    *,
    y_pred: Iterable[float] | None = None,
    hint: str | None = None,
    quiet: bool = False,
) -> float:
    """Pass when an RMSE is strictly below ``threshold``.

    Give the RMSE itself as ``got``, or the true values as ``got`` and the predictions as
    ``y_pred`` (the RMSE is then computed here). Returns the RMSE.
    """
    try:
        value = rmse(got, y_pred) if y_pred is not None else _as_float(name, got)
    except ValueError as exc:
        raise _fail(name, str(exc), "y_true and y_pred must be aligned row by row") from None
    if math.isnan(value) or value >= threshold:
        raise _fail(
            name,
            f"RMSE {value:.4g} is not below {threshold:.4g}",
            hint or "compare with the baseline; check features, cleaning and the train/test split",
        )
    _ok(name, f"RMSE {value:.4g} < {threshold:.4g}", quiet)
    return value
