"""Daily bicycle counts with weather: a small time series for the pandas time-series lesson.

A stand-in for the Montréal bike-path counters of the pandas cookbook (``bikes.csv``) joined
with daily weather. :func:`make_bike_counts` returns a DataFrame indexed by ``Date`` (daily
:class:`~pandas.DatetimeIndex`, **a few days missing from the index** — ``asfreq("D")`` reveals
them) with one column per counter plus two weather columns::

    Date                 index     day (2012-01-01 onwards by default)
    Berri 1              Int64     bicycles counted that day (missing during a counter outage)
    Côte-Sainte-Catherine, Maisonneuve 1, Maisonneuve 2, du Parc, Pierre-Dupuy, Rachel1
                         Int64     same, one column per counter (BIKE_COUNTERS)
    temp_c               float64   daily mean temperature, °C (≈ −10 in January, ≈ 21 in July)
    precip_mm            float64   daily precipitation, mm (0 on ≈ 65 % of days)

Structure to discover: a strong seasonal cycle driven by temperature (almost nobody rides at
−15 °C), commuter counters busier on weekdays while ``Pierre-Dupuy`` (a leisure path) peaks on
weekends, rain cuts traffic, Québec public holidays look like Sundays, counter outages (runs of
missing values per counter, ≈ 1 % of counter-days) and ≈ 0.5 % of days absent altogether.
:func:`bike_weather` gives the weather alone (for a join exercise).

Size: ``days`` defaults to ``pick(small=1096, full=3653)`` (3 or 10 years); a few hundred KB.
``out=`` writes a CSV atomically: ``style="iso"`` (comma, UTF-8, ``2012-01-01``) or
``style="montreal"`` — the original's quirks: ``;`` separator, Latin-1 encoding, day-first dates
(``01/01/2012``), counters only — for the ``read_csv(sep=";", encoding="latin1", dayfirst=True)``
exercise.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import numpy as np

from bdp.datasets._write import (
    MANIFEST,
    Dataset,
    DatasetError,
    atomic_dir,
    check_formats,
    check_out,
    check_out_file,
    check_seed,
    default_out,
    write_text_atomically,
)

__all__ = ["make_bike_counts", "bike_weather", "quebec_holidays", "write_bikes", "BIKE_COUNTERS"]

# counter: (summer weekday level, weekend factor)
BIKE_COUNTERS: dict[str, tuple[float, float]] = {
    "Berri 1": (4200.0, 0.62),
    "Côte-Sainte-Catherine": (1700.0, 0.55),
    "Maisonneuve 1": (2300.0, 0.58),
    "Maisonneuve 2": (4000.0, 0.60),
    "du Parc": (2600.0, 0.55),
    "Pierre-Dupuy": (900.0, 1.45),
    "Rachel1": (4300.0, 0.80),
}

_STYLES = ("iso", "montreal")


def _easter(year: int) -> _dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return _dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> _dt.date:
    first = _dt.date(year, month, 1)
    return first + _dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def quebec_holidays(year: int) -> list[_dt.date]:
    """Québec's statutory holidays of ``year`` (fixed dates are not moved off weekends)."""
    easter = _easter(year)
    may25 = _dt.date(year, 5, 25)
    victoria = may25 - _dt.timedelta(days=(may25.weekday() - 0) % 7 or 7)  # Monday before May 25
    return sorted(
        {
            _dt.date(year, 1, 1),
            easter - _dt.timedelta(days=2),  # Good Friday
            easter + _dt.timedelta(days=1),  # Easter Monday
            victoria,  # Journée nationale des patriotes
            _dt.date(year, 6, 24),  # Fête nationale
            _dt.date(year, 7, 1),  # Canada Day
            _nth_weekday(year, 9, 0, 1),  # Labour Day
            _nth_weekday(year, 10, 0, 2),  # Thanksgiving
            _dt.date(year, 12, 25),
            _dt.date(year, 12, 26),
        }
    )


