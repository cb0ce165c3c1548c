"""pandera schemas of the generated datasets (as pandas reads them back).

For *dirty* data a schema checks the structure — columns, order, dtypes, nullability, text
formats — not cleanliness: ``TAXI`` accepts a 208-passenger row, because the real file has one.
``TAXI_CLEAN`` describes the rows that survive :func:`bdp.datasets.taxi.clean_taxi` (and every
row of the hold-out ``TAXI_TEST``). Use ``SCHEMA.validate(df, lazy=True)`` to see every problem
at once.

pandera tries to import PySpark's pandas API when PySpark is installed (on import and on the
first ``validate``); with pandas 3 that import warns that pandas 3 is "not yet fully supported"
and then fails, which pandera tolerates. This module filters exactly that one warning (as
:mod:`bdp.clusters` does) so it does not land in the chapters.
"""

from __future__ import annotations

import copy
import warnings

warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)

import pandera.pandas as pa  # noqa: E402

import pandas as pd  # noqa: E402

from bdp.datasets import taxi as _taxi  # noqa: E402

__all__ = [
    "TAXI",
    "TAXI_CLEAN",
    "TAXI_PARQUET",
    "TAXI_TEST",
    "YELLOW",
    "YELLOW_CSV",
]

_STAMP_UTC = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$"
_KEY = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{8,}$"
_STAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


def _coord(nullable: bool = False, checks: list | None = None) -> pa.Column:
    return pa.Column("float64", nullable=nullable, checks=checks or [])


#: Kaggle ``train.csv`` as ``pandas.read_csv`` gives it: text key and timestamp, dirt allowed
TAXI = pa.DataFrameSchema(
    {
        "key": pa.Column(str, checks=pa.Check.str_matches(_KEY)),
        "fare_amount": pa.Column("float64"),
        "pickup_datetime": pa.Column(str, checks=pa.Check.str_matches(_STAMP_UTC)),
        "pickup_longitude": _coord(),
        "pickup_latitude": _coord(),
        "dropoff_longitude": _coord(nullable=True),
        "dropoff_latitude": _coord(nullable=True),
        "passenger_count": pa.Column("int64", checks=pa.Check.ge(0)),
    },
    name="taxi",
    strict=True,
    ordered=True,
)

#: the Parquet files of ``make_taxi(formats="parquet")``: a typed UTC timestamp
TAXI_PARQUET = TAXI.update_column(
    "pickup_datetime", dtype=pd.DatetimeTZDtype("ms", "UTC"), checks=None
).set_name("taxi (parquet)")

#: the rows that survive the capstone's cleaning rules (``clean_taxi``)
TAXI_CLEAN = pa.DataFrameSchema(
    {
        "key": pa.Column(str, checks=pa.Check.str_matches(_KEY), unique=True),
        "fare_amount": pa.Column(
            "float64",
            checks=[pa.Check.gt(_taxi.CLEAN_FARE[0]), pa.Check.le(_taxi.CLEAN_FARE[1])],
        ),
        "pickup_datetime": pa.Column(str, checks=pa.Check.str_matches(_STAMP_UTC)),
        "pickup_longitude": _coord(checks=[pa.Check.in_range(*_taxi.CLEAN_LON)]),
        "pickup_latitude": _coord(checks=[pa.Check.in_range(*_taxi.CLEAN_LAT)]),
        "dropoff_longitude": _coord(checks=[pa.Check.in_range(*_taxi.CLEAN_LON)]),
        "dropoff_latitude": _coord(checks=[pa.Check.in_range(*_taxi.CLEAN_LAT)]),
        "passenger_count": pa.Column("int64", checks=pa.Check.in_range(*_taxi.CLEAN_PASSENGERS)),
    },
    name="taxi (clean)",
    strict=True,
    ordered=True,
)

#: the labelled hold-out (``make_taxi_test``): every row already satisfies the cleaning rules
TAXI_TEST = copy.deepcopy(TAXI_CLEAN).set_name("taxi-test")

