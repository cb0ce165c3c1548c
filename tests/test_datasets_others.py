"""Tests of the flights, wine, 311, bikes and climate generators of ``bdp.datasets``."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bdp.datasets import bikes, climate, flights, nyc311, wine
from bdp.datasets._write import DatasetError

REPO = Path(__file__).resolve().parents[1]


def digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> hex), for byte-identity checks."""
    root = Path(root)
    if root.is_file():
        return {root.name: hashlib.sha256(root.read_bytes()).hexdigest()}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_one_line_error(excinfo: pytest.ExceptionInfo) -> None:
    message = str(excinfo.value)
    assert message and "\n" not in message, message


@pytest.fixture(autouse=True)
def _small_scale(monkeypatch):
    monkeypatch.delenv("BDP_SCALE", raising=False)


# --------------------------------------------------------------------------------------------
# determinism: same arguments -> byte-identical files; another seed -> other bytes
# --------------------------------------------------------------------------------------------


def test_tabular_generators_are_byte_deterministic(tmp_path):
    a = flights.make_flights(tmp_path / "f1", years=[1990, 1991], rows_per_year=1500, seed=3)
    b = flights.make_flights(tmp_path / "f2", years=[1990, 1991], rows_per_year=1500, seed=3)
    c = flights.make_flights(tmp_path / "f3", years=[1990, 1991], rows_per_year=1500, seed=4)
    assert digest(a.root) == digest(b.root)
    assert [p.name for p in a.files["csv"]] == ["1990.csv", "1991.csv"]
    assert digest(a.root / "csv") != digest(c.root / "csv")
    # a year's file does not depend on which other years are written
    d = flights.make_flights(tmp_path / "f4", years=[1991], rows_per_year=1500, seed=3, trap=False)
    assert (d.root / "csv" / "1991.csv").read_bytes() == (a.root / "csv" / "1991.csv").read_bytes()

    n1 = nyc311.make_311(tmp_path / "n1", rows=4000, seed=1, formats="csv,parquet")
    n2 = nyc311.make_311(tmp_path / "n2", rows=4000, seed=1, formats="csv,parquet")
    assert digest(n1.root) == digest(n2.root)
    assert digest(n1.root) != digest(nyc311.make_311(tmp_path / "n3", rows=4000, seed=2).root)

    w1, w2 = wine.make_wine_file(tmp_path / "w1.data"), wine.make_wine_file(tmp_path / "w2.data")
    assert w1.read_bytes() == w2.read_bytes()

    b1 = bikes.make_bike_counts(tmp_path / "b1.csv", seed=5)
    bikes.make_bike_counts(tmp_path / "b2.csv", seed=5)
    assert (tmp_path / "b1.csv").read_bytes() == (tmp_path / "b2.csv").read_bytes()
    assert not b1.equals(bikes.make_bike_counts(seed=6))


def test_climate_files_are_byte_deterministic(tmp_path):
    climate.make_air_temperature(steps=24, seed=2, out=tmp_path / "a1.nc")
    climate.make_air_temperature(steps=24, seed=2, out=tmp_path / "a2.nc")
    assert digest(tmp_path / "a1.nc")["a1.nc"] == digest(tmp_path / "a2.nc")["a2.nc"]
    climate.make_sst(months=12, seed=2, out=tmp_path / "s1.zarr")
    climate.make_sst(months=12, seed=2, out=tmp_path / "s2.zarr")
    assert digest(tmp_path / "s1.zarr") == digest(tmp_path / "s2.zarr")
    climate.make_climate_cube(days=12, resolution=10.0, chunks={"time": 5}, seed=2, out=tmp_path / "c1.zarr")
    climate.make_climate_cube(days=12, resolution=10.0, chunks={"time": 5}, seed=2, out=tmp_path / "c2.zarr")
    assert digest(tmp_path / "c1.zarr") == digest(tmp_path / "c2.zarr")
    # the files read back to the in-memory Dataset
    import xarray as xr

    mem = climate.make_air_temperature(steps=24, seed=2)
    with xr.open_dataset(tmp_path / "a1.nc", engine="scipy") as back:
        assert back.air.dtype == np.float32 and np.array_equal(back.air.values, mem.air.values)
        assert back.air.attrs["GRIB_name"] == "TMP" and back.lat.attrs["units"] == "degrees_north"
    with xr.open_zarr(tmp_path / "c1.zarr") as back:
        assert back.tas.encoding["chunks"] == (5, 18, 36)
    grad = climate.make_air_temperature(steps=4, gradient=True)
    assert {"dTdx", "dTdy"} <= set(grad.data_vars) and float(grad.dTdy.mean()) < 0  # colder poleward
    # nothing temporary is left beside the outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a1.nc", "a2.nc", "c1.zarr", "c2.zarr", "s1.zarr", "s2.zarr"]