def _check_args(start: Any, days: Any, seed: Any) -> tuple[Any, int, int]:
    import pandas as pd

    from bdp.config import pick

    seed = check_seed(seed)
    if days is None:
        days = pick(small=1096, full=3653)
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or not 14 <= days <= 36_600:
        raise DatasetError(f"days must be an integer between 14 and 36600, got {days!r}")
    try:
        first = pd.Timestamp(start).normalize()
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"start={start!r} is not a date: {exc}".splitlines()[0]) from None
    return first, int(days), seed


def _weather(first: Any, days: int, seed: int) -> tuple[Any, np.ndarray, np.ndarray]:
    import pandas as pd

    dates = pd.date_range(first, periods=days, freq="D")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(41,)))
    doy = dates.day_of_year.to_numpy().astype("float64")
    clim = 5.8 - 15.5 * np.cos(2 * np.pi * (doy - 20) / 365.25)
    anomaly = np.empty(days)
    state = 0.0
    for i, e in enumerate(rng.normal(0.0, 1.0, days)):
        state = 0.7 * state + np.sqrt(1 - 0.49) * e
        anomaly[i] = state
    temp = np.round(clim + (4.5 - 1.5 * np.cos(2 * np.pi * (doy - 20) / 365.25)) * anomaly, 1)
    wet = rng.random(days) < 0.35
    precip = np.where(wet, np.round(rng.gamma(0.8, 7.0, days), 1), 0.0)
    precip = np.where(wet & (precip == 0.0), 0.2, precip)
    return dates, temp, precip


def bike_weather(start: Any = "2012-01-01", days: int | None = None, seed: int = 0) -> Any:
    """The weather of :func:`make_bike_counts` alone: a DataFrame (``temp_c``, ``precip_mm``) by ``Date``.

    Every day is present here (weather stations do not skip days), so joining it with the counts
    is a lesson in itself.
    """
    import pandas as pd

    first, days, seed = _check_args(start, days, seed)
    dates, temp, precip = _weather(first, days, seed)
    return pd.DataFrame({"temp_c": temp, "precip_mm": precip}, index=pd.DatetimeIndex(dates, name="Date"))


def bikes_csv_text(df: Any, style: str = "iso") -> tuple[str, str]:
    """The CSV text of a :func:`make_bike_counts` frame in ``style``; returns ``(text, encoding)``."""
    if style == "iso":
        return df.to_csv(lineterminator="\n", date_format="%Y-%m-%d"), "utf-8"
    counters = [c for c in df.columns if c in BIKE_COUNTERS]
    return (
        df[counters].to_csv(sep=";", lineterminator="\n", date_format="%d/%m/%Y"),
        "latin-1",
    )


