"""Screenshots of a real Dask dashboard while it runs a computation of ``day4/31_dask``.

    python benchmarks/dashboard_screenshot.py                 # rewrites the chapter's two figures
    python benchmarks/dashboard_screenshot.py --out /tmp/dash --rows 1M --pages status

Rerun it after a Dask or Bokeh upgrade, then update the capture date in the chapter's captions
(``tests/test_dashboard_screenshot.py`` fails until the captions and the images agree). It takes
about a minute on a 2-core machine, offline:

1. generates ``--rows`` taxi rides (default 4 M, seed 42) as 40 Parquet part files in a
   temporary folder, with :func:`bdp.datasets.make_taxi`;
2. starts a :class:`distributed.LocalCluster` shaped like the chapter's client — two worker
   processes of one thread each, 1 GiB each — with its scheduler, workers and dashboard bound to
   127.0.0.1;
3. opens each of ``--pages`` (default ``status`` and ``graph``) of the dashboard in Debian's
   headless Chromium (driven by Selenium with the system chromedriver, as
   ``tests/test_browser.py`` does) at exactly ``--width`` × ``--height`` CSS pixels, with every
   host name but 127.0.0.1 unresolvable: the dashboard serves its own Bokeh scripts, and the run
   fails if a page asked for anything from elsewhere;
4. submits the chapter's kind of work as one graph: ``read_parquet`` → a plain pandas function
   per partition (``map_partitions`` with ``meta``: the capstone's cleaning rules 1-4, the
   great-circle distance, the pickup hour) → ``persist`` on the workers, and from those persisted
   partitions the mean fare, mean distance and ride count per ``passenger_count`` (a tree
   reduction, ``split_out=1``);
5. captures every page once ``--at`` of the persisted partitions are in memory, and keeps the
   images only if the result was still being computed when the last one returned — task stream,
   progress bars, memory per worker and task states all caught mid-run. On a busy machine a
   screenshot can take seconds; a run that ended too soon is tried again on a fresh cluster (3
   attempts). The result is then checked against pandas on the same files;
6. writes ``dask_dashboard_<page>.png`` to ``--out`` (default ``day4/images``) atomically, with
   the capture date, the command, the versions and the cluster's state at capture time (task
   stream records, bytes spilled) in PNG text chunks (``Creation Time``, ``Source``,
   ``Software``, ``Comment``).

Bad arguments, or a missing Chromium, end with one ``error: ...`` line and nothing written.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_OUT = ROOT / "day4" / "images"
COMMAND = "python benchmarks/dashboard_screenshot.py"
PAGES = ("status", "graph", "workers", "tasks", "system")  # dashboard pages this can capture
N_WORKERS, THREADS, MEMORY_LIMIT = 2, 1, "1GiB"  # the chapter's dask_client(n_workers=2, ...)
PARTITIONS = 40
MIN_ROWS, MAX_ROWS = 200_000, 8_000_000
EARTH_KM = 6371.0
RENDER_TIMEOUT_S = 60
RUN_TIMEOUT_S = 600
ATTEMPTS = 3


def image_name(page: str) -> str:
    return f"dask_dashboard_{page}.png"


class _Parser(argparse.ArgumentParser):
    """Errors are one ``error: ...`` line on stderr, exit status 2 (like ``python -m bdp``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def _rows(text: str) -> int:
    from bdp.__main__ import parse_count

    rows = parse_count(text)
    if not MIN_ROWS <= rows <= MAX_ROWS:
        raise argparse.ArgumentTypeError(
            f"must be from {MIN_ROWS:,} to {MAX_ROWS:,} rides, got {rows:,} (fewer finish "
            "before the pages can be captured; more do not fit the workers' 1 GiB)")
    return rows


def _pixels(low: int, high: int):
    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of pixels from {low} to {high}, got {text!r}")
        return int(text)
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.1 <= value <= 0.9:
        raise argparse.ArgumentTypeError(f"must be a fraction from 0.1 to 0.9, got {text!r}")
    return value


def _pages(text: str) -> list[str]:
    pages = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        raise argparse.ArgumentTypeError(
            f"unknown page {', '.join(map(repr, unknown)) or repr(text)}: "
            f"choose from {', '.join(PAGES)}")
    return list(dict.fromkeys(pages))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="dashboard_screenshot.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for the PNG files (default: {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--pages", type=_pages, default=["status", "graph"],
                        help=f"dashboard pages, comma separated, from {', '.join(PAGES)} "
                             "(default: status,graph)")
    parser.add_argument("--rows", type=_rows, default=4_000_000,
                        help="taxi rides to generate: 4000000, 500k, 4M (default 4M)")
    parser.add_argument("--width", type=_pixels(800, 2560), default=1400)
    parser.add_argument("--height", type=_pixels(600, 1600), default=900)
    parser.add_argument("--at", type=_fraction, default=0.3,
                        help="share of the persisted partitions in memory when the pages are "
                             "captured (default 0.3)")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() == ".png":
        parser.error(f"--out names a folder (the files are {image_name('<page>')}), "
                     f"got {str(args.out)!r}")
    existing = next((p for p in [args.out, *args.out.parents] if p.exists()), None)
    if existing is not None and not existing.is_dir():
        parser.error(f"--out must be a folder: {str(existing)!r} is a file")
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        parser.exit(2, f"error: {' and '.join(missing)} not found: the screenshots need Debian's "
                       "chromium and chromium-driver (apt-get install chromium chromium-driver)\n")
    return args


