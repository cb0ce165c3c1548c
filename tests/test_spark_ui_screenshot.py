"""The Spark UI screenshot of ``day1/03_spark``: the committed image, its caption, and the script
that regenerates it (``benchmarks/spark_ui_screenshot.py``)."""

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
SCRIPT = ROOT / "benchmarks" / "spark_ui_screenshot.py"
CHAPTER = ROOT / "day1" / "03_spark.md"
IMAGE = ROOT / "day1" / "images" / "spark_ui_stages.png"
SIZE = (1400, 900)
COMMAND = "python benchmarks/spark_ui_screenshot.py"


def _run(*args: str, env: dict[str, str] | None = None,
         timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)


def _looks_like_a_screenshot(path: Path, size: tuple[int, int]) -> dict[str, str]:
    """Assert ``path`` is a real, non-blank PNG screenshot of ``size``; return its text chunks."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG"
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG" and image.size == size, (path.name, image.format, image.size)
        text = dict(image.text)
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert pixels.std() > 15, f"{path.name}: nearly uniform (pixel std {pixels.std():.1f})"
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200, f"{path.name}: too few colours"
    return text


def test_the_committed_screenshot_is_a_real_stages_page():
    assert IMAGE.is_file(), f"{IMAGE} is missing: run {COMMAND}"
    text = _looks_like_a_screenshot(IMAGE, SIZE)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text.get("Creation Time", "")), text
    assert text["Source"].startswith(COMMAND), text
    assert re.match(r"Spark \d+\.\d+\.\d+, PySpark ", text["Software"]), text
    # what the caption says the image shows: a first job of two stages, then one stage alone
    jobs = re.findall(r"job \d: ([^;]*)", text["Comment"])
    assert [job.count("stage ") for job in jobs] == [2, 1], text["Comment"]
    assert IMAGE.stat().st_size < 300_000, f"{IMAGE.name}: {IMAGE.stat().st_size:,} bytes"


def test_the_chapter_shows_the_screenshot_with_a_caption_that_matches_it():
    chapter = CHAPTER.read_text(encoding="utf-8")
    found = re.findall(r"^:::\{figure\} (\S+)\n((?::[^\n]*\n)*)\n(.*?)\n:::$", chapter, re.M | re.S)
    figures = {image: caption for image, _options, caption in found}
    assert "images/spark_ui_stages.png" in figures, f"no MyST figure of it in {CHAPTER.name}"
    caption = " ".join(figures["images/spark_ui_stages.png"].split())
    with Image.open(IMAGE) as png:
        text = dict(png.text)
    date = text["Creation Time"][:10]
    version = re.match(r"Spark (\S+),", text["Software"]).group(1)
    assert f"Captured on {date}" in caption, f"the caption's date is not {date}"
    assert f"Spark {version}" in caption, f"the caption's version is not {version}"
    assert COMMAND in caption
    assert "Skipped Stages" in caption


@pytest.mark.parametrize(("args", "message"), [
    (["--width", "100"], "--width: must be a whole number of pixels from 800 to 2560"),
    (["--height", "tall"], "--height: must be a whole number of pixels from 600 to 1600"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_arguments_get_one_clear_line(tmp_path: Path, args: list[str], message: str):
    done = _run(*args, "--out", str(tmp_path / "out"))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    assert message in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


def test_a_missing_browser_is_one_clear_line(tmp_path: Path):
    done = _run("--out", str(tmp_path / "out"), env={"PATH": str(tmp_path)})  # no chromium there
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: chromium and chromedriver not found: the screenshot needs Debian's chromium and "
        "chromium-driver (apt-get install chromium chromium-driver)"]
    assert not (tmp_path / "out").exists()


def test_a_real_capture_offline(tmp_path: Path):
    """The script end to end, smaller, with the network blocked for every Python process (and
    every host name but 127.0.0.1 unresolvable in Chromium)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    env, log = offline_env(tmp_path / "guard")
    out = tmp_path / "out"
    done = _run("--out", str(out), "--width", "1000", "--height", "700", env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["spark_ui_stages.png"], \
        "one file, no temporary file left"
    text = _looks_like_a_screenshot(out / "spark_ui_stages.png", (1000, 700))
    assert "--width 1000 --height 700" in text["Source"]
    assert log.read_text() == "", f"a process tried to reach the network: {log.read_text()}"