# --------------------------------------------------------------------------------------------
# flights: the dtype trap, reproduced with Dask and fixed
# --------------------------------------------------------------------------------------------


def test_flights_dtype_trap_and_fix_with_dask(tmp_path):
    import dask
    import dask.dataframe as dd

    ds = flights.make_flights(tmp_path / "nycflights", years=range(1990, 1993), rows_per_year=2000)
    first = pd.read_csv(ds.files["csv"][0])
    later = pd.read_csv(ds.files["csv"][1])
    assert list(first.columns) == list(flights.FLIGHTS_COLUMNS) and len(first.columns) == 23
    assert first["CRSElapsedTime"].dtype == "int64" and later["CRSElapsedTime"].dtype == "float64"
    for col in ("TailNum", "AirTime", "TaxiIn", "TaxiOut"):
        assert first[col].isna().all() and later[col].notna().mean() > 0.9

    with dask.config.set(scheduler="synchronous"):
        df = dd.read_csv(ds.glob("csv"))
        with pytest.raises(ValueError, match="Mismatched dtypes") as excinfo:
            len(df)
        table = str(excinfo.value)
        # exactly the two columns of the real files' error, with the types it reports
        assert re.search(r"\|\s*CRSElapsedTime\s*\|\s*float64\s*\|\s*int64\s*\|", table), table
        assert re.search(r"\|\s*TailNum\s*\|\s*(str|string|object)\s*\|\s*float64\s*\|", table), table
        mismatched = re.findall(r"^\|\s*(\w+)\s*\|\s*\w+\s*\|\s*\w+\s*\|$", table, flags=re.M)
        assert sorted(set(mismatched) - {"Column"}) == ["CRSElapsedTime", "TailNum"]

        fixed = dd.read_csv(ds.glob("csv"), dtype=flights.FLIGHTS_DTYPE_FIX)
        assert len(fixed) == 6000
        assert fixed.TailNum.dropna().str.startswith("N").all().compute()
        by_origin = fixed.groupby("Origin").DepDelay.mean().compute()
        assert set(by_origin.index) == {"EWR", "JFK", "LGA"}

    # trap=False: every year in the later style, Dask reads it without help
    clean = flights.make_flights(tmp_path / "clean", years=range(1990, 1993), rows_per_year=2000, trap=False)
    with dask.config.set(scheduler="synchronous"):
        assert len(dd.read_csv(clean.glob("csv"))) == 6000


def test_flights_content_is_plausible(tmp_path):
    table = flights.frame_flights(1995, 20_000, seed=0).to_pandas()
    assert table["Cancelled"].mean() == pytest.approx(0.027, abs=0.008)
    assert table["Diverted"].mean() == pytest.approx(0.002, abs=0.0015)
    shares = table["Origin"].value_counts(normalize=True)
    assert shares["EWR"] > shares["LGA"] > shares["JFK"]
    delay = table["DepDelay"].dropna()
    assert (delay.abs() <= 10).mean() > 0.5  # most flights near on time
    assert delay.max() > 300 and delay.max() <= 1400  # a long right tail, capped
    assert delay.mean() > delay.median()  # right-skewed
    lga = table[table.Origin == "LGA"]
    assert ((lga.Distance <= 1500) | (lga.Dest == "DEN")).all()  # the perimeter rule
    ok = table.dropna(subset=["ActualElapsedTime", "AirTime", "CRSElapsedTime"])
    assert (ok.ActualElapsedTime == ok.TaxiOut + ok.AirTime + ok.TaxiIn).all()
    assert (ok.ArrDelay == ok.DepDelay + ok.ActualElapsedTime - ok.CRSElapsedTime).all()
    dates = pd.to_datetime(dict(year=table.Year, month=table.Month, day=table.DayofMonth))
    assert (dates.dt.day_of_week + 1 == table.DayOfWeek).all()
    assert table["Distance"].groupby([table.Origin, table.Dest]).nunique().max() == 1


