"""Synthetic climate cubes: offline stand-ins for xarray's tutorial files and Pangeo-style cubes.

Three generators, all seeded and deterministic (same arguments → same values, byte-identical
files):

:func:`make_air_temperature`
    Mimics ``xr.tutorial.open_dataset("air_temperature")`` (NCEP reanalysis, 4× daily surface air
    temperature over North America). ``air(time, lat, lon)`` float32 in kelvin; ``time`` 6-hourly
    from 2013-01-01 00:00 to 2014-12-31 18:00 (2,920 steps), ``lat`` 75 → 15 °N every 2.5°
    (25, descending like the original), ``lon`` 200 → 330 °E every 2.5° (53). ≈ 15 MB in memory.
    The field: a latitudinal mean (≈ 254 K at 75 °N, ≈ 298 K at 15 °N), a seasonal cycle that grows
    with latitude and is three times stronger over land than over sea, a diurnal cycle that
    follows local solar time (land only, peak ≈ 15 h), and spatially smooth AR(1) "weather" noise.
    ``gradient=True`` adds ``dTdx``/``dTdy`` (K m⁻¹) like ``air_temperature_gradient``.

:func:`make_sst`
    Mimics ``xr.tutorial.open_dataset("ersstv5")`` (NOAA ERSST v5 monthly sea-surface
    temperature). ``sst(time, lat, lon)`` float32 in °C with NaN over land; ``lat`` −88 → 88 every
    2° (89), ``lon`` 0 → 358 every 2° (180), ``time`` monthly (first of the month) ending
    2021-12-01: 624 months (1970–2021, the tutorial file, ≈ 40 MB) by default, 2,016 months
    (1854–2021, the whole ERSST record) with ``BDP_SCALE=full``. The field: a warm-equator /
    cold-pole climatology floored at −1.8 °C (sea ice), a hemispherically opposed seasonal cycle,
    an ENSO-like oscillation in the eastern tropical Pacific (driven by :func:`enso_index`), a
    warming trend of 0.8 °C per century and AR(1) noise.

:func:`make_climate_cube`
    A large *lazy* Dask-backed cube for chunking/rechunking lessons: daily ``tas(time, lat, lon)``
    float32 (K) on a regular global grid. Nothing is computed until asked; every value is a pure
    function of its global indices and the seed, so the numbers do **not** depend on the chunking
    (``cube.chunk(...)`` or another ``chunks=`` gives identical values). Default size:
    730 days at 1° (180 × 360) ≈ 0.19 GB virtual; ``BDP_SCALE=full``: 3,653 days (10 years) at
    0.25° (720 × 1,440) ≈ 15 GB virtual.

All three take ``out=`` to write the result atomically (``.nc`` → NetCDF-3 through SciPy,
``.zarr`` → Zarr v3) and return the :class:`xarray.Dataset` either way; :func:`write_zarr` and
:func:`write_netcdf` write any Dataset atomically.

The land/sea mask is a coarse hand-made set of ellipses ("continents"), shared by all three, so
maps look plausible without any download; it is not geography.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bdp.datasets._write import DatasetError, check_out_file, check_seed

__all__ = [
    "make_air_temperature",
    "make_sst",
    "make_climate_cube",
    "write_zarr",
    "write_netcdf",
    "write_air_temperature",
    "write_sst",
    "write_climate_cube",
    "land_mask",
    "enso_index",
    "CUBE_SIZES",
]

#: (days, resolution in degrees) of :func:`make_climate_cube` for each ``BDP_SCALE``
CUBE_SIZES: dict[str, tuple[int, float]] = {"small": (730, 1.0), "full": (3653, 0.25)}

# (centre lon °E, centre lat °N, half-width in lon °, half-height in lat °)
_CONTINENTS: tuple[tuple[float, float, float, float], ...] = (
    (258.0, 47.0, 36.0, 20.0),  # North America
    (250.0, 64.0, 48.0, 9.0),  # Canada / Alaska
    (262.0, 24.0, 10.0, 8.0),  # Mexico
    (300.0, -12.0, 18.0, 20.0),  # South America (north)
    (293.0, -38.0, 8.0, 16.0),  # South America (south)
    (318.0, 73.0, 14.0, 10.0),  # Greenland
    (18.0, 8.0, 22.0, 24.0),  # Africa (north)
    (25.0, -20.0, 12.0, 14.0),  # Africa (south)
    (90.0, 52.0, 78.0, 18.0),  # Eurasia
    (45.0, 28.0, 22.0, 10.0),  # Middle East
    (78.0, 20.0, 9.0, 10.0),  # India
    (104.0, 18.0, 10.0, 8.0),  # South-East Asia
    (134.0, -25.0, 18.0, 10.0),  # Australia
)


def _wrap(dlon: np.ndarray) -> np.ndarray:
    return (dlon + 180.0) % 360.0 - 180.0


def land_mask(lat: Any, lon: Any) -> np.ndarray:
    """Boolean ``(len(lat), len(lon))`` mask of the synthetic continents (True = land).

    Antarctica is everything south of 70 °S. Coarse on purpose: good enough for plausible maps.
    """
    la = np.asarray(lat, dtype="float64")[:, None]
    lo = np.asarray(lon, dtype="float64")[None, :]
    mask = np.broadcast_to(la < -70.0, (la.shape[0], lo.shape[1])).copy()
    for clon, clat, hw, hh in _CONTINENTS:
        mask |= (_wrap(lo - clon) / hw) ** 2 + ((la - clat) / hh) ** 2 <= 1.0
    return mask


def _smooth2d(field: np.ndarray, radius: int) -> np.ndarray:
    """Box-smooth the last two axes (edge-padded), rescaled back to unit variance for white input."""
    if radius <= 0:
        return field
    k = 2 * radius + 1
    out = field
    for axis in (-2, -1):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(out, pad, mode="edge")
        csum = np.cumsum(padded, axis=axis, dtype="float64")
        zero = np.zeros_like(np.take(csum, [0], axis=axis))
        csum = np.concatenate([zero, csum], axis=axis)
        n = out.shape[axis]
        out = (np.take(csum, np.arange(k, k + n), axis=axis) - np.take(csum, np.arange(n), axis=axis)) / k
    return out * k  # variance of a mean of k*k white values is 1/(k*k)


def _ar1(rng: np.random.Generator, n: int, shape: tuple[int, int], phi: float, radius: int) -> np.ndarray:
    """Stationary AR(1) series of spatially smooth unit-variance fields, shape ``(n, *shape)``."""
    innov = _smooth2d(rng.standard_normal((n, *shape)), radius)
    innov[1:] *= math.sqrt(1.0 - phi * phi)
    for i in range(1, n):
        innov[i] += phi * innov[i - 1]
    return innov


def _replace_into(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path``, replacing a file or directory already there."""
    if path.is_dir() and not path.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.bdp-old-", dir=path.parent))
        os.replace(path, old / "data")
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def write_netcdf(ds: Any, out: Any, *, overwrite: bool = False) -> Path:
    """Write ``ds`` to a NetCDF-3 file (SciPy engine, no HDF5 needed) atomically; return its path.

    The file is written beside ``out`` under a hidden temporary name and renamed at the end, so an
    error or Ctrl-C never leaves a half-written file.
    """
    path = check_out_file(out, (".nc",), overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.bdp-tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
        _replace_into(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_zarr(ds: Any, store: Any, *, overwrite: bool = False, **to_zarr_kwargs: Any) -> Any:
    """Write ``ds`` to a Zarr store and return the store.

    A local path (ending in ``.zarr``) is written atomically: into a hidden temporary directory
    beside it, renamed at the end. Any other store (``"s3://bucket/x.zarr"``, a ``MutableMapping``)
    is passed straight to :meth:`xarray.Dataset.to_zarr` (object stores cannot rename atomically).
    Dask-backed variables are computed and written chunk by chunk (never all in memory); the
    Dask chunks become the Zarr chunks unless ``encoding`` says otherwise.
    """
    if not isinstance(overwrite, bool):
        raise DatasetError(f"overwrite must be True or False, got {overwrite!r}")
    if (isinstance(store, str) and "://" in store) or not isinstance(store, (str, os.PathLike)):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            ds.to_zarr(store, mode="w" if overwrite else "w-", **to_zarr_kwargs)
        return store
    path = check_out_file(store, (".zarr",), overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.bdp-tmp-", dir=path.parent))
    try:
        with warnings.catch_warnings():
            # consolidated metadata is what lets xr.open_zarr(path) open the store quickly and
            # without a warning; zarr 3 notes that it is not (yet) in the v3 spec: known, fine
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            ds.to_zarr(tmp, mode="w", consolidated=to_zarr_kwargs.pop("consolidated", True), **to_zarr_kwargs)
        _replace_into(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _maybe_write(ds: Any, out: Any, overwrite: bool) -> None:
    if out is None:
        return
    suffix = Path(str(out)).suffix.lower() if isinstance(out, (str, os.PathLike)) else ""
    if suffix == ".nc":
        write_netcdf(ds, out, overwrite=overwrite)
    elif suffix == ".zarr" or (isinstance(out, str) and "://" in out):
        write_zarr(ds, out, overwrite=overwrite)
    else:
        raise DatasetError(f"out={out!r}: use a name ending in .nc (NetCDF) or .zarr (Zarr)")


def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DatasetError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_out_arg(out: Any, overwrite: Any) -> None:
    """Fail early (before any computation) on a bad ``out``/``overwrite``."""
    if out is None:
        if not isinstance(overwrite, bool):
            raise DatasetError(f"overwrite must be True or False, got {overwrite!r}")
        return
    if isinstance(out, str) and "://" in out:
        return
    check_out_file(out, (".nc", ".zarr"), overwrite)


# --------------------------------------------------------------------------------------------
# air_temperature
# --------------------------------------------------------------------------------------------


def make_air_temperature(
    *,
    seed: int = 0,
    start: str = "2013-01-01",
    steps: int = 2920,
    gradient: bool = False,
    out: Any = None,
    overwrite: bool = False,
) -> Any:
    """Synthetic twin of xarray's ``air_temperature`` tutorial dataset (see the module docstring).

    Parameters
    ----------
    seed : int ≥ 0
        Random seed of the weather noise.
    start : str
        First time step (6-hourly steps follow).
    steps : int
        Number of 6-hourly steps (2,920 = two years, like the original).
    gradient : bool
        Also add ``dTdx`` and ``dTdy`` (K m⁻¹, centred differences), as in
        ``air_temperature_gradient``.
    out : path ending in ``.nc`` or ``.zarr``, optional
        Also write the dataset there, atomically.

    Returns
    -------
    xarray.Dataset
        ``air(time, lat, lon)`` float32 K; coords ``time`` (datetime64), ``lat`` float32
        75 → 15, ``lon`` float32 200 → 330; CF attributes like the NCEP original.
    """
    import pandas as pd
    import xarray as xr

    seed = check_seed(seed)
    steps = _check_int("steps", steps)
    if not isinstance(gradient, bool):
        raise DatasetError(f"gradient must be True or False, got {gradient!r}")
    try:
        time = pd.date_range(pd.Timestamp(start), periods=steps, freq="6h")
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"start={start!r} is not a date: {exc}".splitlines()[0]) from None
    _check_out_arg(out, overwrite)

    lat = np.arange(75.0, 14.9, -2.5)
    lon = np.arange(200.0, 330.1, 2.5)
    land = land_mask(lat, lon).astype("float64")
    rlat = np.deg2rad(lat)[:, None]
    t0 = 238.0 + 62.0 * np.cos(rlat)  # annual mean by latitude
    amp = (3.0 + 15.0 * (lat[:, None] - 15.0) / 60.0) * (0.35 + 0.65 * land)
    doy = (time.day_of_year.to_numpy() - 1 + time.hour.to_numpy() / 24.0).astype("float64")
    season = -np.cos(2.0 * np.pi * (doy - 15.0) / 365.25)  # coldest mid-January
    utc_hour = time.hour.to_numpy().astype("float64")
    local = (utc_hour[:, None] + lon[None, :] / 15.0) % 24.0  # (time, lon)
    diurnal = np.cos(2.0 * np.pi * (local - 15.0) / 24.0)
    diurnal_amp = 0.5 + 3.5 * land  # (lat, lon)
    sigma = 1.5 + 3.0 * (lat[:, None] - 15.0) / 60.0

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(101,)))
    noise = _ar1(rng, steps, land.shape, phi=0.95, radius=3)
    air = (
        t0[None]
        + amp[None] * season[:, None, None]
        + diurnal_amp[None] * diurnal[:, None, :]
        + sigma[None] * noise
    )
    air = np.round(air, 2).astype("float32")  # the original is stored with 0.01 K precision

    ds = xr.Dataset(
        {"air": (("time", "lat", "lon"), air)},
        coords={
            "lat": ("lat", lat.astype("float32")),
            "lon": ("lon", lon.astype("float32")),
            "time": ("time", time.to_numpy()),
        },
    )
    ds.lat.attrs = {"standard_name": "latitude", "long_name": "Latitude", "units": "degrees_north", "axis": "Y"}
    ds.lon.attrs = {"standard_name": "longitude", "long_name": "Longitude", "units": "degrees_east", "axis": "X"}
    ds.time.attrs = {"standard_name": "time", "long_name": "Time"}
    ds.air.attrs = {
        "long_name": "4xDaily Air temperature at sigma level 995",
        "units": "degK",
        "precision": 2,
        "GRIB_id": 11,
        "GRIB_name": "TMP",
        "var_desc": "Air temperature",
        "dataset": "NMC Reanalysis",
        "level_desc": "Surface",
        "statistic": "Individual Obs",
        "parent_stat": "Other",
        "actual_range": np.array([air.min(), air.max()], dtype="float32"),
    }
    ds.attrs = {
        "Conventions": "COARDS",
        "title": "4x daily NMC reanalysis (synthetic stand-in)",
        "description": "Synthetic data shaped like the NCEP/NMC reanalysis 0.995 sigma level air "
        "temperature (xarray tutorial 'air_temperature'); not observations.",
        "platform": "Model",
        "source": f"bdp.datasets.make_air_temperature(seed={seed})",
    }
    if gradient:
        radius_earth = 6.371e6
        dy = np.deg2rad(2.5) * radius_earth
        dx = dy * np.cos(np.deg2rad(lat))[None, :, None]
        values = air.astype("float64")
        dtdy = -np.gradient(values, axis=1) / dy  # lat is descending
        dtdx = np.gradient(values, axis=2) / dx
        ds["dTdx"] = (("time", "lat", "lon"), dtdx.astype("float32"), {"long_name": "zonal temperature gradient", "units": "K m-1"})
        ds["dTdy"] = (("time", "lat", "lon"), dtdy.astype("float32"), {"long_name": "meridional temperature gradient", "units": "K m-1"})
    _maybe_write(ds, out, overwrite)
    return ds


# --------------------------------------------------------------------------------------------
# ersstv5
# --------------------------------------------------------------------------------------------


def enso_index(months: int, seed: int = 0) -> np.ndarray:
    """The unit-variance ENSO-like index that drives :func:`make_sst` (one value per month)."""
    seed = check_seed(seed)
    months = _check_int("months", months)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(202,)))
    t = np.arange(months, dtype="float64") / 12.0  # years
    periods = np.array([3.7, 5.2, 2.4])
    phases = rng.uniform(0.0, 2.0 * np.pi, periods.size)
    weights = np.array([1.0, 0.7, 0.5])
    index = (weights[:, None] * np.sin(2.0 * np.pi * t[None] / periods[:, None] + phases[:, None])).sum(0)
    red = np.empty(months)
    state = 0.0
    for i, e in enumerate(rng.standard_normal(months)):
        state = 0.8 * state + 0.6 * e
        red[i] = state
    index = index + red
    return (index - index.mean()) / index.std()


