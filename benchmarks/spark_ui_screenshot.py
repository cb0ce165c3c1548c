"""A screenshot of the Spark UI's Stages tab after the WordCount jobs of ``day1/03_spark``.

    python benchmarks/spark_ui_screenshot.py                  # rewrites the chapter's figure
    python benchmarks/spark_ui_screenshot.py --out /tmp/ui

The Spark UI lives only while its session runs, so the book cannot show it live. Rerun this
after a Spark upgrade, then update the capture date and version in the chapter's caption
(``tests/test_spark_ui_screenshot.py`` fails until the caption and the image agree). It takes
less than a minute on a 2-core machine, offline:

1. starts the chapter's classic session (:func:`bdp.sparkmetrics.classic_session`, local mode,
   the UI on 127.0.0.1) without a notebook proxy, so the UI is served at its own address;
2. runs the chapter's WordCount — 10,000 generated lines (seed 42) in 4 partitions,
   ``flatMap`` → ``map`` → ``reduceByKey`` — and its action ``takeOrdered(5)`` twice, counting
   each job's stages and tasks with :func:`bdp.sparkmetrics.action_work`, as the chapter does;
3. opens the UI's ``/stages/`` page in Debian's headless Chromium (driven by Selenium with the
   system chromedriver, the browser set-up of ``benchmarks/dashboard_screenshot.py``) at exactly
   ``--width`` × ``--height`` CSS pixels, with every host name but 127.0.0.1 unresolvable: the UI
   serves its own scripts and styles, and the run fails if the page asked for anything from
   elsewhere;
4. writes ``spark_ui_stages.png`` to ``--out`` (default ``day1/images``) atomically, with the
   capture date, the command, the versions and the counted stages in PNG text chunks
   (``Creation Time``, ``Source``, ``Software``, ``Comment``).

A missing Chromium ends with one ``error: ...`` line and nothing written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import CodeType
from typing import NoReturn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from dashboard_screenshot import (  # noqa: E402
    _pixels,
    open_page,
    page_problems,
    png_size,
    start_browser,
    with_text,
)

DEFAULT_OUT = ROOT / "day1" / "images"
IMAGE = "spark_ui_stages.png"
COMMAND = "python benchmarks/spark_ui_screenshot.py"
N_LINES, PARTITIONS, SEED = 10_000, 4, 42  # the chapter's corpus at the default scale
RENDER_TIMEOUT_S = 60
RENDERED = """return document.readyState === 'complete'
                  && document.querySelectorAll('table tbody tr').length > 0;"""


class _Parser(argparse.ArgumentParser):
    """Errors are one ``error: ...`` line on stderr, exit status 2 (like ``python -m bdp``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="spark_ui_screenshot.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for {IMAGE} (default: {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--width", type=_pixels(800, 2560), default=1400,
                        help="viewport width in CSS pixels (default 1400)")
    parser.add_argument("--height", type=_pixels(600, 1600), default=900,
                        help="viewport height in CSS pixels (default 900)")
    args = parser.parse_args(argv)
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        parser.exit(2, f"error: {' and '.join(missing)} not found: the screenshot needs Debian's "
                       "chromium and chromium-driver (apt-get install chromium chromium-driver)\n")
    return args


def _relative(code: CodeType, name: str) -> CodeType:
    """``code`` and the functions defined in it, as if compiled from the file ``name``: the UI
    names each action after its Python call site, which should not show this checkout's path."""
    consts = tuple(_relative(c, name) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=name, co_consts=consts)


def run_wordcount(sc) -> list:
    """The chapter's WordCount and its action, twice: the ``Work`` of each action."""
    from bdp.mapreduce import make_corpus
    from bdp.sparkmetrics import action_work

    lines = sc.parallelize(make_corpus(N_LINES, seed=SEED), numSlices=PARTITIONS)
    counts = (lines.flatMap(str.split).map(lambda word: (word, 1))
              .reduceByKey(lambda a, b: a + b))
    return [action_work(sc, lambda: counts.takeOrdered(5, key=lambda kv: -kv[1]))
            for _ in range(2)]


def capture(args: argparse.Namespace) -> tuple[bytes, dict[str, str]]:
    """Run the jobs, open the Stages tab; return ``(PNG, text chunks)``."""
    import pyspark

    from bdp.clusters import close
    from bdp.sparkmetrics import classic_session

    os.environ.pop("JUPYTERHUB_SERVICE_PREFIX", None)  # the UI at its own address, no proxy
    run_wordcount.__code__ = _relative(run_wordcount.__code__, "benchmarks/spark_ui_screenshot.py")
    spark = classic_session("spark-chapter")
    try:
        sc = spark.sparkContext
        runs = run_wordcount(sc)
        origin = sc.uiWebUrl.rstrip("/")
        if not origin.startswith("http://127.0.0.1:"):
            raise SystemExit(f"error: the Spark UI is not on loopback: {origin}")
        driver = start_browser(args.width, args.height)
        try:
            open_page(driver, f"{origin}/stages/", RENDERED, RENDER_TIMEOUT_S,
                      what="the Spark UI's Stages page")
            time.sleep(1)  # the tables' own scripts finish laying out
            captured = datetime.now(timezone.utc)
            png = driver.get_screenshot_as_png()
            problems = page_problems(driver, origin)
        finally:
            driver.quit()
        version, master = spark.version, sc.master
    finally:
        close(spark)
    if problems:
        raise SystemExit(f"error: the Stages page {problems[0]}; nothing written")
    stages = "; ".join(
        f"job {n}: " + ", ".join(f"stage {s.stage_id} {s.tasks} tasks, shuffle write "
                                 f"{s.shuffle_write_records} / read {s.shuffle_read_records} "
                                 "records" for s in run.stages)
        for n, run in enumerate(runs, start=1))
    text = {
        "Creation Time": captured.strftime("%Y-%m-%d %H:%M UTC"),
        "Source": f"{COMMAND} --width {args.width} --height {args.height}",
        "Software": f"Spark {version}, PySpark {pyspark.__version__}; master {master}; "
                    f"{N_LINES} lines in {PARTITIONS} partitions",
        "Comment": f"stages run per takeOrdered job: {stages}",
    }
    return png, text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bdp.datasets._write import write_bytes_atomically

    png, text = capture(args)
    if png_size(png) != (args.width, args.height):
        raise SystemExit(f"error: the screenshot is {png_size(png)}, not "
                         f"{(args.width, args.height)}; nothing written")
    target = args.out / IMAGE
    title = "Spark UI, Stages tab, after the WordCount jobs of day1/03_spark"
    write_bytes_atomically(target, with_text(png, {"Title": title, **text}))
    print(text["Comment"])
    print(f"wrote {target} ({args.width} x {args.height}, {len(png) / 1e3:.0f} kB), "
          f"captured {text['Creation Time']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
