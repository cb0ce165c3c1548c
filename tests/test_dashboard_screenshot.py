"""The Dask dashboard screenshots of ``day4/31_dask``: the committed images, their captions, and
the script that regenerates them (``benchmarks/dashboard_screenshot.py``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bdp.book import offline_env

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "dashboard_screenshot.py"
CHAPTER = ROOT / "day4" / "31_dask.md"
IMAGES = ROOT / "day4" / "images"
PAGES = ("status", "graph")
SIZE = (1400, 900)
COMMAND = "python benchmarks/dashboard_screenshot.py"


def _run(*args: str, env: dict[str, str] | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _looks_like_a_dashboard(path: Path, size: tuple[int, int]) -> dict[str, str]:
    """Assert ``path`` is a real, non-blank PNG screenshot of ``size``; return its text chunks."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG"
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG" and image.size == size, (path.name, image.format, image.size)
        text = dict(image.text)
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    flat = pixels.reshape(-1, 3)
    colours = len(np.unique(flat, axis=0))
    colourful = float((flat.std(axis=1) > 30).mean())  # saturated: the plots, not text or chrome
    assert pixels.std() > 15, f"{path.name}: nearly uniform (pixel std {pixels.std():.1f})"
    assert colours > 200, f"{path.name}: only {colours} distinct colours"
    assert colourful > 0.005, f"{path.name}: no coloured plot ({colourful:.2%} saturated pixels)"
    return text


@pytest.mark.parametrize("page", PAGES)
def test_the_committed_screenshot_is_a_real_dashboard_image(page: str):
    path = IMAGES / f"dask_dashboard_{page}.png"
    assert path.is_file(), f"{path} is missing: run {COMMAND}"
    text = _looks_like_a_dashboard(path, SIZE)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text.get("Creation Time", "")), text
    assert text["Source"].startswith(COMMAND), text
    assert re.search(r"distributed \d{4}\.\d+\.\d+", text["Software"]), text
    assert path.stat().st_size < 300_000, f"{path.name}: {path.stat().st_size:,} bytes"


def _figures(chapter: str) -> dict[str, str]:
    """Each MyST figure of the chapter: image path -> its caption (the figure's body)."""
    found = re.findall(r"^:::\{figure\} (\S+)\n((?::[^\n]*\n)*)\n(.*?)\n:::$", chapter, re.M | re.S)
    return {image: caption for image, _options, caption in found}


def test_the_chapter_shows_each_screenshot_with_a_caption_that_matches_it():
    chapter = CHAPTER.read_text(encoding="utf-8")
    figures = _figures(chapter)
    for page in PAGES:
        image = f"images/dask_dashboard_{page}.png"
        assert image in figures, f"no MyST figure of {image} in {CHAPTER.name}"
        caption = " ".join(figures[image].split())
        with Image.open(IMAGES / f"dask_dashboard_{page}.png") as png:
            text = dict(png.text)
        date = text["Creation Time"][:10]
        dask_version = re.search(r"distributed (\d{4}\.\d+)", text["Software"]).group(1)
        assert f"Captured on {date}" in caption, f"{page}: the caption's date is not {date}"
        assert f"Dask {dask_version}" in caption, f"{page}: the caption's version is not {dask_version}"
        assert COMMAND in caption or "the same command" in caption, f"{page}: no command"
    assert COMMAND in " ".join(figures["images/dask_dashboard_status.png"].split())
    # the prose says what the images show: the run's size and its cluster
    rows = int(re.search(r"(\d+) rows in (\d+) partitions", text["Software"]).group(1))
    assert f"read {rows / 1e6:g} M taxi rides" in " ".join(chapter.split())
    parts = re.search(r"(\d+) rows in (\d+) partitions", text["Software"]).group(2)
    assert f"from {parts} Parquet files" in " ".join(chapter.split())


@pytest.mark.parametrize(("args", "message"), [
    (["--rows", "10"], "must be from 200,000 to 8,000,000 rides"),
    (["--rows", "many"], "not a row count: 'many'"),
    (["--width", "100"], "--width: must be a whole number of pixels from 800 to 2560"),
    (["--height", "tall"], "--height: must be a whole number of pixels from 600 to 1600"),
    (["--at", "1.5"], "--at: must be a fraction from 0.1 to 0.9"),
    (["--pages", "status,nosuch"], "unknown page 'nosuch'"),
    (["--out", "{tmp}/shot.png"], "--out names a folder"),
    (["--out", "{tmp}/file/sub"], "is a file"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_arguments_get_one_clear_line(tmp_path: Path, args: list[str], message: str):
    (tmp_path / "file").write_text("precious")
    before = _tree(tmp_path)
    done = _run(*[a.format(tmp=tmp_path) for a in args])
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert _tree(tmp_path) == before, "something was written"


def test_a_missing_browser_is_one_clear_line(tmp_path: Path):
    done = _run("--out", str(tmp_path / "out"), env={"PATH": str(tmp_path)})  # no chromium there
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: chromium and chromedriver not found: the screenshots need Debian's chromium and "
        "chromium-driver (apt-get install chromium chromium-driver)"]
    assert not (tmp_path / "out").exists()


def test_a_real_capture_offline(tmp_path: Path):
    """The script end to end, smaller: a live dashboard caught mid-run, with the network blocked
    for every Python process (and every host name but 127.0.0.1 unresolvable in Chromium)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    env, log = offline_env(tmp_path / "guard")
    out = tmp_path / "out"
    done = _run("--out", str(out), "--pages", "status", "--rows", "2M", "--at", "0.15",
                "--width", "1000", "--height", "700", env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "The result matches pandas" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["dask_dashboard_status.png"], \
        "one file per page, no temporary file left"
    text = _looks_like_a_dashboard(out / "dask_dashboard_status.png", (1000, 700))
    assert "--rows 2000000" in text["Source"] and "2000000 rows in 40 partitions" in text["Software"]
    assert text["Comment"].startswith("capture began with "), text
    assert log.read_text() == "", f"a process tried to reach the network: {log.read_text()}"