# --------------------------------------------------------------------------- the computation


def prepare(df):
    """One partition, in plain pandas: the capstone's cleaning rules 1-4 (the kit's
    ``clean_taxi_mask``), then the great-circle distance and the pickup hour."""
    import numpy as np

    from bdp.datasets.taxi import clean_taxi_mask

    df = df[clean_taxi_mask(df)]
    lon1, lat1, lon2, lat2 = (np.radians(df[c]) for c in (
        "pickup_longitude", "pickup_latitude", "dropoff_longitude", "dropoff_latitude"))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return df.assign(distance_km=2 * EARTH_KM * np.arcsin(np.sqrt(a)),
                     hour=df.pickup_datetime.dt.hour.astype("int8"))


def summarise(trips):
    """Mean fare, mean distance and ride count per passenger count (pandas or Dask)."""
    kw = {} if type(trips).__module__.startswith("pandas") else {"split_out": 1}
    return trips.groupby("passenger_count").agg(
        fare=("fare_amount", "mean"), km=("distance_km", "mean"),
        rides=("fare_amount", "count"), **kw)


# --------------------------------------------------------------------------- the browser


def start_browser(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-quic", "--hide-scrollbars",
                 "--force-device-scale-factor=1", f"--window-size={width},{height}",
                 # offline by construction: no host name but the dashboard's resolves
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(RENDER_TIMEOUT_S)
    # the viewport, not the window, gets the requested size: each PNG is exactly width x height
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return driver


RENDERED = """return document.readyState === 'complete' && !!window.Bokeh
                  && !!Bokeh.documents && Bokeh.documents.length > 0;"""
RESOURCES = "return performance.getEntriesByType('resource').map(e => e.name);"


def open_page(driver, url: str, rendered: str = RENDERED, timeout: float = RENDER_TIMEOUT_S,
              what: str = "the dashboard page") -> None:
    """Open ``url`` and wait until the script ``rendered`` returns true (one error line if not)."""
    driver.get(url)
    deadline = time.monotonic() + timeout
    while not driver.execute_script(rendered):
        if time.monotonic() > deadline:
            raise SystemExit(f"error: {what} {url} did not render in {timeout:.0f} s; "
                             "nothing written")
        time.sleep(0.2)


def page_problems(driver, origin: str) -> list[str]:
    """Requests the page made outside the dashboard's own origin, and errors it logged."""
    foreign = [f"requested {url}" for url in driver.execute_script(RESOURCES)
               if not url.startswith((origin, "data:", "blob:"))]
    errors = [f"logged {e['message'][:200]}" for e in driver.get_log("browser")
              if e.get("level") == "SEVERE"]
    return foreign + errors


# --------------------------------------------------------------------------- the PNG


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


def with_text(png: bytes, text: dict[str, str]) -> bytes:
    """The PNG with ``tEXt`` chunks (Latin-1 key/value pairs) inserted after its IHDR chunk."""
    ihdr_end = 8 + 4 + 4 + 13 + 4
    chunks = b""
    for key, value in text.items():
        data = key.encode("latin-1") + b"\0" + value.encode("latin-1", "replace")
        chunks += (struct.pack(">I", len(data)) + b"tEXt" + data
                   + struct.pack(">I", zlib.crc32(b"tEXt" + data) & 0xFFFFFFFF))
    return png[:ihdr_end] + chunks + png[ihdr_end:]


# --------------------------------------------------------------------------- main


def warm_up() -> None:
    """Import on a worker what its first task would (a fresh worker pays its imports once)."""
    import dask.dataframe  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import bdp.datasets.taxi  # noqa: F401


def spilled_bytes(dask_worker) -> int:
    """Bytes this worker has spilled to disk so far."""
    return int(dask_worker.data.spilled_total.disk)


def run_once(args: argparse.Namespace, work: Path, source: str) -> dict | None:
    """One cluster, one browser per page, one run of the computation; ``None`` when the
    computation ended before the pages were captured."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster, futures_of, get_task_stream

    with dask.config.set({"temporary-directory": str(work)}), \
            LocalCluster(n_workers=N_WORKERS, threads_per_worker=THREADS,
                         memory_limit=MEMORY_LIMIT, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        link = urlparse(client.dashboard_link)
        if link.hostname != "127.0.0.1":
            raise SystemExit(f"error: the dashboard is not on loopback: {client.dashboard_link}")
        origin = f"{link.scheme}://{link.netloc}"
        client.run(warm_up)  # the task stream then shows tasks, not imports
        drivers, shots = {}, {}
        try:
            for page in args.pages:
                drivers[page] = start_browser(args.width, args.height)
                open_page(drivers[page], f"{origin}/{page}")
            time.sleep(2)  # every plot gets its first data from a periodic callback

            with get_task_stream(client) as stream:
                rides = dd.read_parquet(source)
                trips = rides.map_partitions(prepare, meta=prepare(rides._meta))
                # one graph: the features stay on the workers, the group-by reads them there
                kept, summary = client.persist([trips, summarise(trips)])
                parts, (result,) = futures_of(kept), futures_of(summary)
                deadline = time.monotonic() + RUN_TIMEOUT_S
                while (sum(f.done() for f in parts) < args.at * len(parts)
                       and not result.done() and time.monotonic() < deadline):
                    time.sleep(0.05)
                time.sleep(0.5)  # the plots refresh a few times a second
                in_memory, captured_at = sum(f.done() for f in parts), time.time()
                for page, driver in drivers.items():  # status first: it is the slowest
                    shots[page] = driver.get_screenshot_as_png()
                # the last screenshot returned before the result existed: every image shows
                # the computation under way
                mid_run = not result.done()
                spilled = sum(client.run(spilled_bytes).values())
                summary = summary.compute().sort_index()
            problems = [f"{page}: {p}" for page, driver in drivers.items()
                        for p in page_problems(driver, origin)]
        finally:
            for driver in drivers.values():
                driver.quit()
    if problems:
        raise SystemExit(f"error: a dashboard page {problems[0]}; nothing written")
    if not mid_run:
        return None
    actions = Counter(ss["action"] for rec in stream.data for ss in rec["startstops"]
                      if ss["start"] <= captured_at)
    return {"shots": shots, "summary": summary, "in_memory": in_memory, "parts": len(parts),
            "actions": dict(sorted(actions.items())), "spilled": spilled,
            "captured": datetime.fromtimestamp(captured_at, timezone.utc)}


def capture(args: argparse.Namespace, work: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Run the computation with the dashboard open; return ``({page: PNG}, text chunks)``."""
    import bokeh
    import dask
    import distributed
    import pandas as pd

    from bdp.datasets import make_taxi

    started = time.perf_counter()
    taxi = make_taxi(work / "taxi", rows=args.rows, seed=42, formats=("parquet",),
                     progress=False, partition_rows=-(-args.rows // PARTITIONS))
    source = str(work / "taxi" / "parquet")
    print(f"{args.rows:,} rides in {len(taxi.files['parquet'])} Parquet files "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    for attempt in range(1, ATTEMPTS + 1):
        run = run_once(args, work, source)
        if run is not None:
            break
        print(f"attempt {attempt} of {ATTEMPTS}: the computation ended while the pages were "
              "being captured (a busy machine renders slowly)", flush=True)
    else:
        raise SystemExit(f"error: in {ATTEMPTS} attempts the computation always ended before "
                         "the pages were captured: use more --rows or a smaller --at; "
                         "nothing written")
    elapsed = time.perf_counter() - started
    expected = summarise(prepare(pd.read_parquet(source))).sort_index()
    pd.testing.assert_frame_equal(run["summary"], expected, check_dtype=False, rtol=1e-9)
    state = (f"capture began with {run['in_memory']} of {run['parts']} persisted partitions in "
             f"memory; task-stream records until then: "
             + ", ".join(f"{k} {v}" for k, v in run["actions"].items())
             + f"; bytes spilled to disk: {run['spilled']}")
    print(f"pages {', '.join(args.pages)}: {state}. The result matches pandas "
          f"({elapsed:.0f} s in all):")
    print(run["summary"].round(2).to_string())
    text = {
        "Creation Time": run["captured"].strftime("%Y-%m-%d %H:%M UTC"),
        "Source": f"{COMMAND} --rows {args.rows} --width {args.width} --height {args.height} "
                  f"--at {args.at:g}",
        "Software": f"dask {dask.__version__}, distributed {distributed.__version__}, "
                    f"bokeh {bokeh.__version__}; {N_WORKERS} workers x {THREADS} thread, "
                    f"{MEMORY_LIMIT} each; {args.rows} rows in {run['parts']} partitions",
        "Comment": state,
    }
    return run["shots"], text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bdp.datasets._write import write_bytes_atomically

    try:
        with tempfile.TemporaryDirectory(prefix="bdp-dashboard-") as work:
            shots, text = capture(args, Path(work))
    except KeyboardInterrupt:
        print("error: interrupted; nothing written", file=sys.stderr)
        return 130
    for page, png in shots.items():
        if png_size(png) != (args.width, args.height):
            raise SystemExit(f"error: the {page} screenshot is {png_size(png)}, not "
                             f"{(args.width, args.height)}; nothing written")
    for page, png in shots.items():
        target = args.out / image_name(page)
        title = f"Dask dashboard, {page} page, during the day4/31_dask computation"
        write_bytes_atomically(target, with_text(png, {"Title": title, **text}))
        print(f"wrote {target} ({args.width} x {args.height}, {len(png) / 1e3:.0f} kB)")
    print(f"captured {text['Creation Time']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