def make_sst(
    *,
    months: int | None = None,
    seed: int = 0,
    out: Any = None,
    overwrite: bool = False,
) -> Any:
    """Synthetic twin of xarray's ``ersstv5`` tutorial dataset (see the module docstring).

    Parameters
    ----------
    months : int, optional
        Number of monthly steps ending 2021-12-01; default ``pick(small=624, full=2016)``
        (1970–2021, or 1854–2021 like the whole ERSST v5 record).
    seed : int ≥ 0
    out : path ending in ``.nc`` or ``.zarr``, optional
        Also write the dataset there, atomically.

    Returns
    -------
    xarray.Dataset
        ``sst(time, lat, lon)`` float32 °C, NaN over land; ``lat`` float32 −88 → 88 (89),
        ``lon`` float32 0 → 358 (180), ``time`` month starts.
    """
    import pandas as pd
    import xarray as xr

    from bdp.config import pick

    seed = check_seed(seed)
    months = pick(small=624, full=2016) if months is None else _check_int("months", months)
    _check_out_arg(out, overwrite)

    time = pd.date_range(end="2021-12-01", periods=months, freq="MS")
    lat = np.arange(-88.0, 88.1, 2.0)
    lon = np.arange(0.0, 358.1, 2.0)
    land = land_mask(lat, lon)
    rlat = np.deg2rad(lat)[:, None]
    clim = -1.8 + 30.5 * np.cos(rlat) ** 2  # (lat, 1): ≈ 28.7 °C at the equator
    clim = clim + 1.5 * np.exp(-(((_wrap(lon[None, :] - 150.0)) / 40.0) ** 2) - (lat[:, None] / 12.0) ** 2)  # warm pool
    amp = 4.0 * np.sin(2.0 * rlat) ** 2 * np.sign(lat)[:, None]  # midlatitudes, opposite phases
    month0 = time.month.to_numpy() - 1
    season = -np.cos(2.0 * np.pi * (month0 - 1.5) / 12.0)  # north: coldest Feb, warmest Aug
    years = (np.arange(months) - months + 1) / 12.0  # years before 2021-12, ≤ 0
    trend = 0.008 * (years - years.mean())
    enso_pattern = 1.6 * np.exp(-((_wrap(lon[None, :] - 240.0) / 45.0) ** 2) - (lat[:, None] / 9.0) ** 2)
    index = enso_index(months, seed)

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(203,)))
    noise = _ar1(rng, months, land.shape, phi=0.6, radius=2)
    sst = (
        clim[None]
        + amp[None] * season[:, None, None]
        + enso_pattern[None] * index[:, None, None]
        + trend[:, None, None]
        + 0.35 * noise
    )
    sst = np.maximum(sst, -1.8)
    sst[:, land] = np.nan
    sst = np.round(sst, 2).astype("float32")

    ds = xr.Dataset(
        {"sst": (("time", "lat", "lon"), sst)},
        coords={
            "lat": ("lat", lat.astype("float32")),
            "lon": ("lon", lon.astype("float32")),
            "time": ("time", time.to_numpy()),
        },
    )
    ds.lat.attrs = {"units": "degrees_north", "long_name": "Latitude", "standard_name": "latitude", "axis": "Y"}
    ds.lon.attrs = {"units": "degrees_east", "long_name": "Longitude", "standard_name": "longitude", "axis": "X"}
    ds.time.attrs = {"long_name": "Time", "standard_name": "time", "axis": "T"}
    ds.sst.attrs = {
        "long_name": "Monthly Means of Sea Surface Temperature",
        "units": "degC",
        "var_desc": "Sea Surface Temperature",
        "level_desc": "Surface",
        "statistic": "Mean",
        "dataset": "NOAA Extended Reconstructed SST V5",
        "parent_stat": "Individual Values",
        "valid_range": np.array([-1.8, 45.0], dtype="float32"),
        "actual_range": np.array([np.nanmin(sst), np.nanmax(sst)], dtype="float32"),
    }
    ds.attrs = {
        "title": "NOAA ERSSTv5 (in situ only) -- synthetic stand-in",
        "Conventions": "CF-1.6",
        "description": "Synthetic data shaped like NOAA ERSST v5 (xarray tutorial 'ersstv5'); "
        "coarse made-up continents; not observations.",
        "source": f"bdp.datasets.make_sst(seed={seed})",
    }
    _maybe_write(ds, out, overwrite)
    return ds