_YELLOW_COLUMNS = {
    "VendorID": pa.Column("int64", checks=pa.Check.isin([1, 2])),
    "tpep_pickup_datetime": pa.Column("datetime64[us]"),
    "tpep_dropoff_datetime": pa.Column("datetime64[us]"),
    "passenger_count": pa.Column("int64", checks=pa.Check.in_range(0, 9)),
    "trip_distance": pa.Column("float64", checks=pa.Check.ge(0)),
    "pickup_longitude": _coord(),
    "pickup_latitude": _coord(),
    "RatecodeID": pa.Column("int64", checks=pa.Check.isin([1, 2, 3, 4, 5, 6])),
    "store_and_fwd_flag": pa.Column(str, checks=pa.Check.isin(["Y", "N"])),
    "dropoff_longitude": _coord(),
    "dropoff_latitude": _coord(),
    "payment_type": pa.Column("int64", checks=pa.Check.isin([1, 2, 3, 4, 5, 6])),
    "fare_amount": pa.Column("float64"),
    "extra": pa.Column("float64"),
    "mta_tax": pa.Column("float64"),
    "tip_amount": pa.Column("float64", checks=pa.Check.ge(0)),
    "tolls_amount": pa.Column("float64", checks=pa.Check.ge(0)),
    "improvement_surcharge": pa.Column("float64"),
    "total_amount": pa.Column("float64"),
}


def _total_adds_up(df: pd.DataFrame) -> pd.Series:
    parts = df[["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge"]]
    return (parts.sum(axis=1) - df["total_amount"]).abs() < 0.011


#: ``make_yellow`` Parquet parts read with pandas (TLC 2015 dtypes)
YELLOW = pa.DataFrameSchema(
    _YELLOW_COLUMNS,
    checks=[
        pa.Check(_total_adds_up, name="total_amount adds up"),
        pa.Check(
            lambda df: df.tpep_dropoff_datetime >= df.tpep_pickup_datetime,
            name="dropoff after pickup",
        ),
    ],
    name="yellow",
    strict=True,
    ordered=True,
)

#: ``make_yellow(formats="csv")`` read with ``pandas.read_csv`` (timestamps stay text)
YELLOW_CSV = pa.DataFrameSchema(
    {
        **_YELLOW_COLUMNS,
        "tpep_pickup_datetime": pa.Column(str, checks=pa.Check.str_matches(_STAMP)),
        "tpep_dropoff_datetime": pa.Column(str, checks=pa.Check.str_matches(_STAMP)),
    },
    checks=[pa.Check(_total_adds_up, name="total_amount adds up")],
    name="yellow (csv)",
    strict=True,
    ordered=True,
)

# --- flights, wine, 311, bikes, climate cubes: built by their modules (documented there) -----

from bdp.datasets import bikes as _bikes  # noqa: E402
from bdp.datasets import climate as _climate  # noqa: E402
from bdp.datasets import flights as _flights  # noqa: E402
from bdp.datasets import nyc311 as _nyc311  # noqa: E402
from bdp.datasets import wine as _wine  # noqa: E402

#: every ``csv/<year>.csv`` of ``make_flights`` read with ``dtype=FLIGHTS_DTYPE_FIX``
FLIGHTS = _flights.flights_schema()
#: ``wine.data`` read with ``header=None, names=WINE_COLUMNS``
WINE = _wine.wine_schema()
#: ``311-service-requests.csv`` read with pandas' defaults (the mess is allowed)
NYC311 = _nyc311.nyc311_schema()
#: the frame of ``make_bike_counts()`` (with weather)
BIKES = _bikes.bikes_schema()
#: ``make_air_temperature().air.to_dataframe().reset_index()`` (and the same for the others)
AIR_TEMPERATURE = _climate.air_temperature_schema()
SST = _climate.sst_schema()
CLIMATE_CUBE = _climate.climate_cube_schema()

__all__ += ["AIR_TEMPERATURE", "BIKES", "CLIMATE_CUBE", "FLIGHTS", "NYC311", "SST", "WINE"]
