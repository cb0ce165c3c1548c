"""How the capstone's cleaning pipeline (CSV -> clean -> Parquet) costs in every engine, 1 M to 55 M rows.

    python benchmarks/bench_capstone_cleaning.py                  # 1M, 5M, 20M, 55M; every engine; 2 runs
    python benchmarks/bench_capstone_cleaning.py --sizes 1M,5M --repeat 3 --engines duckdb,dask-pyarrow-threads

For each size the training CSV is generated with ``bdp.datasets.make_taxi`` (one ``train.csv``, like
Kaggle's; seed 0; not timed). Every engine then applies the same five cleaning rules of
``bdp.datasets.taxi.clean_taxi`` (no missing value; both ends in the NYC box; 0 < fare <= 250 $;
1..6 passengers; no duplicate row) and writes Parquet. Each run is a fresh Python process, so one
engine's memory pools never count against the next; the parent samples the resident memory of that
process *and its children* (Dask's workers, Spark's JVM) with :class:`bdp.measure.RssSampler`, and
the child reports the wall time of the pipeline alone (start-up of a Dask cluster or of Spark's JVM
excluded). Runs are interleaved: round 1 runs every engine once, then round 2, and so on. The
cleaned row counts of all engines must agree.

Engines (``--engines``, comma separated):

* ``pandas`` — ``pd.read_csv(engine="pyarrow")`` then the kit's ``clean_taxi``: one process, in memory;
* ``polars`` (lazy ``scan_csv`` ... ``sink_parquet``), ``duckdb`` (one ``COPY ... TO``);
* ``spark`` — ``local[*]``, ``spark.driver.memory=4g``, ``dropDuplicates()``;
* ``dask-<setup>[+<flag>]`` — setup ``pyarrow-threads`` (PyArrow's CSV parser, one worker process
  with a thread per core; the course's choice), ``pyarrow`` (a single-threaded worker process per
  core) or ``c`` (pandas' C parser); the cleaning is the kit's ``clean_taxi``, whose deduplication
  is the fingerprint semi-join of ``drop_exact_duplicates``. Flags: ``+floor`` only reads and
  writes (the lower bound of any Dask pipeline; not compared on row counts), ``+parquet`` the
  two-pass stream: pass 1 parses each CSV block once, writes it to a staging Parquet dataset and
  fingerprints it (one graph; the blocks are not held), pass 2 cleans the Parquet copy partition
  by partition with the repeated fingerprints known (the capstone's order: convert, then work on
  Parquet; both passes timed), ``+twopass`` reads the CSV twice (pass 1 parses only the numeric
  columns and finds the repeated fingerprints, pass 2 streams the cleaning; both timed),
  ``+compress`` the one graph with each waiting partition held compressed in memory
  (``clean_taxi(..., compress=True)``: Arrow IPC with Zstandard), ``+keyshuffle`` the
  kit's deduplication before November 2026 (shuffle every row on ``key``), ``+alldup`` plain
  ``drop_duplicates()`` (shuffle on a hash of all eight columns) — both with Dask's default
  shuffle on a distributed cluster (P2P, which writes the pieces to disk), ``+nanny-malloc`` Dask's default
  memory allocator settings (see ``DASK_MALLOC``).

Results go to ``--out`` (default ``benchmarks/results``): ``capstone_cleaning.json`` (every run),
``capstone_cleaning.md`` (tables) and ``capstone_scaling.png`` (log-log plot), each rewritten
atomically after every run. A rerun resumes: runs already recorded for a size are not repeated
(``--force`` forgets the sizes it is given). The CSV of a size is kept in ``--workdir`` until that
size is complete.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# the cleaning rules' constants come from the course kit, like the chapter's
from bdp.datasets.taxi import CLEAN_FARE, CLEAN_LAT, CLEAN_LON, CLEAN_PASSENGERS  # noqa: E402

LON, LAT, PAX = CLEAN_LON, CLEAN_LAT, CLEAN_PASSENGERS
SIZES = "1M,5M,20M,55M"
ENGINES = ("pandas,polars,duckdb,spark,dask-pyarrow-threads+floor,dask-pyarrow-threads,"
           "dask-pyarrow-threads+keyshuffle,dask-pyarrow+floor,dask-pyarrow+parquet,"
           "dask-pyarrow+compress,dask-pyarrow+twopass")
DTYPES = {
    "key": "string[pyarrow]",
    "fare_amount": "float64",
    "pickup_datetime": "string[pyarrow]",
    "pickup_longitude": "float64",
    "pickup_latitude": "float64",
    "dropoff_longitude": "float64",
    "dropoff_latitude": "float64",
    "passenger_count": "int64",
}
#: the memory limit of the Dask workers together (``LocalCluster(memory_limit=...)`` per worker):
#: what a learner gives Dask on a 16 GB laptop. A worker that holds more spills to its local
#: disk (Dask's default thresholds: spill from 60 % of the limit, pause at 80 %).
DASK_MEMORY = "7GB"
#: Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=64 KiB, so glibc hands freed memory
#: back to the OS at once and every new partition page-faults its memory in again. The benchmark
#: gives its Dask workers glibc's behaviour for large arrays instead (keep freed memory; serve
#: arrays up to 32 MiB from the heap), like the other engines' processes, which run with their
#: own allocators. ``+nanny-malloc`` measures Dask's default.
DASK_MALLOC = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(32 << 20)}


# ------------------------------------------------------------ the kit's previous deduplication
# ``+keyshuffle``: what ``drop_exact_duplicates`` did before the fingerprint semi-join
# (November 2026): shuffle every row on ``key``, then deduplicate inside each partition.


def _drop_duplicates_here(part, key: str):
    import numpy as np

    repeated = part.duplicated(subset=key, keep=False).to_numpy()
    if not repeated.any():
        return part
    candidates = np.flatnonzero(repeated)
    drop = np.zeros(len(part), dtype=bool)
    drop[candidates[part.iloc[candidates].duplicated().to_numpy()]] = True
    return part[~drop]


def drop_exact_duplicates_keyshuffle(df, key: str = "key"):
    return df.shuffle(on=key).map_partitions(_drop_duplicates_here, key, meta=df._meta)


# --------------------------------------------------------------------------- engines (child side)


def _import_engines() -> None:
    import dask.dataframe  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def run_dask(csv: Path, out: Path, variant: str, blocksize: str, memory: str) -> float:
    import dask
    import dask.dataframe as dd
    from dask.utils import parse_bytes
    from distributed import Client, LocalCluster

    from bdp.datasets.taxi import clean_taxi, clean_taxi_mask, repeated_fingerprints

    setup, _, dedupe = variant.partition("+")
    cores = os.cpu_count() or 1
    if dedupe != "nanny-malloc":
        dask.config.set({f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in DASK_MALLOC.items()})
    workers = 1 if setup == "pyarrow-threads" else cores
    cluster = LocalCluster(n_workers=workers, threads_per_worker=cores // workers,
                           memory_limit=parse_bytes(memory) // workers, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    client.run(_import_engines)  # worker start-up, like the cluster's, is not part of the timing
    kwargs = {"engine": "pyarrow"} if setup.startswith("pyarrow") else {}
    t0 = time.perf_counter()
    # no shuffle setting: the variants that shuffle (+keyshuffle, +alldup) get Dask's default
    # on a distributed cluster, the P2P shuffle, as a learner's code would; the others do not shuffle
    df = dd.read_csv(csv, dtype=DTYPES, blocksize=blocksize, **kwargs)
    if dedupe == "parquet":  # parse once into Parquet, then two cheap passes over it
        staging = out.with_name(out.name + "-staging")
        # pass 1: each block is parsed once, written to Parquet and fingerprinted
        written = df.to_parquet(staging, write_index=False, compute=False)
        _, repeated = dask.compute(written, repeated_fingerprints(df))
        # pass 2: partition by partition, nothing waits for the others
        raw = dd.read_parquet(staging)
        clean_taxi(raw, repeated=repeated).to_parquet(out, write_index=False)
        shutil.rmtree(staging)
        cleaned = None
    elif dedupe == "twopass":  # read the CSV twice: fingerprints of its numeric columns, then stream
        numeric = [c for c, t in DTYPES.items() if not t.startswith("string")]
        first = dd.read_csv(csv, dtype={c: DTYPES[c] for c in numeric}, usecols=numeric,
                            blocksize=blocksize, **kwargs)
        repeated = repeated_fingerprints(first).compute()
        cleaned = clean_taxi(df, repeated=repeated)
    elif dedupe == "compress":  # the one graph, the waiting partitions held compressed
        cleaned = clean_taxi(df, compress=True)
    elif dedupe == "floor":  # no cleaning at all: what reading and writing alone cost
        cleaned = df
    elif dedupe == "alldup":
        cleaned = df[clean_taxi_mask(df)].drop_duplicates()
    elif dedupe == "keyshuffle":
        cleaned = drop_exact_duplicates_keyshuffle(df[clean_taxi_mask(df)])
    else:
        cleaned = clean_taxi(df)
    if cleaned is not None:
        cleaned.to_parquet(out, write_index=False)
    seconds = time.perf_counter() - t0
    spilled = sum(client.run(_spilled_bytes).values())
    client.close()
    cluster.close()
    return seconds, spilled


def _spilled_bytes(dask_worker) -> float:
    """Bytes this worker wrote to its spill directory so far (Dask's own counter)."""
    metrics = getattr(dask_worker.data, "cumulative_metrics", {})
    return float(metrics.get(("disk-write", "bytes"), 0.0))


def run_duckdb(csv: Path, out: Path) -> float:
    import duckdb

    t0 = time.perf_counter()
    with duckdb.connect() as con:
        con.sql(f"""
            COPY (
              SELECT DISTINCT * FROM read_csv('{csv}', header = true,
                  types = {{'key': 'VARCHAR', 'pickup_datetime': 'VARCHAR'}})
              WHERE COLUMNS(*) IS NOT NULL
                AND pickup_longitude BETWEEN {LON[0]} AND {LON[1]}
                AND dropoff_longitude BETWEEN {LON[0]} AND {LON[1]}
                AND pickup_latitude BETWEEN {LAT[0]} AND {LAT[1]}
                AND dropoff_latitude BETWEEN {LAT[0]} AND {LAT[1]}
                AND fare_amount > {CLEAN_FARE[0]} AND fare_amount <= {CLEAN_FARE[1]}
                AND passenger_count BETWEEN {PAX[0]} AND {PAX[1]}
            ) TO '{out}' (FORMAT parquet)""")
    return time.perf_counter() - t0


def run_polars(csv: Path, out: Path) -> float:
    import polars as pl

    t0 = time.perf_counter()
    (
        pl.scan_csv(csv, schema_overrides={"key": pl.String, "pickup_datetime": pl.String,
                                           "passenger_count": pl.Int64})
        .drop_nulls()
        .filter(
            pl.col("pickup_longitude").is_between(*LON)
            & pl.col("dropoff_longitude").is_between(*LON)
            & pl.col("pickup_latitude").is_between(*LAT)
            & pl.col("dropoff_latitude").is_between(*LAT)
            & (pl.col("fare_amount") > CLEAN_FARE[0])
            & (pl.col("fare_amount") <= CLEAN_FARE[1])
            & pl.col("passenger_count").is_between(*PAX)
        )
        .unique()
        .sink_parquet(out)
    )
    return time.perf_counter() - t0


def run_pandas(csv: Path, out: Path) -> float:
    import pandas as pd

    from bdp.datasets.taxi import clean_taxi

    t0 = time.perf_counter()
    clean_taxi(pd.read_csv(csv, dtype=DTYPES, engine="pyarrow")).to_parquet(out, index=False)
    return time.perf_counter() - t0


def run_spark(csv: Path, out: Path) -> float:
    from pyspark.sql import functions as F

    from bdp.clusters import spark_session

    spark = spark_session("bench-capstone", "local[*]", quiet=True, conf={
        "spark.driver.memory": "4g",  # local mode: the driver is the executor
        "spark.sql.shuffle.partitions": "200",  # Spark's default (the kit lowers it for small data)
    })
    schema = ", ".join(f"{c} {'STRING' if t.startswith('string') else 'DOUBLE' if t == 'float64' else 'BIGINT'}"
                       for c, t in DTYPES.items())
    spark.range(1).count()  # the JVM's start-up is not part of the timing
    t0 = time.perf_counter()
    (spark.read.csv(str(csv), header=True, schema=schema)
     .dropna()
     .where(F.col("pickup_longitude").between(*LON) & F.col("dropoff_longitude").between(*LON)
            & F.col("pickup_latitude").between(*LAT) & F.col("dropoff_latitude").between(*LAT)
            & (F.col("fare_amount") > CLEAN_FARE[0]) & (F.col("fare_amount") <= CLEAN_FARE[1])
            & F.col("passenger_count").between(*PAX))
     .dropDuplicates()
     .write.mode("overwrite").parquet(str(out)))
    seconds = time.perf_counter() - t0
    spark.stop()
    return seconds


RUNNERS = {"pandas": run_pandas, "polars": run_polars, "duckdb": run_duckdb, "spark": run_spark}
DASK_SETUPS = ("c", "pyarrow", "pyarrow-threads")
DASK_FLAGS = ("", "floor", "twopass", "compress", "parquet", "keyshuffle", "alldup", "nanny-malloc")


def check_engine(engine: str) -> str:
    """``engine`` if the benchmark knows it, else a ``ValueError`` saying what it knows."""
    setup, _, flag = engine.removeprefix("dask-").partition("+")
    if engine in RUNNERS or (engine.startswith("dask-") and setup in DASK_SETUPS and flag in DASK_FLAGS):
        return engine
    raise ValueError(f"unknown engine {engine!r} (known: {', '.join(RUNNERS)}, "
                     f"dask-<{'|'.join(DASK_SETUPS)}>[+{'|+'.join(f for f in DASK_FLAGS if f)}])")


def check_memory(text: str) -> int:
    """Bytes in ``text`` ("7GB", "6 GiB"), or a ``ValueError`` saying what is expected."""
    from dask.utils import parse_bytes

    try:
        value = parse_bytes(text)
    except (ValueError, TypeError):
        value = 0
    if value < 2**30:
        raise ValueError(f"not a memory limit of at least 1 GiB: {text!r} (write 7GB or 6GiB)")
    return value


def child(engine: str, csv: Path, out: Path, blocksize: str, memory: str) -> None:
    extra = {}
    if engine.startswith("dask-"):
        seconds, spilled = run_dask(csv, out, engine.removeprefix("dask-"), blocksize, memory)
        extra["spilled_mb"] = round(spilled / 1e6, 1)
    else:
        seconds = RUNNERS[engine](csv, out)
    import pyarrow.dataset as pads

    rows = pads.dataset(out, format="parquet").count_rows()
    print(json.dumps({"seconds": seconds, "rows_out": rows, **extra}))


# --------------------------------------------------------------------------- parent side


def parse_rows(text: str) -> int:
    """``"55M"``, ``"500k"``, ``"1_000_000"`` -> a positive number of rows."""
    match = re.fullmatch(r"\s*([\d_]+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"not a number of rows: {text!r} (write 1M, 500k or 1_000_000)")
    rows = int(float(match[1].replace("_", "")) * {"": 1, "k": 1e3, "m": 1e6}[match[2].lower()])
    if rows < 1000:
        raise ValueError(f"too few rows: {text!r} (at least 1k)")
    return rows


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def run_engine(engine: str, csv: Path, work: Path, blocksize: str, memory: str) -> dict:
    """One run of ``engine`` in a fresh process: its time, output rows and the tree's peak memory."""
    from bdp.measure import MB, RssSampler

    target = work / (f"out-{engine}" if engine.startswith(("dask-", "spark")) else f"out-{engine}.parquet")
    _remove(target)
    cmd = [sys.executable, __file__, "--child", engine, "--csv", str(csv), "--target", str(target),
           "--blocksize", blocksize, "--dask-memory", memory]
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with RssSampler(interval=0.05, pid=proc.pid) as sampler:
        stdout, stderr = proc.communicate()
    _remove(target)
    _remove(target.with_name(target.name + "-staging"))  # left by a run that failed midway
    peak = round(sampler.peak / MB, 1)
    if proc.returncode != 0:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        reason = "killed (out of memory?)" if proc.returncode < 0 else (lines[-1] if lines else "no message")
        return {"engine": engine, "failed": reason[:300], "peak_rss_mb": peak}
    result = json.loads(stdout.strip().splitlines()[-1])
    return {"engine": engine, "seconds": round(result["seconds"], 2), "rows_out": result["rows_out"],
            "peak_rss_mb": peak, **({"spilled_mb": result["spilled_mb"]} if "spilled_mb" in result else {})}


def check_counts(size: dict) -> None:
    counts = {r["rows_out"] for e, runs in size["runs"].items() for r in runs
              if "rows_out" in r and not e.endswith("+floor")}
    if len(counts) > 1:
        raise SystemExit(f"engines disagree on the cleaned row count at {size['rows']:,} rows: {sorted(counts)}")


def markdown(report: dict) -> str:
    from bdp.committed_results import summarise

    m = report["machine"]
    lines = [
        "# Capstone cleaning benchmark: CSV -> clean -> Parquet, 1 M to 55 M rows",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']:.0f} GB RAM, Python {m['python']}, "
        f"{m['platform']}; shared (load averages below). Each run is a fresh process; time of the "
        "pipeline alone (Dask cluster and Spark JVM start-up excluded); peak RSS of the whole "
        "process tree. Command: `python benchmarks/bench_capstone_cleaning.py`.",
        "",
    ]
    for key in sorted(report["sizes"], key=int):
        size = report["sizes"][key]
        rows = summarise(size)
        out = next((r["rows_out"] for r in rows if "rows_out" in r and not r["engine"].endswith("+floor")), None)
        lines += [
            f"## {size['rows']:,} rows ({size['csv_mb']:,.0f} MB of CSV)",
            "",
            f"{size['date']}; {out or 0:,} clean rows; runs interleaved; 1-min load average "
            f"{min(size['loads']):.1f}–{max(size['loads']):.1f} during the runs"
            + (f"; Dask's workers limited to {size['dask_memory']} together, spilling to disk "
               "beyond it." if "dask_memory" in size else "."),
            "",
            "| engine | runs | best (s) | slowest (s) | peak RSS, process tree (MB) | best ÷ DuckDB's "
            "| spilled to disk, most (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            spilled = f"{r['spilled_mb']:,.0f}" if r.get("spilled_mb") is not None else "–"
            if "best_s" in r:
                ratio = f"{r['ratio_to_duckdb']:.2f}" if r["ratio_to_duckdb"] is not None else "–"
                lines.append(f"| {r['engine']} | {r['runs']} | {r['best_s']:.1f} | {r['slowest_s']:.1f} | "
                             f"{r['peak_rss_mb']:.0f} | {ratio} | {spilled} |")
            else:
                lines.append(f"| {r['engine']} | {r['runs']} | failed: {r['failed']} | | "
                             f"{r['peak_rss_mb']:.0f} | | {spilled} |")
        lines.append("")
    return "\n".join(lines)


def plot(json_path: Path, path: Path) -> None:
    """The kit's log-log plot of the results, written atomically as PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bdp.committed_results import capstone_cleaning, plot_capstone
    from bdp.datasets._write import write_bytes_atomically

    fig = plot_capstone(capstone_cleaning(json_path))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_bytes_atomically(path, buffer.getvalue())


def save(report: dict, out: Path) -> None:
    from bdp.datasets._write import write_text_atomically

    write_text_atomically(out / "capstone_cleaning.json", json.dumps(report, indent=1) + "\n")
    write_text_atomically(out / "capstone_cleaning.md", markdown(report))
    plot(out / "capstone_cleaning.json", out / "capstone_scaling.png")


def machine() -> dict:
    import psutil

    return {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
            "python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES, help=f"rows per size, comma separated (default {SIZES})")
    parser.add_argument("--engines", default=ENGINES, help=f"comma separated (default {ENGINES})")
    parser.add_argument("--repeat", type=int, default=2, help="runs per engine and size, interleaved (default 2)")
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "bdp" / "bench-capstone",
                        help="where the CSVs and outputs go (default ~/.cache/bdp/bench-capstone)")
    parser.add_argument("--keep-data", action="store_true", help="keep each size's CSV after its runs")
    parser.add_argument("--force", action="store_true", help="forget earlier results of these sizes")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--blocksize", default="64MB", help="Dask's CSV block size (default 64MB)")
    parser.add_argument("--dask-memory", default=DASK_MEMORY,
                        help=f"memory limit of all Dask workers together (default {DASK_MEMORY})")
    parser.add_argument("--report", action="store_true",
                        help="only rewrite the table and the plot from the results file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.csv, args.target, args.blocksize, args.dask_memory)
        return 0
    try:
        sizes = sorted({parse_rows(s) for s in args.sizes.split(",") if s.strip()})
        engines = list(dict.fromkeys(check_engine(e.strip()) for e in args.engines.split(",") if e.strip()))
        check_memory(args.dask_memory)
    except ValueError as exc:
        parser.error(str(exc))
    if not sizes or not engines:
        parser.error("give at least one size and one engine")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    from tqdm.auto import tqdm

    from bdp.datasets.taxi import make_taxi

    path = args.out / "capstone_cleaning.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    if args.report:
        if not report.get("sizes"):
            parser.error(f"no results to report in {path}")
        save(report, args.out)
        print((args.out / "capstone_cleaning.md").read_text())
        return 0
    if report.get("version") != 2:
        report = {"version": 2, "sizes": {}}
    report["machine"] = machine()
    if args.force:
        for rows in sizes:
            report["sizes"].pop(str(rows), None)
    todo = {rows: [(round_, e) for round_ in range(args.repeat) for e in engines
                   if len(report["sizes"].get(str(rows), {}).get("runs", {}).get(e, [])) <= round_]
            for rows in sizes}
    bar = tqdm(total=sum(map(len, todo.values())), unit="run", desc="capstone benchmark")
    for rows in sizes:
        if not todo[rows]:
            continue
        work = args.workdir / f"{rows}"
        csv = work / "data" / "csv" / "train.csv"
        if not csv.exists():
            bar.set_postfix_str(f"generating {rows:,} rows")
            make_taxi(work / "data", rows=rows, seed=0, single_file=True, progress=False, overwrite=True)
        size = report["sizes"].setdefault(str(rows), {"rows": rows, "runs": {}, "loads": []})
        size.update(csv_mb=round(csv.stat().st_size / 1e6, 1), blocksize=args.blocksize,
                    dask_memory=args.dask_memory,
                    date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
        for round_, engine in todo[rows]:
            bar.set_postfix_str(f"{rows:,} rows, round {round_ + 1}, {engine}")
            result = run_engine(engine, csv, work, args.blocksize, args.dask_memory)
            size["runs"].setdefault(engine, []).append(result)
            size["loads"].append(round(os.getloadavg()[0], 1))
            check_counts(size)
            save(report, args.out)
            bar.update()
            tqdm.write(f"{rows:>11,} {engine:34s} " + (f"{result['seconds']:8.1f} s" if "seconds" in result
                       else f"failed: {result['failed']}") + f"  peak {result['peak_rss_mb']:7.0f} MB")
        if not args.keep_data:
            shutil.rmtree(work, ignore_errors=True)
    bar.close()
    print((args.out / "capstone_cleaning.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