# --------------------------------------------------------------------------------------------
# schemas
# --------------------------------------------------------------------------------------------


def test_schemas_validate_generated_data(tmp_path):
    ds = flights.make_flights(tmp_path / "f", years=[1990, 1991], rows_per_year=1500)
    frame = pd.concat(
        [pd.read_csv(p, dtype=flights.FLIGHTS_DTYPE_FIX) for p in ds.files["csv"]], ignore_index=True
    )
    flights.flights_schema().validate(frame, lazy=True)

    path = wine.make_wine_file(tmp_path / "wine.data")
    wine.wine_schema().validate(pd.read_csv(path, header=None, names=wine.WINE_COLUMNS), lazy=True)

    n = nyc311.make_311(tmp_path / "n", rows=5000)
    nyc311.nyc311_schema().validate(pd.read_csv(n.files["csv"][0]), lazy=True)

    bikes.bikes_schema().validate(bikes.make_bike_counts(), lazy=True)

    air = climate.make_air_temperature(steps=8)
    climate.air_temperature_schema().validate(air.air.to_dataframe().reset_index(), lazy=True)
    sst = climate.make_sst(months=6)
    climate.sst_schema().validate(sst.sst.to_dataframe().reset_index(), lazy=True)
    cube = climate.make_climate_cube(days=5, resolution=5.0)
    climate.climate_cube_schema().validate(cube.tas.to_dataframe().reset_index(), lazy=True)

    # the same schemas, as constants of bdp.datasets.schemas
    from bdp.datasets import schemas

    schemas.FLIGHTS.validate(frame)
    schemas.WINE.validate(pd.read_csv(path, header=None, names=wine.WINE_COLUMNS))
    assert {"FLIGHTS", "WINE", "NYC311", "BIKES", "AIR_TEMPERATURE", "SST", "CLIMATE_CUBE"} <= set(schemas.__all__)

    # and a schema does reject broken data
    import pandera.errors

    broken = frame.copy()
    broken.loc[0, "Origin"] = "XYZ"
    with pytest.raises(pandera.errors.SchemaError):
        flights.flights_schema().validate(broken)


# --------------------------------------------------------------------------------------------
# wine
# --------------------------------------------------------------------------------------------


def test_wine_round_trip_is_exact(tmp_path):
    from sklearn.datasets import load_wine

    path = wine.make_wine_file(tmp_path / "wine.data")
    lines = path.read_text().splitlines()
    assert len(lines) == 178 and all(len(line.split(",")) == 14 for line in lines)
    assert lines[0] == "1,14.23,1.71,2.43,15.6,127,2.8,3.06,.28,2.29,5.64,1.04,3.92,1065"  # UCI's first line
    frame = pd.read_csv(path, header=None, names=wine.WINE_COLUMNS)
    bunch = load_wine()
    assert np.array_equal(frame[list(wine.WINE_COLUMNS[1:])].to_numpy(), bunch.data)
    assert np.array_equal(frame["cultivar"].to_numpy(), bunch.target + 1)
    assert frame["cultivar"].value_counts().sort_index().tolist() == [59, 71, 48]
    assert [c.replace("/", "_") for c in bunch.feature_names] == list(wine.WINE_COLUMNS[1:])
    # the RDD way of the Spark notebook: split lines on commas
    first = [float(x) for x in lines[0].split(",")]
    assert dict(zip(wine.WINE_COLUMNS, first))["proline"] == 1065.0


