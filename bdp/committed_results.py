"""The course's committed benchmark results, read the way the chapters show them.

The benchmarks in ``benchmarks/`` run for minutes to hours on an idle machine, never in the book's
build; they commit their results to ``benchmarks/results/``. A chapter that quotes one reads it
from there through this module, so the page shows the measurement with its date and machine, next
to the small-scale timings the build makes itself — never an extrapolation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: where the benchmarks write (a clone of the book, or an editable install of the kit)
RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
CAPSTONE_JSON = RESULTS / "capstone_cleaning.json"
CAPSTONE_PLOT = RESULTS / "capstone_scaling.png"
#: the capstone chapter run once at BDP_SCALE=full (benchmarks/capstone_full.py)
CAPSTONE_FULL_JSON = RESULTS / "capstone_full.json"

#: The Dask pipelines the pages discuss (benchmark engine names, see
#: ``benchmarks/bench_capstone_cleaning.py``): the kit's ``clean_taxi`` on the CSV in one graph
#: (the semi-join holds every cleaned partition until the last fingerprint is known), the
#: two-pass stream (parse once into Parquet, fingerprints from its numeric columns, then clean
#: partition by partition), and what reading and writing alone cost.
DASK_IN_MEMORY = "dask-pyarrow-threads"
DASK_STREAMING = "dask-pyarrow+parquet"
DASK_FLOOR = "dask-pyarrow-threads+floor"
#: the one graph with the waiting partitions held compressed (``clean_taxi(..., compress=True)``),
#: and the stream that reads the CSV twice (numeric columns for the fingerprints, then everything)
DASK_COMPRESSED = "dask-pyarrow+compress"
DASK_CSV_TWICE = "dask-pyarrow+twopass"
#: the Dask pipelines that clean (the floor does not), for "the best Dask pipeline"
DASK_CLEANING = (DASK_IN_MEMORY, DASK_STREAMING, DASK_COMPRESSED, DASK_CSV_TWICE)
#: the engines :func:`plot_capstone` draws (the other Dask variants stay in the tables)
PLOTTED = ("pandas", "polars", "duckdb", "spark", *DASK_CLEANING, DASK_FLOOR)
LABELS = {"pandas": "pandas", "polars": "Polars", "duckdb": "DuckDB", "spark": "Spark",
          DASK_IN_MEMORY: "Dask, one graph", DASK_STREAMING: "Dask, two-pass stream",
          DASK_COMPRESSED: "Dask, one graph, held compressed",
          DASK_CSV_TWICE: "Dask, CSV read twice", DASK_FLOOR: "Dask, read + write only"}


def summarise(size: dict[str, Any]) -> list[dict[str, Any]]:
    """One size of the capstone benchmark: per engine the number of runs, best and slowest time
    of the successful runs, peak memory of all runs, the most any run spilled to disk (Dask;
    ``None`` when not recorded), the first failure, and the ratio of the best time to DuckDB's
    best (``None`` when either is missing)."""
    rows = []
    for engine, runs in size["runs"].items():
        ok = [r for r in runs if "seconds" in r]
        row: dict[str, Any] = {"engine": engine, "runs": len(runs),
                               "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
        if ok:
            row.update(best_s=min(r["seconds"] for r in ok), slowest_s=max(r["seconds"] for r in ok),
                       rows_out=ok[0]["rows_out"])
        spills = [r["spilled_mb"] for r in runs if "spilled_mb" in r]
        row["spilled_mb"] = max(spills) if spills else None
        if len(ok) < len(runs):
            row["failed"] = next(r["failed"] for r in runs if "failed" in r)
        rows.append(row)
    duck = next((r.get("best_s") for r in rows if r["engine"] == "duckdb"), None)
    for row in rows:
        row["ratio_to_duckdb"] = round(row["best_s"] / duck, 2) if duck and "best_s" in row else None
    return rows


def capstone_cleaning(path: Path = CAPSTONE_JSON) -> Any:
    """The capstone cleaning benchmark as a pandas DataFrame, one row per (rows, engine).

    Columns: ``rows``, ``engine``, ``runs``, ``best_s``, ``slowest_s``, ``peak_gb`` (process
    tree), ``ratio_to_duckdb``, ``spilled_gb`` (Dask's spill to disk, most of any run; NaN when
    not recorded), ``failed`` (reason or empty), ``date``, ``dask_memory`` (the Dask workers'
    memory limit together, empty when not recorded). ``df.attrs`` holds the
    machine and the date range of the runs.
    """
    import json

    import pandas as pd

    report = json.loads(path.read_text())
    records = []
    for size in report["sizes"].values():
        for row in summarise(size):
            records.append({
                "rows": size["rows"], "engine": row["engine"], "runs": row["runs"],
                "best_s": row.get("best_s"), "slowest_s": row.get("slowest_s"),
                "peak_gb": row["peak_rss_mb"] / 1000, "ratio_to_duckdb": row["ratio_to_duckdb"],
                "spilled_gb": (row["spilled_mb"] / 1000 if row["spilled_mb"] is not None
                               else None),
                "failed": row.get("failed", ""), "date": size["date"],
                "dask_memory": size.get("dask_memory", ""),
            })
    frame = pd.DataFrame.from_records(records).sort_values(["rows", "engine"], kind="stable")
    frame = frame.reset_index(drop=True)
    dates = sorted(frame["date"])
    frame.attrs.update(machine=report["machine"], first_date=dates[0], last_date=dates[-1])
    return frame


def plot_capstone(frame: Any, engines: tuple[str, ...] = PLOTTED) -> Any:
    """Log-log plot of :func:`capstone_cleaning`: best time and peak memory against rows, one line
    per engine of ``engines`` (dotted: Dask's read-and-write floor). Returns the figure."""
    import matplotlib.pyplot as plt

    from bdp.plots import plain_log_ticks

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    shown = frame[frame["best_s"].notna() & frame["engine"].isin(engines)]
    for engine, runs in shown.groupby("engine", sort=False):
        style = {"ls": ":" if engine.endswith("+floor") else "-", "marker": "o",
                 "label": LABELS.get(engine, engine)}
        ax_t.plot(runs["rows"], runs["best_s"], **style)
        ax_m.plot(runs["rows"], runs["peak_gb"], **style)
    sizes = sorted(shown["rows"].unique())
    for ax, label in ((ax_t, "best wall time (s)"), (ax_m, "peak memory, process tree (GB)")):
        ax.set(xscale="log", yscale="log", xlabel="rows of CSV", ylabel=label)
        ax.set_xticks(sizes, [f"{n / 1e6:g} M" for n in sizes])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        plain_log_ticks(ax)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax_t.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    machine = frame.attrs.get("machine", {})
    if machine:
        fig.suptitle(f"Capstone cleaning, CSV → clean → Parquet ({machine['cores']} cores, "
                     f"{machine['memory_gb']:.0f} GB RAM; {frame.attrs['last_date'][:10]})")
    return fig


def capstone_full(path: Path = CAPSTONE_FULL_JSON) -> dict[str, Any] | None:
    """The capstone chapter's committed run at full size (``benchmarks/capstone_full.py``): date,
    machine, rows, wall time, peak memory, the failing cell if any, and every glued value as text;
    ``None`` when no run is committed."""
    import json

    return json.loads(path.read_text()) if path.exists() else None


def side_by_side(here: dict[str, Any], there: dict[str, str], shown: dict[str, tuple[str, str]],
                 columns: tuple[str, str]) -> Any:
    """A table of glued values from two runs of one chapter, one row per name of ``shown``
    (``name: (label, format spec)``). ``here`` holds values (:func:`bdp.glue.glued`), ``there`` their
    text as a committed run recorded it; a value missing from a run shows as "—"."""
    import ast

    import pandas as pd

    def text(value: Any, spec: str) -> str:
        if value is None:
            return "—"
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            return str(value)

    def parsed(raw: str | None) -> Any:
        if raw is None:
            return None
        try:
            return ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return raw

    rows = {label: [text(here.get(name), spec), text(parsed(there.get(name)), spec)]
            for name, (label, spec) in shown.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(columns))
