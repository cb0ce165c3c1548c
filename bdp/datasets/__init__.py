"""Seeded, schema-faithful, offline generators for every dataset the course uses.

Each public generator is deterministic for a seed, streams partition by partition, writes
atomically and validates its arguments. Names are resolved lazily so that importing
``bdp.datasets`` stays cheap (no pandas/xarray import until a generator is used).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it (each dataset module adds its own lines)
_EXPORTS: dict[str, str] = {
    # framework, taxi fares, yellow taxi (bdp.datasets._write, .registry, .taxi, .yellow)
    "DatasetError": "bdp.datasets._write",
    "Dataset": "bdp.datasets._write",
    "read_manifest": "bdp.datasets._write",
    "REGISTRY": "bdp.datasets.registry",
    "make_taxi": "bdp.datasets.taxi",
    "make_taxi_test": "bdp.datasets.taxi",
    "taxi_frame": "bdp.datasets.taxi",
    "clean_taxi": "bdp.datasets.taxi",
    "clean_taxi_mask": "bdp.datasets.taxi",
    "drop_exact_duplicates": "bdp.datasets.taxi",
    "repeated_fingerprints": "bdp.datasets.taxi",
    "taxi_features": "bdp.datasets.taxi",
    "calibrate_taxi": "bdp.datasets.taxi",
    "TAXI_TARGETS": "bdp.datasets.taxi",
    "make_yellow": "bdp.datasets.yellow",
    "yellow_frame": "bdp.datasets.yellow",
    # flights, wine, 311, bikes, climate cubes
    "make_flights": "bdp.datasets.flights",
    "frame_flights": "bdp.datasets.flights",
    "flights_schema": "bdp.datasets.flights",
    "FLIGHTS_COLUMNS": "bdp.datasets.flights",
    "FLIGHTS_DTYPE_FIX": "bdp.datasets.flights",
    "make_wine_file": "bdp.datasets.wine",
    "make_wine": "bdp.datasets.wine",
    "wine_schema": "bdp.datasets.wine",
    "WINE_COLUMNS": "bdp.datasets.wine",
    "make_311": "bdp.datasets.nyc311",
    "frame_311": "bdp.datasets.nyc311",
    "nyc311_schema": "bdp.datasets.nyc311",
    "ZIP_MESS": "bdp.datasets.nyc311",
    "make_bike_counts": "bdp.datasets.bikes",
    "bike_weather": "bdp.datasets.bikes",
    "bikes_schema": "bdp.datasets.bikes",
    "make_air_temperature": "bdp.datasets.climate",
    "make_sst": "bdp.datasets.climate",
    "make_climate_cube": "bdp.datasets.climate",
    "write_zarr": "bdp.datasets.climate",
    "write_netcdf": "bdp.datasets.climate",
}


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'bdp.datasets' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