def make_bike_counts(
    out: Any = None,
    *,
    start: Any = "2012-01-01",
    days: int | None = None,
    seed: int = 0,
    weather: bool = True,
    style: str = "iso",
    overwrite: bool = False,
) -> Any:
    """Daily bicycle counts (and weather) as a DataFrame; optionally also written as CSV.

    Parameters
    ----------
    out : path ending in ``.csv``, optional
        Also write the frame there, atomically, in ``style`` (see the module docstring).
    start : date-like
        First day.
    days : int, optional
        Number of calendar days; default ``pick(small=1096, full=3653)``.
    seed : int ≥ 0
    weather : bool
        Include ``temp_c`` and ``precip_mm`` (default True).
    style : "iso" or "montreal"
        CSV flavour for ``out``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``Date``; counters as ``Int64`` (nullable), weather as float64.
    """
    import pandas as pd

    first, days, seed = _check_args(start, days, seed)
    if not isinstance(weather, bool):
        raise DatasetError(f"weather must be True or False, got {weather!r}")
    if style not in _STYLES:
        raise DatasetError(f"style must be one of {', '.join(_STYLES)}, got {style!r}")
    path = None if out is None else check_out_file(out, (".csv",), overwrite)

    dates, temp, precip = _weather(first, days, seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(42,)))
    weekend = dates.day_of_week.to_numpy() >= 5
    years = range(dates[0].year, dates[-1].year + 1)
    hol = {d for y in years for d in quebec_holidays(y)}
    holiday = np.array([d.date() in hol for d in dates])
    # riding propensity: a logistic response to temperature, damped by rain, a slow upward trend
    ride = 1.0 / (1.0 + np.exp(-(temp - 9.0) / 3.5))
    ride = ride * np.exp(-0.06 * precip) * (1.0 + 0.05 * np.arange(days) / 365.25)
    day_factor = rng.gamma(25.0, 1.0 / 25.0, days)  # shared day-to-day noise (events, wind...)
    columns: dict[str, Any] = {}
    for name, (level, weekend_factor) in BIKE_COUNTERS.items():
        off_day = np.where(weekend | holiday, weekend_factor, 1.0)
        lam = level * ride * off_day * day_factor * rng.gamma(40.0, 1.0 / 40.0, days) + 3.0
        counts = rng.poisson(lam).astype("int64")
        # outages: runs of 2-8 missing days, ≈ 1 % of days per counter
        missing = np.zeros(days, dtype=bool)
        for s in np.flatnonzero(rng.random(days) < 0.002):
            missing[s : s + int(rng.integers(2, 9))] = True
        columns[name] = pd.array(np.where(missing, 0, counts), dtype="Int64")
        columns[name][missing] = pd.NA
    frame = pd.DataFrame(columns, index=pd.DatetimeIndex(dates, name="Date"))
    if weather:
        frame["temp_c"] = temp
        frame["precip_mm"] = precip
    keep = rng.random(days) >= 0.005  # days lost altogether
    keep[0] = keep[-1] = True
    frame = frame[keep]
    if path is not None:
        text, encoding = bikes_csv_text(frame, style)
        write_text_atomically(path, text, encoding)
    return frame


def write_bikes(
    out: Any = None,
    *,
    seed: int = 0,
    formats: Any = ("csv",),
    style: str = "iso",
    overwrite: bool = False,
    progress: bool | None = None,
) -> Dataset:
    """Write ``out/csv/bikes.csv`` plus a ``bdp`` manifest (the ``python -m bdp data bikes`` entry)."""
    del progress  # instantaneous
    seed = check_seed(seed)
    fmts = check_formats(formats, allowed=("csv",))
    if style not in _STYLES:
        raise DatasetError(f"style must be one of {', '.join(_STYLES)}, got {style!r}")
    root = default_out("bikes") if out is None else check_out(out, overwrite)
    frame = make_bike_counts(seed=seed, weather=style == "iso")
    text, encoding = bikes_csv_text(frame, style)
    with atomic_dir(root, overwrite and out is not None) as tmp:
        write_text_atomically(tmp / "csv" / "bikes.csv", text, encoding)
        manifest = {
            "dataset": "bikes",
            "rows": len(frame),
            "seed": seed,
            "formats": list(fmts),
            "partitions": 1,
            "single_file": "bikes",
            "params": {"style": style, "start": str(frame.index[0].date()), "days": int((frame.index[-1] - frame.index[0]).days) + 1},
            "files": {"csv": ["csv/bikes.csv"]},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Dataset(
        name="bikes",
        root=root,
        rows=len(frame),
        seed=seed,
        formats=fmts,
        files={"csv": (root / "csv" / "bikes.csv",)},
        params=manifest["params"],
    )


def bikes_schema() -> Any:
    """The pandera schema of a :func:`make_bike_counts` frame (``weather=True``)."""
    import warnings

    # pandera imports PySpark's pandas API, which warns about pandas 3 (see bdp.datasets.schemas)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import pandera.pandas as pa

    counters = {name: pa.Column("Int64", pa.Check.ge(0), nullable=True) for name in BIKE_COUNTERS}
    return pa.DataFrameSchema(
        {
            **counters,
            "temp_c": pa.Column("float64", pa.Check.in_range(-45.0, 45.0)),
            "precip_mm": pa.Column("float64", pa.Check.in_range(0.0, 300.0)),
        },
        index=pa.Index("datetime64[ns]", name="Date", unique=True, coerce=True),
        checks=[pa.Check(lambda df: df.index.is_monotonic_increasing, element_wise=False, name="sorted_by_date")],
        strict=True,
        ordered=True,
        name="bikes",
    )
