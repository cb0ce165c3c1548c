"""NYC flights 1990–1999: an offline stand-in for the dask-tutorial ``nycflights`` CSV files.

:func:`make_flights` writes one CSV per year (``csv/1990.csv`` … ``csv/1999.csv``) with the 23
columns, in the order, of the real files (a 1990s extract of the US BTS on-time data for flights
leaving EWR, JFK and LGA)::

    column             CSV text              pandas dtype when read   meaning
    Year               int                   int64                    calendar year
    Month              int 1-12              int64
    DayofMonth         int 1-31              int64
    DayOfWeek          int 1-7 (1 = Monday)  int64
    DepTime            HHMM, empty if cancelled           float64     actual departure, local time
    CRSDepTime         HHMM                  int64                    scheduled departure
    ArrTime            HHMM, empty if cancelled/diverted  float64     actual arrival, local time
    CRSArrTime         HHMM                  int64                    scheduled arrival
    UniqueCarrier      2-letter code         str       AA CO DL EA HP NW PA PI TW UA US
    FlightNum          int                   int64
    TailNum            "N54711"-style        str (empty in the first year: float64!)
    ActualElapsedTime  minutes               float64   taxi-out + air time + taxi-in
    CRSElapsedTime     minutes               int64 in the first year, float64 later (a few empty)
    AirTime            minutes               float64   (empty in the first year)
    ArrDelay           minutes               float64   actual − scheduled arrival
    DepDelay           minutes               float64   actual − scheduled departure
    Origin             EWR | LGA | JFK       str       ≈ 45 % / 38 % / 17 %
    Dest               ~100 US airports      str       LGA keeps its 1,500-mile perimeter rule
    Distance           miles                 int64     great-circle distance Origin → Dest
    TaxiIn, TaxiOut    minutes               float64   (empty in the first year)
    Cancelled          0/1                   int64     ≈ 2.7 % (more in winter and on storm days)
    Diverted           0/1                   int64     ≈ 0.2 %

Times are local ``HHMM`` integers (``2400`` is midnight, as in the BTS files); arrival times include
the destination's time-zone offset. Delays are a mixture: most flights within ±10 minutes, a long
exponential tail, rare multi-hour delays (capped at 1,400 minutes); they grow through the day, in
winter and summer, and on "storm days". Each route (carrier, flight number, origin, destination,
scheduled time) flies on many days of the year, so group-bys behave like real schedules.

**The dtype trap** (``trap=True``, the default) reproduces what learners meet with the real files:
in the *first* year's file ``CRSElapsedTime`` is complete (integers) and ``TailNum``, ``AirTime``,
``TaxiIn`` and ``TaxiOut`` are entirely empty; later years have real tail numbers and a few missing
``CRSElapsedTime``. ``dask.dataframe.read_csv`` infers the dtypes from the start of the first file,
so a computation over all files fails with ``ValueError: Mismatched dtypes found in
pd.read_csv/pd.read_table`` naming ``CRSElapsedTime`` (float64 vs int64) and ``TailNum`` (a string
dtype vs float64) — until you pass ``dtype=FLIGHTS_DTYPE_FIX`` (or ``assume_missing=True`` plus a
``TailNum`` dtype). ``trap=False`` writes every year in the later style.

Sizes: ``rows_per_year`` defaults to ``pick(small=20_000, full=260_000)`` — the full size matches
the real 2.61 M rows (≈ 200 MB) over ten years.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from bdp.datasets._write import (
    MANIFEST,
    Dataset,
    DatasetError,
    _progress_enabled,
    atomic_dir,
    check_formats,
    check_out,
    check_progress,
    check_rows,
    check_seed,
    default_out,
)

__all__ = [
    "make_flights",
    "frame_flights",
    "FLIGHTS_COLUMNS",
    "FLIGHTS_DTYPE_FIX",
    "FLIGHTS_ROWS_PER_YEAR",
    "AIRPORTS",
]

FLIGHTS_COLUMNS: tuple[str, ...] = (
    "Year", "Month", "DayofMonth", "DayOfWeek", "DepTime", "CRSDepTime", "ArrTime", "CRSArrTime",
    "UniqueCarrier", "FlightNum", "TailNum", "ActualElapsedTime", "CRSElapsedTime", "AirTime",
    "ArrDelay", "DepDelay", "Origin", "Dest", "Distance", "TaxiIn", "TaxiOut", "Cancelled",
    "Diverted",
)  # fmt: skip

#: the ``dtype=`` that makes ``dask.dataframe.read_csv`` read every year consistently
FLIGHTS_DTYPE_FIX: dict[str, str] = {
    "CRSElapsedTime": "float64",
    "TailNum": "str",
    "AirTime": "float64",
    "TaxiIn": "float64",
    "TaxiOut": "float64",
}

#: default rows per year for each ``BDP_SCALE``
FLIGHTS_ROWS_PER_YEAR: dict[str, int] = {"small": 20_000, "full": 260_000}

_ORIGINS: dict[str, tuple[float, float, float]] = {  # code: (lat, lon, share)
    "EWR": (40.69, -74.17, 0.45),
    "LGA": (40.78, -73.87, 0.38),
    "JFK": (40.64, -73.78, 0.17),
}

# code: (lat, lon, hours relative to New York); ordered roughly by traffic from NYC
AIRPORTS: dict[str, tuple[float, float, int]] = {
    "ORD": (41.98, -87.90, -1), "ATL": (33.64, -84.43, 0), "BOS": (42.36, -71.01, 0),
    "LAX": (33.94, -118.41, -3), "MIA": (25.79, -80.29, 0), "DCA": (38.85, -77.04, 0),
    "SFO": (37.62, -122.38, -3), "FLL": (26.07, -80.15, 0), "MCO": (28.43, -81.31, 0),
    "DFW": (32.90, -97.04, -1), "DTW": (42.21, -83.35, 0), "PIT": (40.49, -80.23, 0),
    "CLT": (35.21, -80.94, 0), "TPA": (27.98, -82.53, 0), "PBI": (26.68, -80.10, 0),
    "IAD": (38.95, -77.46, 0), "BWI": (39.18, -76.67, 0), "CLE": (41.41, -81.85, 0),
    "MSP": (44.88, -93.22, -1), "DEN": (39.86, -104.67, -2), "IAH": (29.98, -95.34, -1),
    "STL": (38.75, -90.37, -1), "RDU": (35.88, -78.79, 0), "BUF": (42.94, -78.73, 0),
    "ROC": (43.12, -77.67, 0), "SYR": (43.11, -76.11, 0), "CVG": (39.05, -84.66, 0),
    "MSY": (29.99, -90.26, -1), "PHL": (39.87, -75.24, 0), "SEA": (47.45, -122.31, -3),
    "LAS": (36.08, -115.15, -3), "PHX": (33.43, -112.01, -2), "SJU": (18.44, -66.00, 1),
    "MEM": (35.04, -89.98, -1), "BNA": (36.12, -86.68, -1), "IND": (39.72, -86.29, -1),
    "CMH": (40.00, -82.89, 0), "MKE": (42.95, -87.90, -1), "MDW": (41.79, -87.75, -1),
    "SAN": (32.73, -117.19, -3), "RSW": (26.54, -81.76, 0), "JAX": (30.49, -81.69, 0),
    "RIC": (37.51, -77.32, 0), "ORF": (36.89, -76.20, 0), "ALB": (42.75, -73.80, 0),
    "BTV": (44.47, -73.15, 0), "PWM": (43.65, -70.31, 0), "BDL": (41.94, -72.68, 0),
    "PVD": (41.72, -71.43, 0), "MHT": (42.93, -71.44, 0), "HOU": (29.65, -95.28, -1),
    "MCI": (39.30, -94.71, -1), "SLC": (40.79, -111.98, -2), "SDF": (38.17, -85.74, 0),
    "DAY": (39.90, -84.22, 0), "GSO": (36.10, -79.94, 0), "CHS": (32.90, -80.04, 0),
    "SAV": (32.13, -81.20, 0), "PDX": (45.59, -122.60, -3), "SJC": (37.36, -121.93, -3),
    "OAK": (37.72, -122.22, -3), "SAT": (29.53, -98.47, -1), "AUS": (30.19, -97.67, -1),
    "OMA": (41.30, -95.89, -1), "STT": (18.34, -64.97, 1), "STX": (17.70, -64.80, 1),
    "SRQ": (27.40, -82.55, 0), "MLB": (28.10, -80.65, 0), "DAB": (29.18, -81.06, 0),
    "MYR": (33.68, -78.93, 0), "GSP": (34.90, -82.22, 0), "CAE": (33.94, -81.12, 0),
    "TYS": (35.81, -83.99, 0), "CRW": (38.37, -81.59, 0), "ROA": (37.33, -79.98, 0),
    "GRR": (42.88, -85.52, 0), "FNT": (42.97, -83.74, 0), "LAN": (42.78, -84.59, 0),
    "TOL": (41.59, -83.81, 0), "CAK": (40.92, -81.44, 0), "AVP": (41.34, -75.72, 0),
    "ABE": (40.65, -75.44, 0), "MDT": (40.19, -76.76, 0), "ITH": (42.49, -76.46, 0),
    "ELM": (42.16, -76.89, 0), "BGM": (42.21, -75.98, 0), "ACK": (41.25, -70.06, 0),
    "MVY": (41.39, -70.61, 0), "HYA": (41.67, -70.28, 0), "BGR": (44.81, -68.83, 0),
    "BHM": (33.56, -86.75, -1), "CHA": (35.04, -85.20, 0), "LIT": (34.73, -92.22, -1),
    "OKC": (35.39, -97.60, -1), "TUL": (36.20, -95.89, -1), "DSM": (41.53, -93.66, -1),
    "MSN": (43.14, -89.34, -1), "ABQ": (35.04, -106.61, -2), "TUS": (32.12, -110.94, -2),
    "SMF": (38.70, -121.59, -3), "ONT": (34.06, -117.60, -3), "SNA": (33.68, -117.87, -3),
    "HNL": (21.32, -157.92, -5), "ANC": (61.17, -149.99, -4), "EYW": (24.56, -81.76, 0),
    "PNS": (30.47, -87.19, -1),
}  # fmt: skip

# carrier: (share, first year, last year, tail-number style)
_CARRIERS: dict[str, tuple[float, int, int, str]] = {
    "AA": (0.14, 0, 9999, "3AA"), "CO": (0.20, 0, 9999, "5"), "DL": (0.13, 0, 9999, "3DL"),
    "EA": (0.06, 0, 1990, "3EA"), "HP": (0.02, 0, 9999, "3AW"), "NW": (0.06, 0, 9999, "3US"),
    "PA": (0.05, 0, 1991, "3PA"), "PI": (0.01, 0, 1990, "3P"), "TW": (0.08, 0, 9999, "5"),
    "UA": (0.09, 0, 9999, "4U"), "US": (0.13, 0, 9999, "3US"),
}  # fmt: skip

_LGA_PERIMETER_MILES = 1500
_MONTH_CANCEL = np.array([1.8, 1.6, 1.2, 0.8, 0.8, 0.9, 1.0, 0.9, 0.7, 0.7, 0.8, 1.5])
_MONTH_DELAY = np.array([1.2, 1.1, 1.0, 0.9, 0.9, 1.15, 1.25, 1.15, 0.8, 0.85, 0.9, 1.3])


def _great_circle_miles(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dphi = p2 - p1
    dlmb = np.deg2rad(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 3958.8 * np.arcsin(np.sqrt(a))


def _hhmm(minutes: np.ndarray) -> np.ndarray:
    """Minutes since local midnight (any integer) → HHMM in 1..2400 (2400 = midnight)."""
    m = (np.asarray(minutes, dtype="int64") - 1) % 1440 + 1
    return (m // 60) * 100 + m % 60


def _tail_pool(carrier: str, style: str, seed: int) -> np.ndarray:
    """The aircraft of a carrier: the same tail numbers every year (seeded by carrier, not year)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, sum(map(ord, carrier)))))
    digits = int(style[0])
    suffix = style[1:]
    low, high = 10 ** (digits - 1), 10**digits
    numbers = rng.choice(np.arange(low, high), size=min(260, high - low), replace=False)
    return np.array([f"N{n}{suffix}" for n in numbers], dtype=object)