# --------------------------------------------------------------------------------------------
# the lazy climate cube
# --------------------------------------------------------------------------------------------

_N_WAVES = 6
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic): a counter-based RNG."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _hash32(x: np.ndarray) -> np.ndarray:
    """``lowbias32`` integer hash on uint32 arrays (wrapping arithmetic): a counter-based RNG."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint32(16))
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


@lru_cache(maxsize=8)
def _cube_tables(days: int, ny: int, nx: int, seed: int) -> dict[str, np.ndarray]:
    """Everything that depends on one axis only, computed on the FULL axes (chunk-independent)."""
    res = 180.0 / ny
    lat = -90.0 + res * (np.arange(ny) + 0.5)
    lon = res * (np.arange(nx) + 0.5)
    t = np.arange(days, dtype="float64")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(303,)))
    m = rng.integers(1, 8, _N_WAVES).astype("float64")  # zonal wavenumbers
    period = rng.uniform(6.0, 30.0, _N_WAVES)  # days for one wavelength to pass
    phase = rng.uniform(0.0, 2.0 * np.pi, _N_WAVES)
    centre = rng.uniform(30.0, 65.0, _N_WAVES) * rng.choice([-1.0, 1.0], _N_WAVES)
    width = rng.uniform(8.0, 18.0, _N_WAVES)
    amp = rng.uniform(1.5, 4.0, _N_WAVES)
    omega = 2.0 * np.pi / period
    rlon = np.deg2rad(lon)
    land = land_mask(lat, lon)
    rlat = np.deg2rad(lat)
    f4 = "float32"
    tables = {
        "lat": lat,
        "lon": lon,
        "base": (238.0 + 62.0 * np.cos(rlat))[:, None] - 8.0 * land * (np.abs(lat) > 60)[:, None],
        "samp": (14.0 * np.sin(rlat))[:, None] * (0.35 + 0.65 * land),  # seasonal amplitude (y, x)
        "season": -np.cos(2.0 * np.pi * (t - 15.0) / 365.25),  # (t,)
        "trend": 0.0003 * t,  # ≈ 1.1 K per decade: a visible warming for trend exercises
        "wcos_t": np.cos(np.outer(omega, t)),  # (k, t)
        "wsin_t": np.sin(np.outer(omega, t)),
        "wcos_x": np.cos(np.outer(m, rlon) + phase[:, None]),  # (k, x)
        "wsin_x": np.sin(np.outer(m, rlon) + phase[:, None]),
        "wenv_y": amp[:, None] * np.exp(-(((lat[None, :] - centre[:, None]) / width[:, None]) ** 2)),  # (k, y)
    }
    tables = {k: (v.astype(f4) if k not in ("lat", "lon") else v) for k, v in tables.items()}
    tables["key"] = np.uint32(int(_splitmix64(np.uint64(seed) ^ np.uint64(0x5EED5EED))) >> 32)
    return tables


def _cube_block(days: int, ny: int, nx: int, seed: int, block_info: Any = None) -> np.ndarray:
    (t0, t1), (y0, y1), (x0, x1) = block_info[None]["array-location"]
    tab = _cube_tables(days, ny, nx, seed)
    ts, ys, xs = slice(t0, t1), slice(y0, y1), slice(x0, x1)
    # only element-wise + and * on values taken from full-axis tables: IEEE-exact, so the result
    # at (t, y, x) is bit-identical whatever block it is computed in
    out = tab["base"][None, ys, xs] + tab["samp"][None, ys, xs] * tab["season"][ts, None, None]
    for k in range(_N_WAVES):
        # cos(m·lon + φ − ω·t) = cos(m·lon + φ)·cos(ω·t) + sin(m·lon + φ)·sin(ω·t)
        wave = (
            tab["wcos_x"][k, None, xs] * tab["wcos_t"][k, ts, None]
            + tab["wsin_x"][k, None, xs] * tab["wsin_t"][k, ts, None]
        )  # (t, x)
        out += tab["wenv_y"][k, None, ys, None] * wave[:, None, :]
    # small-scale noise from a counter-based hash of the global index (mod 2**32): the two 16-bit
    # halves summed (triangular, unit variance), so the value at (t, y, x) never depends on the
    # chunking
    with np.errstate(over="ignore"):
        ti = np.arange(t0, t1, dtype="uint32")[:, None, None] * np.uint32((ny * nx) % 2**32)
        yi = np.arange(y0, y1, dtype="uint32")[None, :, None] * np.uint32(nx)
        xi = np.arange(x0, x1, dtype="uint32")[None, None, :] + tab["key"]
        h = _hash32((ti + yi) + xi)
    u = (h >> np.uint32(16)).astype("float32")
    u += (h & np.uint32(0xFFFF)).astype("float32")
    scale = 0.8 * math.sqrt(6.0)
    out += u * np.float32(scale / 65536.0) + (tab["trend"][ts, None, None] - np.float32(scale))
    return out


def make_climate_cube(
    *,
    days: int | None = None,
    resolution: float | None = None,
    start: str = "2000-01-01",
    chunks: Any = None,
    seed: int = 0,
    out: Any = None,
    overwrite: bool = False,
) -> Any:
    """A lazy, Dask-backed daily global temperature cube for chunking and rechunking lessons.

    Parameters
    ----------
    days : int, optional
        Number of daily steps from ``start``; default ``pick(small=730, full=3653)``.
    resolution : float, optional
        Grid spacing in degrees; must divide 180. Default ``pick(small=1.0, full=0.25)``.
    chunks : dict, optional
        Dask chunks by dimension name, e.g. ``{"time": 30}`` (the default: about a month of
        full global maps per chunk, ≈ 7.8 MB small / 124 MB full). Missing dimensions are not
        split; ``-1`` means "whole dimension". The *values* never depend on the chunks.
    seed : int ≥ 0
    out : path ending in ``.zarr`` (or an ``s3://`` URL), optional
        Also write the cube there (computes it chunk by chunk; never all in memory).

    Returns
    -------
    xarray.Dataset
        ``tas(time, lat, lon)`` float32 K (lazy dask array); coords ``time`` (daily),
        ``lat`` ascending cell centres (−90 + res/2 … 90 − res/2), ``lon`` 0 + res/2 … 360 − res/2.
    """
    import dask.array as da
    import pandas as pd
    import xarray as xr

    from bdp.config import pick

    seed = check_seed(seed)
    days = pick(small=CUBE_SIZES["small"][0], full=CUBE_SIZES["full"][0]) if days is None else _check_int("days", days)
    if resolution is None:
        resolution = pick(small=CUBE_SIZES["small"][1], full=CUBE_SIZES["full"][1])
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) or not resolution > 0:
        raise DatasetError(f"resolution must be a positive number of degrees, got {resolution!r}")
    ny_f = 180.0 / float(resolution)
    ny = int(round(ny_f))
    if ny < 2 or abs(ny - ny_f) > 1e-9:
        raise DatasetError(f"resolution={resolution!r} must divide 180 degrees (e.g. 2, 1, 0.5, 0.25)")
    nx = 2 * ny
    if chunks is None:
        chunks = {"time": 30}
    if not isinstance(chunks, dict) or any(k not in ("time", "lat", "lon") for k in chunks):
        raise DatasetError(f"chunks must be a dict with keys among 'time', 'lat', 'lon', got {chunks!r}")
    sizes = {"time": days, "lat": ny, "lon": nx}
    norm: list[int] = []
    for dim in ("time", "lat", "lon"):
        c = chunks.get(dim, -1)
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or (c != -1 and c < 1):
            raise DatasetError(f"chunks[{dim!r}] must be a positive integer or -1, got {c!r}")
        norm.append(sizes[dim] if c == -1 else min(int(c), sizes[dim]))
    try:
        time = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"start={start!r} is not a date: {exc}".splitlines()[0]) from None
    if out is not None and not (isinstance(out, str) and "://" in out):
        check_out_file(out, (".zarr",), overwrite)

    chunk_tuple = da.core.normalize_chunks(tuple(norm), shape=(days, ny, nx), dtype="float32")
    data = da.map_blocks(
        _cube_block,
        days,
        ny,
        nx,
        seed,
        chunks=chunk_tuple,
        dtype="float32",
        meta=np.empty((0, 0, 0), dtype="float32"),
    )
    tab = _cube_tables(days, ny, nx, seed)
    ds = xr.Dataset(
        {"tas": (("time", "lat", "lon"), data)},
        coords={"time": time.to_numpy(), "lat": tab["lat"].astype("float32"), "lon": tab["lon"].astype("float32")},
    )
    ds.lat.attrs = {"units": "degrees_north", "standard_name": "latitude", "axis": "Y"}
    ds.lon.attrs = {"units": "degrees_east", "standard_name": "longitude", "axis": "X"}
    ds.tas.attrs = {
        "standard_name": "air_temperature",
        "long_name": "Near-surface air temperature (daily mean)",
        "units": "K",
    }
    ds.attrs = {
        "title": "Synthetic daily global temperature cube",
        "Conventions": "CF-1.8",
        "source": f"bdp.datasets.make_climate_cube(days={days}, resolution={resolution}, seed={seed})",
        "description": "Every value is a pure function of its (time, lat, lon) index and the seed: "
        "the same for any chunking. Not observations.",
    }
    if out is not None:
        write_zarr(ds, out, overwrite=overwrite)
    return ds


# --------------------------------------------------------------------------------------------
# command-line entries: a bdp dataset directory with a manifest
# --------------------------------------------------------------------------------------------

_FILE_EXT = {"netcdf": ".nc", "zarr": ".zarr"}


def _write_cube_dataset(name: str, stem: str, build: Any, out: Any, seed: Any, formats: Any,
                        default: tuple[str, ...], overwrite: bool) -> Any:
    import json

    from bdp.datasets._write import MANIFEST, Dataset, atomic_dir, check_formats, check_out, default_out

    seed = check_seed(seed)
    fmts = check_formats(default if formats is None else formats, allowed=("netcdf", "zarr"))
    root = default_out(name) if out is None else check_out(out, overwrite)
    ds = build(seed)
    files: dict[str, tuple[Path, ...]] = {}
    with atomic_dir(root, overwrite and out is not None) as tmp:
        for fmt in fmts:
            (tmp / fmt).mkdir()
            target = tmp / fmt / f"{stem}{_FILE_EXT[fmt]}"
            if fmt == "netcdf":
                write_netcdf(ds, target)
                files[fmt] = (root / fmt / target.name,)
            else:
                write_zarr(ds, target)
                files[fmt] = tuple(sorted(root / p.relative_to(tmp) for p in target.rglob("*") if p.is_file()))
        dims = {str(k): int(v) for k, v in ds.sizes.items()}
        manifest = {
            "dataset": name,
            "rows": int(np.prod(list(dims.values()))),
            "seed": seed,
            "formats": list(fmts),
            "partitions": 1,
            "single_file": stem,
            "params": {"dims": dims},
            "files": {f: [str(p.relative_to(root)) for p in ps] for f, ps in files.items()},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Dataset(name=name, root=root, rows=manifest["rows"], seed=seed, formats=fmts, files=files,
                   params=manifest["params"])


def write_air_temperature(out: Any = None, *, seed: int = 0, formats: Any = None,
                          overwrite: bool = False, progress: bool | None = None) -> Any:
    """``python -m bdp data air-temperature``: ``out/netcdf/air_temperature.nc`` (and/or ``zarr/``)."""
    del progress
    return _write_cube_dataset("air-temperature", "air_temperature", lambda s: make_air_temperature(seed=s),
                               out, seed, formats, ("netcdf",), overwrite)


def write_sst(out: Any = None, *, seed: int = 0, formats: Any = None,
              overwrite: bool = False, progress: bool | None = None) -> Any:
    """``python -m bdp data sst``: ``out/netcdf/ersstv5.nc`` (and/or ``zarr/``)."""
    del progress
    return _write_cube_dataset("sst", "ersstv5", lambda s: make_sst(seed=s), out, seed, formats,
                               ("netcdf",), overwrite)


def write_climate_cube(out: Any = None, *, seed: int = 0, formats: Any = None,
                       overwrite: bool = False, progress: bool | None = None) -> Any:
    """``python -m bdp data climate-cube``: ``out/zarr/climate_cube.zarr``, computed chunk by chunk.

    With ``progress`` (default: when stderr is a terminal) a Dask progress bar is shown.
    """
    import contextlib

    from bdp.datasets._write import _progress_enabled

    ctx: Any = contextlib.nullcontext()
    if _progress_enabled(progress):
        from dask.diagnostics import ProgressBar

        ctx = ProgressBar()
    with ctx:
        return _write_cube_dataset("climate-cube", "climate_cube", lambda s: make_climate_cube(seed=s),
                                   out, seed, formats, ("zarr",), overwrite)


def cube_schema(var: str, low: float, high: float, *, nullable: bool = False) -> Any:
    """A pandera schema for ``ds[var].to_dataframe().reset_index()`` of these cubes.

    pandera has no xarray backend; the flattened table is checked instead (columns ``time``,
    ``lat``, ``lon``, ``var`` with their dtypes and a plausible value range). Structural checks
    of the Dataset itself (dims, coords, attrs) live in the tests.
    """
    import warnings

    # pandera imports PySpark's pandas API, which warns about pandas 3 (see bdp.datasets.schemas)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "time": pa.Column("datetime64[ns]", coerce=True),
            "lat": pa.Column("float32", pa.Check.in_range(-90.0, 90.0)),
            "lon": pa.Column("float32", pa.Check.in_range(0.0, 360.0)),
            var: pa.Column("float32", pa.Check.in_range(low, high), nullable=nullable),
        },
        strict=True,
        ordered=True,
        name=var,
    )


def air_temperature_schema() -> Any:
    """Schema of ``make_air_temperature().air.to_dataframe().reset_index()`` (kelvin)."""
    return cube_schema("air", 180.0, 330.0)


def sst_schema() -> Any:
    """Schema of ``make_sst().sst.to_dataframe().reset_index()`` (°C, NaN over land)."""
    return cube_schema("sst", -1.8, 40.0, nullable=True)


def climate_cube_schema() -> Any:
    """Schema of a slice of ``make_climate_cube().tas`` flattened to a table (kelvin)."""
    return cube_schema("tas", 150.0, 350.0)
