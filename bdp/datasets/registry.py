"""The catalogue of every dataset ``bdp`` can generate (what ``python -m bdp data --list`` shows).

Each entry names its generator lazily (``"module:function"``), so listing the catalogue imports
nothing heavy. A generator is called as ``generator(out=..., rows=..., seed=..., formats=...,
overwrite=..., progress=...)``; arguments a generator does not take are refused by the CLI with
one line (see :func:`call_generator`).

To add a dataset, append one :class:`DatasetInfo` to ``_ENTRIES`` (keep the table sorted by
name within your block).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bdp.datasets._write import DatasetError


@dataclass(frozen=True)
class DatasetInfo:
    """One generatable dataset."""

    name: str
    #: ``"module:function"`` of the generator
    generator: str
    description: str
    #: default rows at ``BDP_SCALE=small`` / ``full`` (``None`` for a fixed-size dataset)
    small_rows: int | None
    full_rows: int | None
    #: formats the generator can write, and the ones it writes by default
    formats: tuple[str, ...] = ("csv", "parquet")
    default_formats: tuple[str, ...] = ("csv",)
    #: the reference-course dataset it stands in for
    stands_in_for: str = ""

    def load(self) -> Callable[..., Any]:
        """Import and return the generator function."""
        module, _, func = self.generator.partition(":")
        return getattr(importlib.import_module(module), func)


_ENTRIES: tuple[DatasetInfo, ...] = (
    # --- taxi fares and TLC trips (bdp.datasets.taxi, bdp.datasets.yellow)
    DatasetInfo(
        name="taxi",
        generator="bdp.datasets.taxi:make_taxi",
        description="NYC taxi fares, Kaggle train.csv schema, with realistic dirt (capstone)",
        small_rows=300_000,
        full_rows=55_000_000,
        stands_in_for="Kaggle new-york-city-taxi-fare-prediction train.csv (gs://supaero/train.csv)",
    ),
    DatasetInfo(
        name="taxi-test",
        generator="bdp.datasets.taxi:make_taxi_test",
        description="labelled hold-out split of the taxi fares (clean, with fare_amount)",
        small_rows=50_000,
        full_rows=100_000,
        stands_in_for="the course's labelled gs://supaero/test.csv",
    ),
    DatasetInfo(
        name="yellow",
        generator="bdp.datasets.yellow:make_yellow",
        description="NYC TLC yellow-taxi trips, 2015 columns, Parquet parts sorted by pickup time",
        small_rows=500_000,
        full_rows=20_000_000,
        default_formats=("parquet",),
        stands_in_for="s3://dask-data/nyc-taxi/nyc-2015.parquet (dask-tutorial)",
    ),
    # --- other datasets: add entries below
    # flights, wine, nyc311, bikes, climate (bdp.datasets.flights, .wine, .nyc311, .bikes, .climate)
    DatasetInfo(
        name="air-temperature",
        generator="bdp.datasets.climate:write_air_temperature",
        description="xarray air_temperature twin: air(time, lat, lon) 6-hourly 2013-14, NetCDF/Zarr",
        small_rows=None,
        full_rows=None,
        formats=("netcdf", "zarr"),
        default_formats=("netcdf",),
        stands_in_for='xr.tutorial.open_dataset("air_temperature") (NCEP reanalysis)',
    ),
    DatasetInfo(
        name="bikes",
        generator="bdp.datasets.bikes:write_bikes",
        description="daily bike counts on 7 counters with temperature and precipitation (3 years)",
        small_rows=None,
        full_rows=None,
        formats=("csv",),
        default_formats=("csv",),
        stands_in_for="pandas-cookbook bikes.csv (Montreal counters) + weather_2012.csv",
    ),
    DatasetInfo(
        name="climate-cube",
        generator="bdp.datasets.climate:write_climate_cube",
        description="lazy daily global tas(time, lat, lon) cube, chunk-independent values, Zarr",
        small_rows=None,
        full_rows=None,
        formats=("zarr", "netcdf"),
        default_formats=("zarr",),
        stands_in_for="Pangeo cloud cubes (CMIP6/ERA5-like Zarr)",
    ),
    DatasetInfo(
        name="flights",
        generator="bdp.datasets.flights:make_flights",
        description="NYC flights 1990-1999, one CSV per year, with the real files' dtype trap",
        small_rows=200_000,
        full_rows=2_600_000,
        formats=("csv",),
        default_formats=("csv",),
        stands_in_for="dask-tutorial nycflights.tar.gz",
    ),
    DatasetInfo(
        name="nyc311",
        generator="bdp.datasets.nyc311:make_311",
        description="NYC 311 service requests, messy zip codes and dates (cleaning exercises)",
        small_rows=100_000,
        full_rows=1_000_000,
        stands_in_for="pandas-cookbook 311-service-requests.csv",
    ),
    DatasetInfo(
        name="sst",
        generator="bdp.datasets.climate:write_sst",
        description="xarray ersstv5 twin: monthly sst(time, lat, lon) with land NaNs, NetCDF/Zarr",
        small_rows=None,
        full_rows=None,
        formats=("netcdf", "zarr"),
        default_formats=("netcdf",),
        stands_in_for='xr.tutorial.open_dataset("ersstv5") (NOAA ERSST v5)',
    ),
    DatasetInfo(
        name="wine",
        generator="bdp.datasets.wine:make_wine",
        description="UCI wine.data, headerless, class first (from scikit-learn's bundled copy)",
        small_rows=None,
        full_rows=None,
        formats=("data",),
        default_formats=("data",),
        stands_in_for="UCI machine-learning-databases/wine/wine.data",
    ),
)

REGISTRY: Mapping[str, DatasetInfo] = {e.name: e for e in _ENTRIES}


def names() -> list[str]:
    """Names of all registered datasets, sorted."""
    return sorted(REGISTRY)


def get(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name``; an unknown name raises :class:`DatasetError`."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        import difflib

        close = difflib.get_close_matches(str(name), names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DatasetError(
            f"unknown dataset {name!r}{hint} (known: {', '.join(names())})"
        ) from None


def call_generator(name: str, **kwargs: Any) -> Any:
    """Call the generator of ``name`` with the given keyword arguments.

    Arguments whose value is ``None`` are left out (the generator's default applies);
    an argument the generator does not accept raises :class:`DatasetError`.
    """
    info = get(name)
    func = info.load()
    params = inspect.signature(func).parameters
    takes_var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    call: dict[str, Any] = {}
    for key, value in kwargs.items():
        if value is None:
            continue
        if key not in params and not takes_var_kw:
            raise DatasetError(f"dataset {name!r} does not take the option {key!r}")
        call[key] = value
    return func(**call)


def describe() -> str:
    """A plain-text table of the catalogue (used by ``python -m bdp data --list``)."""

    def fmt_rows(n: int | None) -> str:
        return "fixed" if n is None else f"{n:,}"

    rows = [("name", "small", "full", "formats", "description")]
    for info in (REGISTRY[n] for n in names()):
        formats = ",".join(
            f + ("*" if f in info.default_formats else "") for f in info.formats
        )
        rows.append(
            (info.name, fmt_rows(info.small_rows), fmt_rows(info.full_rows), formats, info.description)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(r[i].ljust(widths[i]) if i == 0 or i == 3 else r[i].rjust(widths[i]) for i in range(4))
        + "  "
        + r[4]
        for r in rows
    ]
    lines.append("(* = default format; rows follow BDP_SCALE=small|full unless --rows is given)")
    return "\n".join(lines)