def frame_flights(year: int, rows: int, seed: int = 0, *, legacy: bool = False) -> Any:
    """One year of flights as a :class:`pyarrow.Table` (the content of ``csv/<year>.csv``).

    ``legacy=True`` gives the first-year style of the dtype trap (complete integer
    ``CRSElapsedTime``; empty ``TailNum``, ``AirTime``, ``TaxiIn``, ``TaxiOut``). The random
    stream depends on ``(seed, year)`` only, so a year's file does not depend on the other years.
    """
    import pyarrow as pa

    rows = check_rows(rows)
    seed = check_seed(seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, int(year))))

    # --- the year's timetable: routes flown on many days
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    n_days = days.size
    n_routes = max(8, math.ceil(rows * 1.4 / n_days))
    carriers = [c for c, (_, lo, hi, _) in _CARRIERS.items() if lo <= year <= hi]
    c_share = np.array([_CARRIERS[c][0] for c in carriers])
    route_carrier = rng.choice(len(carriers), n_routes, p=c_share / c_share.sum())
    origins = list(_ORIGINS)
    o_share = np.array([_ORIGINS[o][2] for o in origins])
    route_origin = rng.choice(len(origins), n_routes, p=o_share / o_share.sum())
    dests = list(AIRPORTS)
    d_lat = np.array([AIRPORTS[d][0] for d in dests])
    d_lon = np.array([AIRPORTS[d][1] for d in dests])
    d_tz = np.array([AIRPORTS[d][2] for d in dests])
    d_weight = 1.0 / np.arange(1, len(dests) + 1) ** 0.9
    dist = np.stack([_great_circle_miles(_ORIGINS[o][0], _ORIGINS[o][1], d_lat, d_lon) for o in origins])
    dist = np.rint(dist).astype("int64")  # (origin, dest)
    route_dest = np.empty(n_routes, dtype="int64")
    for oi, o in enumerate(origins):
        w = d_weight.copy()
        if o == "LGA":  # the perimeter rule (Denver excepted)
            w[(dist[oi] > _LGA_PERIMETER_MILES) & (np.array(dests) != "DEN")] = 0.0
        if o == "JFK":  # JFK's domestic flights lean long-haul
            w = w * np.where(dist[oi] > 1500, 4.0, 1.0)
        sel = route_origin == oi
        route_dest[sel] = rng.choice(len(dests), int(sel.sum()), p=w / w.sum())
    route_flightnum = rng.choice(np.arange(1, 3000), n_routes, replace=n_routes >= 2999)
    # scheduled departure: morning, midday and evening banks, 06:00-22:55 in 5-minute steps
    bank = rng.choice(3, n_routes, p=[0.4, 0.25, 0.35])
    centre = np.array([8.0, 13.0, 18.0])[bank] * 60
    dep_min = np.clip(np.rint((centre + rng.normal(0, 75, n_routes)) / 5) * 5, 360, 1375).astype("int64")
    route_dist = dist[route_origin, route_dest]
    sched_air = 18.0 + route_dist / 7.7
    route_crs_elapsed = np.rint(sched_air + 26 + rng.integers(-4, 12, n_routes)).astype("int64")
    route_arr_min = dep_min + route_crs_elapsed + 60 * d_tz[route_dest]

    # --- the rows: distinct (route, day) pairs, in timetable order
    cells = np.sort(rng.choice(n_routes * n_days, rows, replace=False))
    r = cells // n_days
    day_idx = cells % n_days
    order = np.lexsort((r, dep_min[r], day_idx))
    r, day_idx = r[order], day_idx[order]
    date = days[day_idx]
    month0 = date.astype("datetime64[M]").astype("int64") % 12
    dom = (date - date.astype("datetime64[M]").astype("datetime64[D]")).astype("int64") + 1
    dow = (date.astype("int64") + 3) % 7 + 1  # 1970-01-01 was a Thursday (4)
    storm_day = rng.random(n_days) < 0.03
    storm = storm_day[day_idx]

    p_cancel = np.where(storm, 0.22, 0.021 * _MONTH_CANCEL[month0])
    cancelled = rng.random(rows) < p_cancel
    # a cancellation among the first 10 rows (what dask samples for its dtypes), as in the real
    # files: the columns that cancellations leave empty are then inferred as float64 everywhere
    cancelled[rng.integers(0, min(rows, 10))] = True
    diverted = ~cancelled & (rng.random(rows) < 0.002)

    hour = dep_min[r] / 60.0
    p_late = np.clip((0.12 + 0.012 * (hour - 6)) * _MONTH_DELAY[month0] + 0.35 * storm, 0, 0.95)
    late = rng.random(rows) < p_late
    very_late = late & (rng.random(rows) < 0.04)
    dep_delay = np.rint(rng.normal(-2.0, 4.0, rows)).clip(-25, None)
    dep_delay = np.where(late, 1 + np.rint(rng.exponential(32.0, rows)), dep_delay)
    dep_delay = np.where(very_late, 60 + np.rint(rng.exponential(170.0, rows)), dep_delay)
    dep_delay = np.minimum(dep_delay, 1400).astype("int64")
    taxi_out = np.rint(9 + rng.gamma(2.0, 5.5, rows) + 8 * storm).astype("int64")
    taxi_in = np.rint(2 + rng.gamma(2.0, 2.2, rows)).astype("int64")
    air = sched_air[r] * (1 + rng.normal(0, 0.04, rows)) + rng.normal(0, 3, rows)
    air_time = np.maximum(np.rint(air), np.rint(0.6 * sched_air[r])).astype("int64")
    actual_elapsed = taxi_out + air_time + taxi_in
    crs_elapsed = route_crs_elapsed[r]
    arr_delay = dep_delay + actual_elapsed - crs_elapsed
    crs_dep = _hhmm(dep_min[r])
    crs_arr = _hhmm(route_arr_min[r])
    dep_time = _hhmm(dep_min[r] + dep_delay)
    arr_time = _hhmm(route_arr_min[r] + arr_delay)

    tails = {c: _tail_pool(c, _CARRIERS[c][3], seed) for c in carriers}
    tail = np.empty(rows, dtype=object)
    rc = route_carrier[r]
    for ci, c in enumerate(carriers):
        sel = rc == ci
        tail[sel] = tails[c][rng.integers(0, tails[c].size, int(sel.sum()))]

    no_dep = cancelled
    no_arr = cancelled | diverted
    if legacy:
        crs_missing = np.zeros(rows, dtype=bool)
        tail_missing = np.ones(rows, dtype=bool)
        detail_missing = np.ones(rows, dtype=bool)
    else:
        crs_missing = rng.random(rows) < 0.001
        # at least one, among the first 10 rows (what dask samples): this file reads as float
        crs_missing[rng.integers(0, min(rows, 10))] = True
        tail_missing = rng.random(rows) < 0.002
        detail_missing = np.zeros(rows, dtype=bool)

    def col(values: np.ndarray, mask: np.ndarray | None = None) -> Any:
        return pa.array(values, type=pa.int64(), mask=mask)

    carrier_codes = np.array(carriers, dtype=object)[rc]
    columns = {
        "Year": col(np.full(rows, year)),
        "Month": col(month0 + 1),
        "DayofMonth": col(dom),
        "DayOfWeek": col(dow),
        "DepTime": col(dep_time, no_dep),
        "CRSDepTime": col(crs_dep),
        "ArrTime": col(arr_time, no_arr),
        "CRSArrTime": col(crs_arr),
        "UniqueCarrier": pa.array(carrier_codes, type=pa.string()),
        "FlightNum": col(route_flightnum[r]),
        "TailNum": pa.array(tail, type=pa.string(), mask=tail_missing),
        "ActualElapsedTime": col(actual_elapsed, no_arr),
        "CRSElapsedTime": col(crs_elapsed, crs_missing),
        "AirTime": col(air_time, no_arr | detail_missing),
        "ArrDelay": col(arr_delay, no_arr),
        "DepDelay": col(dep_delay, no_dep),
        "Origin": pa.array(np.array(origins, dtype=object)[route_origin[r]], type=pa.string()),
        "Dest": pa.array(np.array(dests, dtype=object)[route_dest[r]], type=pa.string()),
        "Distance": col(route_dist[r]),
        "TaxiIn": col(taxi_in, no_arr | detail_missing),
        "TaxiOut": col(taxi_out, no_dep | detail_missing),
        "Cancelled": col(cancelled.astype("int64")),
        "Diverted": col(diverted.astype("int64")),
    }
    return pa.table(columns)