# --------------------------------------------------------------------------------------------
# climate
# --------------------------------------------------------------------------------------------


def test_air_temperature_and_sst_look_like_the_tutorial_files():
    air = climate.make_air_temperature()
    assert dict(air.sizes) == {"time": 2920, "lat": 25, "lon": 53}
    assert air.air.dtype == np.float32 and air.air.attrs["units"] == "degK"
    assert float(air.lat[0]) == 75.0 and float(air.lat[-1]) == 15.0
    assert float(air.lon[0]) == 200.0 and float(air.lon[-1]) == 330.0
    assert str(air.time.values[0])[:19] == "2013-01-01T00:00:00" and str(air.time.values[-1])[:19] == "2014-12-31T18:00:00"
    zonal = air.air.mean(("time", "lon"))
    assert float(zonal.sel(lat=15)) - float(zonal.sel(lat=75)) > 30  # warm south, cold north
    north = air.air.sel(lat=60).mean("lon")
    july = north.sel(time=north.time.dt.month == 7).mean()
    january = north.sel(time=north.time.dt.month == 1).mean()
    assert float(july - january) > 15  # a strong seasonal cycle at high latitude

    sst = climate.make_sst()
    assert dict(sst.sizes) == {"time": 624, "lat": 89, "lon": 180}
    assert sst.sst.attrs["units"] == "degC"
    assert float(sst.lat[0]) == -88.0 and float(sst.lon[-1]) == 358.0
    land = sst.sst.isel(time=0).isnull()
    assert 0.15 < float(land.mean()) < 0.45  # continents are NaN
    assert np.array_equal(sst.sst.isnull().all("time").values, land.values)  # same mask every month
    assert float(sst.sst.min()) >= -1.8 and 27 < float(sst.sst.sel(lat=0).mean()) < 31
    # the ENSO-like index drives the eastern tropical Pacific
    nino = sst.sst.sel(lat=slice(-6, 6), lon=slice(210, 270)).mean(("lat", "lon"))
    anomaly = nino.groupby("time.month") - nino.groupby("time.month").mean()
    assert np.corrcoef(anomaly, climate.enso_index(624, 0))[0, 1] > 0.9


def test_climate_cube_is_lazy_and_chunking_independent():
    import dask
    import dask.array as da

    with dask.config.set(scheduler="synchronous"):
        small = climate.make_climate_cube()
        assert dict(small.sizes) == {"time": 730, "lat": 180, "lon": 360}
        assert isinstance(small.tas.data, da.Array) and small.tas.data.chunksize == (30, 180, 360)

        # the full-size cube is just a graph: ~15 GB virtual, nothing computed
        full = climate.make_climate_cube(days=3653, resolution=0.25)
        assert full.tas.nbytes > 15e9 and isinstance(full.tas.data, da.Array)
        assert full.tas.data.chunksize == (30, 720, 1440)  # ≈ 124 MB chunks
        # (values compared on two cheaper chunkings of the same full-size cube: small blocks)
        full = climate.make_climate_cube(days=3653, resolution=0.25, chunks={"time": 4})
        other = climate.make_climate_cube(days=3653, resolution=0.25, chunks={"time": 7, "lat": 100, "lon": 333})
        window = dict(time=slice(1000, 1010), lat=slice(350, 420), lon=slice(1300, 1440))
        a = full.tas.isel(**window).values
        b = other.tas.isel(**window).values
        assert np.array_equal(a, b)  # bit-identical whatever the chunks

        one = climate.make_climate_cube(days=40, resolution=5.0, chunks={"time": 7, "lat": 5, "lon": 11})
        two = climate.make_climate_cube(days=40, resolution=5.0, chunks={"time": -1})
        assert np.array_equal(one.tas.values, two.tas.values)
        assert np.array_equal(one.tas.values, two.tas.chunk({"time": 3, "lat": 7}).values)
        assert not np.array_equal(one.tas.values, climate.make_climate_cube(days=40, resolution=5.0, seed=1).tas.values)
        values = one.tas.values
        assert values.dtype == np.float32 and 180 < values.min() and values.max() < 330


