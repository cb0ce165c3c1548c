"""NYC TLC yellow-taxi trips, 2015 style — the stand-in for the dask-tutorial's ``nyc-2015.parquet``.

Syllabus §5.2(d): the 19 columns of the 2015 TLC trip records (coordinates, not zone ids — the
zone ids only appeared in mid-2016), realistic dtypes, written as many Parquet parts. Each part
covers a consecutive slice of 2015 and is sorted by pickup time, so the row-group statistics
let a reader skip files on a time filter (predicate pushdown) as well as columns (projection).

The trips reuse the geography and the fare model of :mod:`bdp.datasets.taxi`; on top of that:
``payment_type`` (1 card ≈ 60 %, 2 cash ≈ 39 %, 3 no charge, 4 dispute), tips ≈ 18 % of the
fare for card payments and 0 for cash (the classic "mean tip by passenger count / payment type"
exercise), ``RatecodeID`` 2 for the JFK flat rate, tolls, the 0.50 $ MTA tax, the 0.30 $
improvement surcharge and a ``total_amount`` that adds up. Dirt is light: ~1.5 % (0, 0)
coordinates, like the real 2015 files.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bdp.datasets import taxi as _taxi
from bdp.datasets._write import Dataset, check_rate, fixed_width_strings, resolve_rows, write_dataset

__all__ = ["YELLOW_COLUMNS", "make_yellow", "yellow_frame"]

YELLOW_COLUMNS: tuple[str, ...] = (
    "VendorID",
    "tpep_pickup_datetime",
    "tpep_dropoff_datetime",
    "passenger_count",
    "trip_distance",
    "pickup_longitude",
    "pickup_latitude",
    "RatecodeID",
    "store_and_fwd_flag",
    "dropoff_longitude",
    "dropoff_latitude",
    "payment_type",
    "fare_amount",
    "extra",
    "mta_tax",
    "tip_amount",
    "tolls_amount",
    "improvement_surcharge",
    "total_amount",
)
SMALL_ROWS = 500_000  # ~25 MB of Parquet
FULL_ROWS = 20_000_000  # ~1 GB of Parquet (the real 2015 files hold ~146 M trips)
YEAR_START = np.datetime64("2015-01-01", "s").astype("int64")
YEAR_END = np.datetime64("2016-01-01", "s").astype("int64")
PAYMENT_TYPES = {1: "credit card", 2: "cash", 3: "no charge", 4: "dispute"}
_PAY = np.array([1, 2, 3, 4])
_PAY_CDF = np.cumsum([0.60, 0.39, 0.007, 0.003])
_PAY_CDF /= _PAY_CDF[-1]


def _times(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """``n`` sorted pickup seconds in ``[lo, hi)`` following the hour-of-week demand profile."""
    peak = _taxi.HOURLY.max()
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        t = rng.integers(lo, hi, int((n - have) * 2.2) + 16)
        day = t // 86_400
        hour = (t - day * 86_400) // 3600
        keep = rng.random(t.shape[0]) * peak < _taxi.HOURLY[(day + 3) % 7, hour]
        out.append(t[keep])
        have += int(keep.sum())
    return np.sort(np.concatenate(out)[:n])


def _partition(rows: int, zero_coords: float):
    span = YEAR_END - YEAR_START

    def make_partition(index: int, start: int, n: int, rng: np.random.Generator) -> Any:
        import pyarrow as pa

        lo = YEAR_START + (span * start) // rows
        hi = YEAR_START + (span * (start + n)) // rows
        t = _times(rng, n, int(lo), int(max(hi, lo + 1)))
        c = _taxi._trips(rng, n, t=t)
        fare = c["fare_amount"]
        hour = (t % 86_400) // 3600
        weekday = (t // 86_400 + 3) % 7
        extra = np.where((hour >= 20) | (hour < 6), 0.5, 0.0) + np.where(
            (weekday < 5) & (hour >= 16) & (hour < 20), 1.0, 0.0
        )
        extra = np.where(c["jfk_flat"], 0.0, extra)
        pay = _PAY[np.searchsorted(_PAY_CDF, rng.random(n), side="right")]
        tip_share = np.clip(rng.normal(0.18, 0.05, n), 0.0, 0.5)
        tip = np.where(pay == 1, np.round(fare * tip_share, 2), 0.0)
        far = c["road_miles"] > 8
        tolls = np.where(far & (rng.random(n) < 0.5), 5.54, 0.0)
        mta, surcharge = np.full(n, 0.5), np.full(n, 0.3)
        total = np.round(fare + extra + mta + tip + tolls + surcharge, 2)
        ratecode = np.where(c["jfk_flat"], 2, np.where(rng.random(n) < 0.003, 5, 1))
        p_lon, p_lat = c["pickup_longitude"], c["pickup_latitude"]
        d_lon, d_lat = c["dropoff_longitude"], c["dropoff_latitude"]
        k = int(rng.binomial(n, zero_coords)) if zero_coords > 0 else 0
        bad = rng.integers(0, n, k)
        p_lon[bad] = p_lat[bad] = d_lon[bad] = d_lat[bad] = 0.0
        dropoff = t + np.maximum(np.round(c["minutes"] * 60.0).astype(np.int64), 30)
        flag = np.where(rng.random(n) < 0.01, ord("Y"), ord("N")).astype(np.uint8)[:, None]
        ts = pa.timestamp("us")
        return pa.table(
            {
                "VendorID": pa.array(np.where(rng.random(n) < 0.47, 1, 2), pa.int64()),
                "tpep_pickup_datetime": pa.array(t * 1_000_000, pa.int64()).cast(ts),
                "tpep_dropoff_datetime": pa.array(dropoff * 1_000_000, pa.int64()).cast(ts),
                "passenger_count": pa.array(c["passenger_count"], pa.int64()),
                "trip_distance": pa.array(np.round(c["road_miles"], 2)),
                "pickup_longitude": pa.array(p_lon),
                "pickup_latitude": pa.array(p_lat),
                "RatecodeID": pa.array(ratecode, pa.int64()),
                "store_and_fwd_flag": fixed_width_strings(flag),
                "dropoff_longitude": pa.array(d_lon),
                "dropoff_latitude": pa.array(d_lat),
                "payment_type": pa.array(pay, pa.int64()),
                "fare_amount": pa.array(fare),
                "extra": pa.array(extra),
                "mta_tax": pa.array(mta),
                "tip_amount": pa.array(tip),
                "tolls_amount": pa.array(tolls),
                "improvement_surcharge": pa.array(surcharge),
                "total_amount": pa.array(total),
            }
        )

    return make_partition


def _csv_view(table: Any) -> Any:
    """CSV keeps the TLC text style for timestamps (``2015-01-15 19:05:39``)."""
    from bdp.datasets._write import format_datetimes

    for name in ("tpep_pickup_datetime", "tpep_dropoff_datetime"):
        i = table.schema.get_field_index(name)
        secs = table.column(name).cast("int64").to_numpy() // 1_000_000
        table = table.set_column(i, name, format_datetimes(secs, "%Y-%m-%d %H:%M:%S"))
    return table


def make_yellow(
    out: Any = None,
    rows: int | None = None,
    seed: int = 0,
    formats: Any = ("parquet",),
    overwrite: bool = False,
    progress: bool | None = None,
    *,
    partition_rows: int | None = None,
    zero_coords: float = 0.015,
) -> Dataset:
    """Write 2015-style yellow-taxi trips (Parquet parts by default); return a ``Dataset``.

    Rows default to ``pick(small=500_000, full=20_000_000)``; ``partition_rows`` defaults to
    ≤ 1 M rows per part (so 20 parts at full size). Part ``i`` holds the ``i``-th slice of 2015,
    sorted by ``tpep_pickup_datetime``. Timestamps are ``timestamp[us]`` (local time, no zone, as
    in the TLC files); in CSV they are ``YYYY-MM-DD HH:MM:SS`` text. ``zero_coords`` is the share
    of trips with (0, 0) coordinates.
    """
    rows = resolve_rows(rows, SMALL_ROWS, FULL_ROWS)
    zero_coords = check_rate("zero_coords", zero_coords)
    return write_dataset(
        name="yellow",
        out=out,
        rows=rows,
        seed=seed,
        formats=formats,
        make_partition=_partition(rows, zero_coords),
        overwrite=overwrite,
        progress=progress,
        partition_rows=partition_rows,
        adapt={"csv": _csv_view},
        stream=2,
        params={"zero_coords": zero_coords},
        csv_quoting="none",
    )


def yellow_frame(rows: int, seed: int = 0, *, zero_coords: float = 0.015) -> Any:
    """The rows :func:`make_yellow` would write, as a pandas DataFrame (no files)."""
    from bdp.datasets._write import check_rows, check_seed, concat_partitions

    rows, seed = check_rows(rows), check_seed(seed)
    make = _partition(rows, check_rate("zero_coords", zero_coords))
    return concat_partitions(rows, seed, make, stream=2).to_pandas()