def _check_years(years: Any) -> list[int]:
    if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
        raise DatasetError(f"years must be a sequence of integers such as range(1990, 2000), got {years!r}")
    out: list[int] = []
    for y in years:
        if isinstance(y, bool) or not isinstance(y, (int, np.integer)) or not 1900 <= y <= 2100:
            raise DatasetError(f"years must hold integers between 1900 and 2100, got {y!r}")
        if int(y) in out:
            raise DatasetError(f"years lists {int(y)} twice")
        out.append(int(y))
    if not out:
        raise DatasetError("years is empty; give at least one year, e.g. range(1990, 2000)")
    return sorted(out)


def make_flights(
    out: Any = None,
    years: Iterable[int] = range(1990, 2000),
    rows_per_year: int | None = None,
    seed: int = 0,
    *,
    rows: int | None = None,
    trap: bool = True,
    formats: Any = ("csv",),
    overwrite: bool = False,
    progress: bool | None = None,
) -> Dataset:
    """Write the NYC-flights stand-in: ``out/csv/<year>.csv`` for each year (see module docstring).

    Parameters
    ----------
    out : directory, optional
        Must not exist or be empty (or be an earlier ``bdp`` dataset with ``overwrite=True``).
        ``None`` writes to a fresh temporary directory.
    years : iterable of int
        One file per year, default 1990–1999.
    rows_per_year : int, optional
        Default ``pick(small=20_000, full=260_000)``.
    rows : int, optional
        Total rows instead of ``rows_per_year`` (spread evenly; used by the CLI's ``--rows``).
    seed : int ≥ 0
    trap : bool
        Reproduce the dtype trap of the real files (first year in the old style). Default True.
    formats : "csv"
        CSV only (the trap is a CSV-inference story).

    Returns
    -------
    Dataset
        ``ds.glob("csv")`` is the pattern for ``dask.dataframe.read_csv``.

    Examples
    --------
    >>> ds = make_flights("nycflights")                               # doctest: +SKIP
    >>> df = dd.read_csv(ds.glob("csv"), dtype=FLIGHTS_DTYPE_FIX)      # doctest: +SKIP
    """
    from bdp.config import pick

    seed = check_seed(seed)
    year_list = _check_years(years)
    if rows is not None and rows_per_year is not None:
        raise DatasetError("give rows (total) or rows_per_year, not both")
    if rows is not None:
        total = check_rows(rows)
        if total < len(year_list):
            raise DatasetError(f"rows={total} is fewer than one row per year ({len(year_list)} years)")
        base, extra = divmod(total, len(year_list))
        per_year = [base + (1 if i < extra else 0) for i in range(len(year_list))]
    else:
        n = pick(**FLIGHTS_ROWS_PER_YEAR) if rows_per_year is None else check_rows(rows_per_year, "rows_per_year")
        per_year = [n] * len(year_list)
    if not isinstance(trap, bool):
        raise DatasetError(f"trap must be True or False, got {trap!r}")
    fmts = check_formats(formats, allowed=("csv",))
    progress = check_progress(progress)
    for n in per_year:
        if n > 365 * 3000:
            raise DatasetError(f"at most {365 * 3000:,} rows per year (one flight per route and day)")
    if out is None:
        path = default_out("flights")
        overwrite = False
    else:
        path = check_out(out, overwrite)

    import pyarrow.csv as pacsv

    files: list[Path] = []
    try:
        with atomic_dir(path, overwrite) as tmp:
            (tmp / "csv").mkdir()
            bar = None
            if _progress_enabled(progress):
                from tqdm.auto import tqdm

                bar = tqdm(total=sum(per_year), desc=f"flights → {path.name}", unit="row", unit_scale=True)
            try:
                for i, (year, n) in enumerate(zip(year_list, per_year)):
                    table = frame_flights(year, n, seed, legacy=trap and i == 0)
                    pacsv.write_csv(
                        table,
                        str(tmp / "csv" / f"{year}.csv"),
                        write_options=pacsv.WriteOptions(quoting_style="none", quoting_header="none"),
                    )
                    files.append(path / "csv" / f"{year}.csv")
                    if bar is not None:
                        bar.update(n)
            finally:
                if bar is not None:
                    bar.close()
            params = {"years": year_list, "rows_per_year": per_year, "trap": trap}
            manifest = {
                "dataset": "flights",
                "rows": sum(per_year),
                "seed": seed,
                "formats": list(fmts),
                "partitions": len(year_list),
                "single_file": None,
                "params": params,
                "files": {"csv": [str(p.relative_to(path)) for p in files]},
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except BaseException:
        if out is None:
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        raise
    return Dataset(
        name="flights",
        root=path,
        rows=sum(per_year),
        seed=seed,
        formats=fmts,
        files={"csv": tuple(files)},
        params=params,
    )


def flights_schema() -> Any:
    """The pandera schema of a frame read with ``read_csv(..., dtype=FLIGHTS_DTYPE_FIX)``.

    (pandas or Dask; every year, legacy or not.) Checks dtypes, value ranges, codes, and that the
    columns come in the documented order.
    """
    import warnings

    # pandera imports PySpark's pandas API, which warns about pandas 3 (see bdp.datasets.schemas)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import pandera.pandas as pa

    def hhmm(nullable: bool, dtype: str) -> Any:
        return pa.Column(dtype, [pa.Check.in_range(1, 2400), pa.Check(lambda s: s % 100 < 60)], nullable=nullable)

    minutes = [pa.Check.ge(0)]
    return pa.DataFrameSchema(
        {
            "Year": pa.Column("int64", pa.Check.in_range(1900, 2100)),
            "Month": pa.Column("int64", pa.Check.in_range(1, 12)),
            "DayofMonth": pa.Column("int64", pa.Check.in_range(1, 31)),
            "DayOfWeek": pa.Column("int64", pa.Check.in_range(1, 7)),
            "DepTime": hhmm(True, "float64"),
            "CRSDepTime": hhmm(False, "int64"),
            "ArrTime": hhmm(True, "float64"),
            "CRSArrTime": hhmm(False, "int64"),
            "UniqueCarrier": pa.Column("str", pa.Check.isin(list(_CARRIERS))),
            "FlightNum": pa.Column("int64", pa.Check.in_range(1, 9999)),
            "TailNum": pa.Column("str", pa.Check.str_matches(r"^N\d{3,5}[A-Z]{0,2}$"), nullable=True),
            "ActualElapsedTime": pa.Column("float64", minutes, nullable=True),
            "CRSElapsedTime": pa.Column("float64", minutes, nullable=True),
            "AirTime": pa.Column("float64", minutes, nullable=True),
            "ArrDelay": pa.Column("float64", pa.Check.in_range(-180, 1500), nullable=True),
            "DepDelay": pa.Column("float64", pa.Check.in_range(-60, 1400), nullable=True),
            "Origin": pa.Column("str", pa.Check.isin(list(_ORIGINS))),
            "Dest": pa.Column("str", pa.Check.isin(list(AIRPORTS))),
            "Distance": pa.Column("int64", pa.Check.gt(0)),
            "TaxiIn": pa.Column("float64", minutes, nullable=True),
            "TaxiOut": pa.Column("float64", minutes, nullable=True),
            "Cancelled": pa.Column("int64", pa.Check.isin([0, 1])),
            "Diverted": pa.Column("int64", pa.Check.isin([0, 1])),
        },
        checks=[
            # a cancelled flight has no departure time; a diverted one no arrival time
            pa.Check(lambda df: ~((df.Cancelled == 1) & df.DepTime.notna()), name="cancelled_has_no_DepTime"),
            pa.Check(lambda df: ~((df.Diverted == 1) & df.ArrTime.notna()), name="diverted_has_no_ArrTime"),
        ],
        strict=True,
        ordered=True,
        name="flights",
    )