# --------------------------------------------------------------------------------------------
# 311: the documented mess, at the documented rates
# --------------------------------------------------------------------------------------------


def _close(observed: float, rate: float, n: int) -> bool:
    return abs(observed - rate) <= 5 * np.sqrt(rate * (1 - rate) / n) + 1e-4


def test_311_mess_at_documented_rates():
    n = 40_000
    df = nyc311.frame_311(n, seed=0)
    assert list(df.columns) == list(nyc311.NYC311_COLUMNS) and len(df) == n
    z = df["Incident Zip"]
    kinds = {
        "missing": z.isna(),
        "zip+4": z.str.fullmatch(r"\d{5}-\d{4}", na=False),
        "float": z.str.fullmatch(r"\d{5}\.0", na=False),
        "N/A": z.eq("N/A"),
        "NA": z.eq("NA"),
        "NO CLUE": z.eq("NO CLUE"),
        "0": z.eq("0"),
        "00000": z.eq("00000"),
        "out of area": z.isin(nyc311._OUT_OF_AREA),
    }
    for kind, rate in nyc311.ZIP_MESS.items():
        assert kinds[kind].any(), kind
        assert _close(float(kinds[kind].mean()), rate, n), (kind, float(kinds[kind].mean()), rate)
    clean = z.str.fullmatch(r"1[01]\d{3}", na=False) & ~kinds["out of area"]
    assert _close(float(clean.mean()), 1 - sum(nyc311.ZIP_MESS.values()), n)

    assert _close(float(df.Borough.eq("Unspecified").mean()), nyc311.RATES_311["borough_unspecified"], n)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    created = pd.to_datetime(df["Created Date"], format=fmt)
    closed = pd.to_datetime(df["Closed Date"], format=fmt)
    assert _close(float(closed.isna().mean()), nyc311.RATES_311["closed_missing"], n)
    before = (closed < created).mean()
    expected = nyc311.RATES_311["closed_before_created"] * (1 - nyc311.RATES_311["closed_missing"])
    assert _close(float(before), expected, n)
    assert created.is_monotonic_decreasing and df["Unique Key"].is_unique
    assert ((df.Status == "Closed") == closed.notna()).all()

    counts = df["Complaint Type"].value_counts()
    assert counts.index[0] == "HEATING"
    assert counts["Noise - Street/Sidewalk"] > counts.median()
    ranks = np.arange(1, len(nyc311.COMPLAINT_TYPES) + 1)
    share = counts.reindex([t[0] for t in nyc311.COMPLAINT_TYPES]).fillna(0).to_numpy() / n
    slope = np.polyfit(np.log(ranks[:30]), np.log(share[:30]), 1)[0]
    assert -1.1 < slope < -0.6  # Zipf-like
    # pandas' default NA handling turns N/A and NA into NaN, not the other mess
    assert frozenset(["N/A", "NA"]) <= frozenset(pd.io.parsers.readers.STR_NA_VALUES)


def test_311_file_matches_frame(tmp_path):
    ds = nyc311.make_311(tmp_path / "n", rows=3000, seed=4)
    frame = nyc311.frame_311(3000, seed=4)
    text = pd.read_csv(ds.files["csv"][0], dtype=str, keep_default_na=False)
    assert ds.files["csv"][0].name == "311-service-requests.csv"
    assert text["Incident Zip"].tolist() == frame["Incident Zip"].fillna("").tolist()
    assert text["Created Date"].tolist() == frame["Created Date"].tolist()


# --------------------------------------------------------------------------------------------
# bikes
# --------------------------------------------------------------------------------------------


