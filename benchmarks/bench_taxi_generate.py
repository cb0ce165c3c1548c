"""Benchmark: generate the full-size taxi data (55 M rows) to CSV and to Parquet.

For each format it runs ``python -m bdp data taxi --rows N --format F`` in a subprocess and
records wall time, CPU time (user + system of the whole process tree), peak RSS of the process
tree (sampled with psutil every 0.1 s), bytes written and the output size. It then times the
three stages on a few partitions in-process (generate the rows / write CSV / write Parquet) so
the result says what bounds the run. Results go to ``benchmarks/results/bench_taxi_generate.md``
and ``.csv``; the generated data is deleted afterwards.

Usage::

    python benchmarks/bench_taxi_generate.py                    # 55 M rows, csv and parquet
    python benchmarks/bench_taxi_generate.py --rows 5M --formats parquet --workdir /tmp

Targets: ≤ 3 min per format and ≤ 1.5 GB peak RSS for 55 M rows.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 180.0
TARGET_RSS_GB = 1.5


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_one(rows: int, fmt: str, workdir: Path) -> dict[str, object]:
    out = workdir / f"taxi-{fmt}"
    cmd = [sys.executable, "-m", "bdp", "data", "taxi", "--rows", str(rows), "--format", fmt,
           "--out", str(out), "--no-progress"]
    env = {k: v for k, v in os.environ.items() if k != "BDP_SCALE"}
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak, cpu, written = 0, 0.0, 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(ps))
            times = ps.cpu_times()
            cpu = times.user + times.system + times.children_user + times.children_system
            written = ps.io_counters().write_bytes
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"generation failed ({proc.returncode}): {stderr.strip()}")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    files = len(list((out / fmt).iterdir()))
    shutil.rmtree(out)
    return {
        "format": fmt,
        "rows": rows,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "cpu_per_wall": round(cpu / wall, 2) if wall else 0.0,
        "peak_rss_mb": round(peak / 1e6),
        "output_mb": round(size / 1e6),
        "disk_write_mb": round(written / 1e6),
        "files": files,
        "rows_per_second": round(rows / wall),
        "load_avg_1min_before": round(load_before, 1),
        "meets_target": wall <= TARGET_SECONDS and peak / 1e9 <= TARGET_RSS_GB,
    }


def stage_profile(partitions: int = 3, rows: int = 1_000_000) -> dict[str, float]:
    """Seconds per million rows of each stage, single-threaded, in this process."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from bdp.datasets import taxi
    from bdp.datasets._write import partition_rng

    make = taxi._maker(taxi._dirt(True, {}), clean=False)
    gen = csv_w = pq_w = 0.0
    tmp = Path(tempfile.mkdtemp(prefix="bdp-bench-stage-"))
    try:
        for i in range(partitions):
            t0 = time.perf_counter()
            table = make(i, i * rows, rows, partition_rng(0, i))
            t1 = time.perf_counter()
            pacsv.write_csv(taxi._csv_view(table), tmp / "p.csv",
                            write_options=pacsv.WriteOptions(quoting_style="none", quoting_header="none"))
            t2 = time.perf_counter()
            pq.write_table(taxi._parquet_view(table), tmp / "p.parquet", compression="snappy")
            t3 = time.perf_counter()
            gen, csv_w, pq_w = gen + t1 - t0, csv_w + t2 - t1, pq_w + t3 - t2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    scale = partitions * rows / 1e6
    return {
        "generate_s_per_M": round(gen / scale, 2),
        "write_csv_s_per_M": round(csv_w / scale, 2),
        "write_parquet_s_per_M": round(pq_w / scale, 2),
    }


def parse_rows(text: str) -> int:
    text = text.strip().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    return int(float(text[:-1] if mult > 1 else text) * mult)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=parse_rows, default=55_000_000)
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--workdir", default=None, help="where to write the data (default: a temp dir)")
    ap.add_argument("--results", default=str(RESULTS))
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bdp-bench-", dir=args.workdir))
    try:
        stages = stage_profile()
        runs = [run_one(args.rows, fmt, workdir) for fmt in args.formats.split(",")]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = (f"this machine: {psutil.cpu_count()} logical cores, "
               f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}")
    with open(results / "bench_taxi_generate.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(runs[0]))
        writer.writeheader()
        writer.writerows(runs)
    lines = [
        "# Taxi generator benchmark",
        "",
        f"Measured {stamp}; {machine}. `python -m bdp data taxi --rows {args.rows:,} --format F`,",
        "one run per format, peak RSS of the process tree sampled every 0.1 s. The machine is",
        "shared: the 1-minute load average before each run is reported (2 cores → load > 2 means",
        "the generator got less than the whole machine).",
        "",
        "| format | rows | wall (s) | CPU (s) | CPU/wall | peak RSS (MB) | output (MB) | files | rows/s | load before | target met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['format']} | {r['rows']:,} | {r['wall_seconds']} | {r['cpu_seconds']} | {r['cpu_per_wall']} | "
            f"{r['peak_rss_mb']:,} | {r['output_mb']:,} | {r['files']} | {r['rows_per_second']:,} | "
            f"{r['load_avg_1min_before']} | {'yes' if r['meets_target'] else 'no'} |"
        )
    lines += [
        "",
        f"Targets: ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_RSS_GB} GB peak RSS per format.",
        "",
        "Stage profile (single thread, 3 partitions of 1 M rows, seconds per million rows):",
        "",
        "| generate rows (NumPy) | write CSV (Arrow) | write Parquet (Arrow, snappy) |",
        "|---|---|---|",
        f"| {stages['generate_s_per_M']} | {stages['write_csv_s_per_M']} | {stages['write_parquet_s_per_M']} |",
        "",
        "The writer overlaps generating partition i+1 (helper thread) with writing partition i.",
        "",
    ]
    (results / "bench_taxi_generate.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
