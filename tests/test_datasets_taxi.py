"""The taxi-fare and yellow-taxi generators: schema, dirt, fare model, calibration, determinism."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from bdp.datasets import DatasetError
from bdp.datasets import schemas as S
from bdp.datasets import taxi as T
from bdp.datasets import yellow as Y

# pandera tries PySpark's pandas API on first use; with pandas 3 that warns (and fails harmlessly)
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return T.taxi_frame(200_000, seed=3)


def sha(paths) -> list[str]:
    return [hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths]


# ---------------------------------------------------------------------------------- files


def test_files_read_back_with_the_schemas(tmp_path):
    ds = T.make_taxi(tmp_path / "taxi", rows=20_000, seed=1, formats="csv,parquet", progress=False)
    assert ds.rows == 20_000 and len(ds.files["csv"]) == 1
    from_csv = pd.concat([pd.read_csv(p) for p in ds.files["csv"]], ignore_index=True)
    S.TAXI.validate(from_csv)
    assert list(from_csv.columns) == list(T.COLUMNS)
    from_parquet = pq.read_table(ds.dir("parquet")).to_pandas()
    S.TAXI_PARQUET.validate(from_parquet)
    # same rows in both formats, and the in-memory helper follows the same code path
    pd.testing.assert_frame_equal(from_csv, T.taxi_frame(20_000, seed=1), check_dtype=False)
    stamps = pd.to_datetime(from_csv.pickup_datetime, format="%Y-%m-%d %H:%M:%S UTC", utc=True)
    assert (stamps.dt.as_unit("ms") == from_parquet.pickup_datetime).all()
    np.testing.assert_array_equal(from_csv.fare_amount, from_parquet.fare_amount)
    # the first line looks like Kaggle's train.csv
    header, first = ds.files["csv"][0].read_text().splitlines()[:2]
    assert header == ",".join(T.COLUMNS)
    key, fare, when = first.split(",")[:3]
    assert key.startswith(when.removesuffix(" UTC") + ".") and when.endswith(" UTC")


def test_test_split_is_clean_labelled_and_separate(tmp_path):
    ds = T.make_taxi_test(tmp_path / "test", rows=5000, seed=0, progress=False)
    assert [p.name for p in ds.files["csv"]] == ["test.csv"]
    test = pd.read_csv(ds.files["csv"][0])
    S.TAXI_TEST.validate(test)
    assert test.fare_amount.notna().all()
    assert len(T.clean_taxi(test)) == len(test)
    train = T.taxi_frame(5000, seed=0)
    assert not set(test.pickup_datetime) & set(train.pickup_datetime[:100])
    with pytest.raises(DatasetError, match="takes no dirt"):
        T.taxi_frame(10, test=True, zero_coords=0.1)


def test_byte_identical_for_the_same_arguments(tmp_path):
    kw = dict(rows=120_000, seed=5, formats=("csv", "parquet"), progress=False)
    a = T.make_taxi(tmp_path / "a", **kw)
    b = T.make_taxi(tmp_path / "b", **kw)
    c = T.make_taxi(tmp_path / "c", **{**kw, "seed": 6})
    for fmt in ("csv", "parquet"):
        assert len(a.files[fmt]) == 3
        assert sha(a.files[fmt]) == sha(b.files[fmt])
        assert sha(a.files[fmt]) != sha(c.files[fmt])
    one = T.make_taxi(tmp_path / "one", single_file=True, **kw)
    assert [p.name for p in one.files["csv"]] == ["train.csv"]
    lines = one.files["csv"][0].read_bytes().splitlines()
    parts = b"".join(p.read_bytes() for p in a.files["csv"]).splitlines()
    assert lines == [parts[0]] + [x for x in parts if x != parts[0]]  # same rows, one header
    y1 = Y.make_yellow(tmp_path / "y1", rows=30_000, seed=2, progress=False)
    y2 = Y.make_yellow(tmp_path / "y2", rows=30_000, seed=2, progress=False)
    assert sha(y1.files["parquet"]) == sha(y2.files["parquet"])


def test_bad_arguments(tmp_path):
    cases = [
        (dict(rows=0), "rows must be a positive integer"),
        (dict(rows=2.5), "rows must be a positive integer"),
        (dict(seed=-1), "seed must be an integer"),
        (dict(formats="json"), "unknown format"),
        (dict(single_file="yes"), "single_file must be True or False"),
        (dict(dirty=1), "dirty must be True or False"),
        (dict(zero_coords=1.5), "zero_coords must be a number in [0, 1]"),
        (dict(zero_coords="high"), "zero_coords must be a number in [0, 1]"),
        (dict(bogus_rate=0.1), "unknown dirt rate 'bogus_rate'"),
    ]
    for kwargs, fragment in cases:
        with pytest.raises(DatasetError) as info:
            T.make_taxi(tmp_path / "x", **{"rows": 10, "progress": False, **kwargs})
        assert fragment in str(info.value) and "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_default_sizes_follow_bdp_scale(monkeypatch):
    from bdp.datasets._write import resolve_rows

    monkeypatch.delenv("BDP_SCALE", raising=False)
    assert resolve_rows(None, T.SMALL_ROWS, T.FULL_ROWS) == 300_000
    monkeypatch.setenv("BDP_SCALE", "full")
    assert resolve_rows(None, T.SMALL_ROWS, T.FULL_ROWS) == 55_000_000
    assert resolve_rows(1234, T.SMALL_ROWS, T.FULL_ROWS) == 1234


# ---------------------------------------------------------------------------------- content


def test_dirt_at_the_default_rates(frame):
    n = len(frame)
    zero = (frame.pickup_longitude == 0) | (frame.dropoff_longitude == 0)
    assert 0.017 < zero.mean() < 0.023  # ~2 %
    assert frame.dropoff_longitude.isna().sum() == frame.dropoff_latitude.isna().sum()
    swapped = frame.pickup_longitude.between(40.4, 41.0) & frame.pickup_latitude.between(-74.4, -73.6)
    assert 0.2 * 5e-4 * n < swapped.sum() < 3 * 5e-4 * n
    far = (frame.pickup_longitude - frame.dropoff_longitude).abs().ge(5) & ~zero & ~swapped
    assert far.sum() >= 5  # absurd coordinates, off by 5..3000 degrees
    assert (frame.fare_amount < 0).sum() >= 1 and (frame.fare_amount > 500).sum() >= 1
    assert frame.passenger_count.isin([51, 129, 208]).sum() >= 1
    assert 0.002 < (frame.passenger_count == 0).mean() < 0.005  # genuine zeros (0.35 %)
    assert frame.duplicated().sum() >= 1
    assert frame.pickup_datetime.min() >= "2009-01-01" and frame.pickup_datetime.max() < "2015-07-01"
    kept = len(T.clean_taxi(frame)) / n
    assert 0.97 < kept < 0.98


def test_dirt_rates_are_tunable():
    rates = dict(zero_coords=0.0, swapped_coords=0.05, negative_fare=0.05, huge_fare=0.0,
                 duplicates=0.05, missing_dropoff=0.05, absurd_passengers=0.05, absurd_coords=0.0)
    df = T.taxi_frame(40_000, seed=1, **rates)
    assert (df.pickup_longitude == 0).sum() == 0 and (df.fare_amount > 500).sum() == 0
    for share in [
        (df.fare_amount < 0).mean(),
        df.dropoff_longitude.isna().mean(),
        df.passenger_count.isin([51, 129, 208]).mean(),
        df.pickup_longitude.gt(0).mean(),
    ]:
        assert 0.04 < share < 0.06
    assert 0.04 < df.duplicated(keep=False).mean() < 0.11
    clean = T.taxi_frame(40_000, seed=1, dirty=False)
    assert len(T.clean_taxi(clean)) == len(clean) - (clean.passenger_count == 0).sum()


def test_fare_model_structure(frame):
    df = T.clean_taxi(frame)
    S.TAXI_CLEAN.validate(df)
    when = pd.to_datetime(df.pickup_datetime, format="%Y-%m-%d %H:%M:%S UTC")
    after = when >= "2012-09-04"
    # JFK <-> Manhattan flat rates: 45 $ before the change, 52 $ after
    before_counts = df.fare_amount[~after].value_counts()
    after_counts = df.fare_amount[after].value_counts()
    assert before_counts[45.0] > 100 and after_counts[52.0] > 100
    assert before_counts[45.0] > 10 * before_counts.get(44.9, 1)  # a spike, not the meter
    assert after_counts[52.0] > 5 * after_counts.get(51.5, 1) and after_counts[52.0] > 5 * after_counts[45.0]
    # metered fares: 10-cent steps before, 50-cent steps after the change
    assert np.allclose((df.fare_amount[after] * 2) % 1, 0)
    assert (df.fare_amount[~after] * 2 % 1 != 0).mean() > 0.5
    # fare per mile rises by ~17 % after the change
    miles = T.taxi_features(df).dist_miles
    short = miles.between(0.8, 2.0) & (df.fare_amount < 40)
    ratio = df.fare_amount[short & after].median() / df.fare_amount[short & ~after].median()
    assert 1.10 < ratio < 1.25
    # demand is lowest around 5 am and highest in the evening; most pickups are in Manhattan
    hours = when.dt.hour.value_counts(normalize=True)
    assert hours.idxmin() in (3, 4, 5) and hours.idxmax() in range(17, 24)
    manhattan = df.pickup_longitude.between(-74.02, -73.93) & df.pickup_latitude.between(40.70, 40.82)
    assert manhattan.mean() > 0.7
    assert 9 < df.fare_amount.median() < 12 and 12 < df.fare_amount.mean() < 16


def test_clean_taxi_rules():
    df = pd.DataFrame(
        {
            "key": list("abcdefgh"),
            "fare_amount": [10.0, -3.0, 600.0, 10.0, 10.0, 10.0, 10.0, 10.0],
            "pickup_datetime": ["2010-01-01 00:00:00 UTC"] * 8,
            "pickup_longitude": [-73.98, -73.98, -73.98, 0.0, 40.75, -73.98, -73.98, -73.98],
            "pickup_latitude": [40.75, 40.75, 40.75, 0.0, -73.98, 40.75, 40.75, 40.75],
            "dropoff_longitude": [-73.97, -73.97, -73.97, -73.97, -73.97, np.nan, -73.97, -73.97],
            "dropoff_latitude": [40.76, 40.76, 40.76, 40.76, 40.76, np.nan, 40.76, 40.76],
            "passenger_count": [1, 1, 1, 1, 1, 1, 208, 0],
        }
    )
    dup = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    assert T.clean_taxi(dup).key.tolist() == ["a"]


def test_yellow(tmp_path):
    ds = Y.make_yellow(
        tmp_path / "y", rows=60_000, seed=0, formats=("csv", "parquet"), progress=False, partition_rows=15_000
    )
    assert len(ds.files["parquet"]) == 4
    parts = [pq.read_table(p).to_pandas() for p in ds.files["parquet"]]
    df = pd.concat(parts, ignore_index=True)
    S.YELLOW.validate(df)
    assert list(df.columns) == list(Y.YELLOW_COLUMNS)
    S.YELLOW_CSV.validate(pd.concat([pd.read_csv(p) for p in ds.files["csv"]], ignore_index=True))
    # parts are consecutive, sorted slices of 2015 (so min/max statistics allow skipping files)
    assert all(p.tpep_pickup_datetime.is_monotonic_increasing for p in parts)
    assert all(a.tpep_pickup_datetime.max() <= b.tpep_pickup_datetime.min() for a, b in zip(parts, parts[1:]))
    assert df.tpep_pickup_datetime.dt.year.eq(2015).all()
    stats = pq.ParquetFile(ds.files["parquet"][1]).metadata.row_group(0).column(1).statistics
    assert stats.has_min_max and stats.min > parts[0].tpep_pickup_datetime.max()
    shares = df.payment_type.value_counts(normalize=True)
    assert 0.57 < shares[1] < 0.63 and 0.36 < shares[2] < 0.42
    assert (df.tip_amount[df.payment_type == 2] == 0).all()
    tip_rate = (df.tip_amount / df.fare_amount)[df.payment_type == 1].mean()
    assert 0.15 < tip_rate < 0.21
    assert (df.mta_tax == 0.5).all() and (df.improvement_surcharge == 0.3).all()
    assert (df.RatecodeID == 2).sum() > 0 and (df.fare_amount[df.RatecodeID == 2] == 52).all()
    assert 0.01 < (df.pickup_longitude == 0).mean() < 0.02
    with pytest.raises(DatasetError, match="zero_coords"):
        Y.make_yellow(tmp_path / "bad", rows=10, zero_coords=2)
    assert not (tmp_path / "bad").exists()


# ---------------------------------------------------------------------------------- calibration


def test_calibrated_targets_hold_at_a_small_size():
    """Recompute the reference RMSEs on 100 k rows and compare with TAXI_TARGETS (1 M rows)."""
    got = T.calibrate_taxi(rows=100_000, test_rows=20_000, seed=0, gbm_iter=60, threads=1)
    want = T.TAXI_TARGETS
    assert all(math.isfinite(v) for v in want.as_dict().values())
    assert abs(got["mean_rmse"] - want.mean_rmse) < 0.08 * want.mean_rmse
    assert abs(got["linear_rmse"] - want.linear_rmse) < 0.08 * want.linear_rmse
    # less data and fewer boosting rounds can make boosting a little worse, hardly better
    assert want.gbm_rmse - 0.15 < got["gbm_rmse"] < want.gbm_rmse + 0.45
    assert want.travel_gbm_rmse - 0.15 < got["travel_gbm_rmse"] < want.travel_gbm_rmse + 0.35
    assert abs(got["kept_fraction"] - want.kept_fraction) < 0.005
    # the storyline: the linear baseline lands near 5 $, non-linear models near 3-4.5 $
    assert 4.5 < got["linear_rmse"] < 5.7 and 3.0 < got["gbm_rmse"] < 4.2
    assert got["gbm_rmse"] < got["travel_gbm_rmse"] < want.model_pass < got["linear_rmse"] < want.linear_pass


def _frame_with_traps(seed: int) -> pd.DataFrame:
    """Taxi rows with true duplicates plus the two near misses a fingerprint must not drop."""
    frame = T.taxi_frame(20_000, seed=seed, duplicates=0.02)
    same_key = frame.iloc[[5]].assign(fare_amount=frame.fare_amount.iloc[5] + 1.0)  # same key, other fare
    same_numbers = frame.iloc[[6]].assign(key="another trip")  # every number equal, other key
    return pd.concat([frame, same_key, same_numbers, frame.iloc[[7, 7]]], ignore_index=True)


def test_drop_exact_duplicates_equals_drop_duplicates():
    frame = _frame_with_traps(3)
    expected = frame.drop_duplicates()
    assert len(expected) < len(frame) - 300  # the case is not trivial
    pd.testing.assert_frame_equal(T.drop_exact_duplicates(frame), expected)
    # any subset nominates candidates (the key alone, or a single column): same rows kept
    for subset in (["key"], ["passenger_count"]):
        pd.testing.assert_frame_equal(T.drop_exact_duplicates(frame, subset=subset), expected)


def test_drop_exact_duplicates_on_dask_is_a_semi_join():
    import dask
    import dask.dataframe as dd

    frame = _frame_with_traps(5)
    calls = []

    def source(part):  # counts how often each partition of the source is computed
        calls.append(len(part))
        return part

    ddf = dd.from_pandas(frame, npartitions=6).map_partitions(source, meta=frame)
    with dask.config.set(scheduler="synchronous"):
        got = T.drop_exact_duplicates(ddf).compute()
    assert len(calls) == 6, "the source is computed once, not once per branch"
    order = list(frame.columns)
    pd.testing.assert_frame_equal(
        got.sort_values(order).reset_index(drop=True),
        frame.drop_duplicates().sort_values(order).reset_index(drop=True),
        check_dtype=False)  # Dask stores text as string[pyarrow] (missing = pd.NA)
    # no shuffle: the graph has no shuffle task, and only candidates are gathered (one extra partition)
    deduped = T.drop_exact_duplicates(dd.from_pandas(frame, npartitions=6))
    assert deduped.npartitions == 7
    assert not any("shuffle" in str(k) for k in deduped.__dask_graph__())


def test_drop_exact_duplicates_on_dask_hashes_each_row_once(monkeypatch):
    """The fingerprints travel with the partition: the reduction, the kept rows and the
    candidates all read them, so no row is hashed twice."""
    import dask
    import dask.dataframe as dd

    frame = _frame_with_traps(5)
    hashed = []
    real = T.fingerprints

    def counting(df, cols):
        hashed.append(len(df))
        return real(df, cols)

    monkeypatch.setattr(T, "fingerprints", counting)
    with dask.config.set(scheduler="synchronous"):
        got = T.drop_exact_duplicates(dd.from_pandas(frame, npartitions=6)).compute()
    assert sum(hashed) == len(frame)
    assert len(got) == len(frame.drop_duplicates())
    assert T.FINGERPRINT not in got.columns


def test_precomputed_repeated_fingerprints_stream_and_keep_the_same_rows():
    """Two passes (fingerprints first, then the rows): the same rows, and partitions stream."""
    import dask
    import dask.dataframe as dd

    frame = _frame_with_traps(5)
    ddf = dd.from_pandas(frame, npartitions=6)
    repeated = T.repeated_fingerprints(ddf).compute()
    np.testing.assert_array_equal(np.sort(repeated.to_numpy()), T.repeated_fingerprints(frame))
    calls = []

    def source(part):  # counts how often each partition of the source is computed
        calls.append(len(part))
        return part

    streamed = T.drop_exact_duplicates(ddf.map_partitions(source, meta=frame), repeated=repeated)
    # the fingerprints are an input, not a branch of the graph: no partition waits for the others
    assert not any("reduction" in str(k) for k in streamed.__dask_graph__())
    assert any("reduction" in str(k) for k in T.drop_exact_duplicates(ddf).__dask_graph__())
    with dask.config.set(scheduler="synchronous"):
        got = streamed.compute()
    assert len(calls) == 6
    order = list(frame.columns)
    expected = frame.drop_duplicates().sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.sort_values(order).reset_index(drop=True), expected,
                                  check_dtype=False)
    # fingerprints of a larger frame (before cleaning) are a superset: still exact
    raw = T.taxi_frame(20_000, seed=4, duplicates=0.02)
    before = T.repeated_fingerprints(dd.from_pandas(raw, npartitions=4)).compute()
    with dask.config.set(scheduler="synchronous"):
        cleaned = T.clean_taxi(dd.from_pandas(raw, npartitions=4), repeated=before).compute()
    pd.testing.assert_frame_equal(cleaned.sort_values(order).reset_index(drop=True),
                                  T.clean_taxi(raw).sort_values(order).reset_index(drop=True),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(T.clean_taxi(raw, repeated=T.repeated_fingerprints(raw)),
                                  T.clean_taxi(raw))


def test_repeated_values_finds_values_across_parts():
    a, b = np.array([1, 3, 5], dtype=np.uint64), np.array([2, 3, 9, 9], dtype=np.uint64)
    assert T.repeated_values(a, b).tolist() == [3, 9]
    assert T.repeated_values(np.array([], dtype=np.uint64)).tolist() == []


def test_drop_exact_duplicates_on_dask_keeps_the_same_rows():
    import dask
    import dask.dataframe as dd

    frame = T.taxi_frame(20_000, seed=4, duplicates=0.02)
    ddf = dd.from_pandas(frame, npartitions=5)
    with dask.config.set(scheduler="synchronous", **{"dataframe.shuffle.method": "tasks"}):
        got = T.clean_taxi(ddf).compute()
    expected = T.clean_taxi(frame)
    order = list(frame.columns)
    pd.testing.assert_frame_equal(
        got.sort_values(order).reset_index(drop=True), expected.sort_values(order).reset_index(drop=True),
        check_dtype=False,  # Dask stores text as string[pyarrow] (missing = pd.NA)
    )


def test_compressed_hold_keeps_the_same_rows_and_reads_the_source_once():
    """``compress=True``: the waiting partitions are held as compressed Arrow IPC; the rows, their
    order, index and dtypes are those of the uncompressed semi-join."""
    import dask
    import dask.dataframe as dd

    frame = _frame_with_traps(7)
    calls = []

    def source(part):
        calls.append(len(part))
        return part

    ddf = dd.from_pandas(frame, npartitions=6).map_partitions(source, meta=frame)
    with dask.config.set(scheduler="synchronous"):
        packed = T.drop_exact_duplicates(ddf, compress=True).compute()
        assert len(calls) == 6, "the source is computed once"
        plain = T.drop_exact_duplicates(dd.from_pandas(frame, npartitions=6)).compute()
    pd.testing.assert_frame_equal(packed, plain)
    order = list(frame.columns)
    pd.testing.assert_frame_equal(
        packed.sort_values(order).reset_index(drop=True),
        frame.drop_duplicates().sort_values(order).reset_index(drop=True), check_dtype=False)
    # clean_taxi passes it on, and partitions without any row survive
    raw = T.taxi_frame(5_000, seed=2, duplicates=0.05)
    empty_too = pd.concat([raw, raw.iloc[:0]])
    with dask.config.set(scheduler="synchronous"):
        got = T.clean_taxi(dd.from_pandas(empty_too, npartitions=4), compress=True).compute()
    assert len(got) == len(T.clean_taxi(raw))


def test_repeated_fingerprints_range_by_range_equal_one_sort():
    rng = np.random.default_rng(3)
    top = np.uint64(2**64 - 1)
    parts = [rng.integers(0, top, 2_000, dtype=np.uint64, endpoint=True) for _ in range(5)]
    edges = [np.uint64(b * (2**64 // 64)) for b in range(64)]  # values on the ranges' edges
    parts[1] = np.r_[parts[1], parts[0][:7], edges[:10], top, np.uint64(0)]
    parts[3] = np.r_[parts[3], edges[5:12], top, np.uint64(0), parts[2][-3:]]
    parts = [np.sort(p) for p in parts]
    want = T.repeated_values(*parts)
    assert len(want) >= 7 + 5 + 2 + 3
    for buckets in (1, 3, 64):
        got = T.repeated_across(parts, buckets=buckets)
        np.testing.assert_array_equal(np.sort(got), want)
    assert T.repeated_across([]).size == 0


def test_is_repeated_has_no_false_hits():
    rng = np.random.default_rng(4)
    prints = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64, endpoint=True)
    repeated = prints[rng.integers(0, len(prints), 40)]
    # prints that share their low 16 bits with a repeated one, but are not repeated
    twins = (repeated ^ np.uint64(1 << 40))
    everything = np.r_[prints, twins]
    np.testing.assert_array_equal(T._is_repeated(everything, repeated), np.isin(everything, repeated))
    assert not T._is_repeated(everything, []).any()


def test_without_rows_cuts_out_exactly_the_positions():
    frame = T.taxi_frame(1_000, seed=1)
    for drop in ([], [0], [999], [0, 1, 2], [5, 6, 500, 998, 999], list(range(1_000))):
        keep = np.ones(len(frame), dtype=bool)
        keep[drop] = False
        pd.testing.assert_frame_equal(T._without_rows(frame, np.array(drop, dtype=np.int64)),
                                      frame[keep])