def test_bike_counts_have_the_patterns_the_lesson_needs(tmp_path):
    df = bikes.make_bike_counts()
    assert df.index.name == "Date" and df.index.is_monotonic_increasing
    full = pd.date_range(df.index[0], df.index[-1], freq="D")
    assert 1096 == len(full) and 0 < len(full) - len(df) < 20  # a few days missing altogether
    counters = list(bikes.BIKE_COUNTERS)
    assert list(df.columns) == counters + ["temp_c", "precip_mm"]
    assert 0 < df[counters].isna().to_numpy().mean() < 0.03  # counter outages
    monthly = df["Berri 1"].resample("MS").mean()
    assert monthly[monthly.index.month == 7].mean() > 20 * monthly[monthly.index.month == 1].mean()
    weekend = df.index.day_of_week >= 5
    summer = df.index.month.isin([6, 7, 8])
    assert df.loc[summer & ~weekend, "Berri 1"].mean() > 1.3 * df.loc[summer & weekend, "Berri 1"].mean()
    assert df.loc[summer & weekend, "Pierre-Dupuy"].mean() > 1.2 * df.loc[summer & ~weekend, "Pierre-Dupuy"].mean()
    wet = summer & (df.precip_mm > 10)
    dry = summer & (df.precip_mm == 0) & ~weekend
    assert df.loc[wet & ~weekend, "Berri 1"].mean() < df.loc[dry, "Berri 1"].mean()
    assert df["Berri 1"].rolling(7).mean().notna().any()
    weather = bikes.bike_weather()
    assert len(weather) == 1096 and weather.loc[df.index].equals(df[["temp_c", "precip_mm"]])
    assert bikes.quebec_holidays(2012)[1:3] == [pd.Timestamp("2012-04-06").date(), pd.Timestamp("2012-04-09").date()]

    bikes.make_bike_counts(tmp_path / "bikes.csv", style="montreal")
    raw = (tmp_path / "bikes.csv").read_bytes()
    assert raw.startswith(b"Date;Berri 1;C\xf4te-Sainte-Catherine;")  # Latin-1, semicolons
    back = pd.read_csv(tmp_path / "bikes.csv", sep=";", encoding="latin1", parse_dates=["Date"], dayfirst=True, index_col="Date")
    assert back.index.equals(df.index.astype(back.index.dtype))
    assert back["Berri 1"].astype("Int64").equals(df["Berri 1"].rename(None).rename("Berri 1"))


# --------------------------------------------------------------------------------------------
# bad arguments: one line, nothing written
# --------------------------------------------------------------------------------------------


BAD_CALLS = [
    (flights.make_flights, dict(years=[]), "years"),
    (flights.make_flights, dict(years=["1990"]), "years"),
    (flights.make_flights, dict(rows_per_year=0), "rows_per_year"),
    (flights.make_flights, dict(rows=10, rows_per_year=10), "not both"),
    (flights.make_flights, dict(seed=-1), "seed"),
    (flights.make_flights, dict(formats="parquet"), "format"),
    (flights.make_flights, dict(trap="yes"), "trap"),
    (nyc311.make_311, dict(rows=-5), "rows"),
    (nyc311.make_311, dict(rows=1.5), "rows"),
    (nyc311.make_311, dict(days=0), "days"),
    (nyc311.make_311, dict(zip_mess={"N/A": 2.0}), "zip_mess"),
    (nyc311.make_311, dict(zip_mess={"typo": 0.1}), "zip_mess"),
    (nyc311.make_311, dict(formats="xlsx"), "format"),
]


@pytest.mark.parametrize("func,kwargs,word", BAD_CALLS)
def test_bad_arguments_are_rejected_in_one_line_and_nothing_is_written(tmp_path, func, kwargs, word):
    out = tmp_path / "out"
    with pytest.raises(DatasetError, match=re.escape(word)) as excinfo:
        func(out, **kwargs)
    assert_one_line_error(excinfo)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_of_file_and_cube_generators(tmp_path):
    cases = [
        (lambda: wine.make_wine_file(tmp_path), "directory"),
        (lambda: wine.make_wine_file(42), "out_path"),
        (lambda: bikes.make_bike_counts(tmp_path / "x.txt"), ".csv"),
        (lambda: bikes.make_bike_counts(days=3), "days"),
        (lambda: bikes.make_bike_counts(style="excel"), "style"),
        (lambda: bikes.make_bike_counts(start="not a date"), "start"),
        (lambda: climate.make_air_temperature(steps=0), "steps"),
        (lambda: climate.make_air_temperature(out=tmp_path / "x.csv"), ".nc"),
        (lambda: climate.make_sst(months=-1), "months"),
        (lambda: climate.make_climate_cube(resolution=0.7), "divide 180"),
        (lambda: climate.make_climate_cube(chunks={"depth": 3}), "chunks"),
        (lambda: climate.make_climate_cube(chunks={"time": 0}), "chunks"),
        (lambda: climate.make_climate_cube(out=tmp_path / "c.nc"), ".zarr"),
        (lambda: climate.make_climate_cube(seed=True), "seed"),
    ]
    for call, word in cases:
        with pytest.raises(DatasetError, match=re.escape(word)) as excinfo:
            call()
        assert_one_line_error(excinfo)
    assert list(tmp_path.iterdir()) == []
    # an existing file is never silently replaced
    target = tmp_path / "wine.data"
    target.write_text("mine\n")
    with pytest.raises(DatasetError, match="exists"):
        wine.make_wine_file(target)
    assert target.read_text() == "mine\n"
    wine.make_wine_file(target, overwrite=True)
    assert target.read_text().startswith("1,14.23,")


def test_a_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = flights.frame_flights

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(flights, "frame_flights", flaky)
    with pytest.raises(KeyboardInterrupt):
        flights.make_flights(tmp_path / "f", years=[1990, 1991], rows_per_year=500)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m bdp data ARGS`` in this process (fast); returns (status, stdout, stderr)."""
    from bdp.__main__ import main

    try:
        status = main(["data", *args])
    except SystemExit as exc:  # argparse / parser.exit
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_entries(tmp_path, capsys):
    # one real subprocess, to prove the module entry point works end to end
    env = {k: v for k, v in os.environ.items() if k != "BDP_SCALE"}
    done = subprocess.run(
        [sys.executable, "-m", "bdp", "data", "flights", "--out", str(tmp_path / "f"), "--rows", "3000", "--seed", "2"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote flights: 3,000 rows" in done.stdout
    assert sorted(p.name for p in (tmp_path / "f" / "csv").iterdir()) == [f"{y}.csv" for y in range(1990, 2000)]
    same = flights.make_flights(tmp_path / "f2", rows=3000, seed=2)
    assert digest(tmp_path / "f" / "csv") == digest(same.root / "csv")

    status, listing, _ = run_cli(capsys, "--list")
    assert status == 0
    for name in ("flights", "wine", "nyc311", "bikes", "air-temperature", "sst", "climate-cube"):
        assert re.search(rf"^{re.escape(name)}\s", listing, flags=re.M), name

    assert run_cli(capsys, "wine", "--out", str(tmp_path / "w"))[0] == 0
    assert (tmp_path / "w" / "wine.data").read_text().count("\n") == 178
    assert run_cli(capsys, "nyc311", "--out", str(tmp_path / "n"), "--rows", "2k")[0] == 0
    assert len(pd.read_csv(tmp_path / "n" / "csv" / "311-service-requests.csv")) == 2000
    assert run_cli(capsys, "bikes", "--out", str(tmp_path / "b"))[0] == 0
    assert (tmp_path / "b" / "csv" / "bikes.csv").is_file()
    assert run_cli(capsys, "sst", "--out", str(tmp_path / "s"), "--format", "netcdf")[0] == 0
    assert (tmp_path / "s" / "netcdf" / "ersstv5.nc").is_file()

    for args, word in [
        (("flights", "--out", str(tmp_path / "f")), "not empty"),  # exists: refused
        (("wine", "--out", str(tmp_path / "w3"), "--seed", "3"), "seed"),
        (("flights", "--out", str(tmp_path / "f4"), "--format", "parquet"), "format"),
        (("climate-cube", "--out", str(tmp_path / "c"), "--rows", "10"), "rows"),
    ]:
        status, _, err = run_cli(capsys, *args)
        assert status == 2, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and word in lines[0], err
    assert not any((tmp_path / name).exists() for name in ("w3", "f4", "c"))
