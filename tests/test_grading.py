"""Grading a class (bdp.grading): points per check, a clear status per bad submission."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import nbformat
import pytest

from bdp import grading
from bdp.__main__ import main
from bdp.editions import student_notebook

DATA = Path(__file__).parent / "data" / "grading"
CHAPTER = DATA / "chapter.md"
RUBRIC = DATA / "rubric.yml"

MEAN = ("def mean(xs):\n    if not xs:\n        raise ValueError('empty')\n"
        "    return sum(xs) / len(xs)\n")
EVENS = "even_total = sum(n for n in numbers if n % 2 == 0)\n"


def _submission(folder: Path, name: str, answers: dict[str, str], first: str | None = None
                ) -> Path:
    """The student edition with ``answers`` (exercise label -> code) filled in."""
    nb = student_notebook(CHAPTER).notebook
    for cell in nb.cells:
        meta = cell.metadata.get("bdp", {})
        if meta.get("role") == "answer" and meta["exercise"] in answers:
            cell.source = answers[meta["exercise"]]
        if cell.source.startswith("STUDENT_ID"):
            cell.source = first or f'STUDENT_ID = "{name}"'
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade a class of ten submissions once; return (rows by student, paths, seconds)."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    subs.mkdir()
    outside = root / "outside.txt"
    a = _submission(subs, "a-reference", {"ex-tiny-mean": MEAN, "ex-tiny-evens": EVENS,
                                          "ex-tiny-why": "Zero hides the mistake."})
    _submission(subs, "b-mistakes", {
        # three mistakes: floor division, 0 for an empty list, every number summed
        "ex-tiny-mean": "def mean(xs):\n    if not xs:\n        return 0\n"
                        "    return sum(xs) // len(xs)\n",
        "ex-tiny-evens": "even_total = sum(numbers)\n"})
    (subs / "c-broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (subs / "c-notes.txt").write_text("not a notebook", encoding="utf-8")
    _submission(subs, "c-raises", {"ex-tiny-mean": MEAN},
                first='STUDENT_ID = "c-raises"\nraise RuntimeError("oops")')
    _submission(subs, "d-loop", {"ex-tiny-mean": MEAN, "ex-tiny-evens": "while True:\n    pass\n"})
    _submission(subs, "d-stubborn", {"ex-tiny-mean": (
        "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n        pass\n")})
    _submission(subs, "e-deleter", {"ex-tiny-mean": MEAN + (
        "import glob, os, shutil\n"
        "for f in glob.glob('*.ipynb'):\n    os.remove(f)  # its own copy: allowed\n"
        f"for attempt in (lambda: os.remove({str(a)!r}),\n"
        f"                lambda: open({str(outside)!r}, 'w').write('x'),\n"
        f"                lambda: shutil.rmtree({str(subs)!r}),\n"
        f"                lambda: os.system('rm -rf {subs}')):\n"
        "    try:\n        attempt()\n    except PermissionError as e:\n        print(e)\n"),
        "ex-tiny-evens": EVENS})
    _submission(subs, "f-forger", {"ex-tiny-mean": (
        "import bdp.checks\n"
        "print('\u2713 mean of 1..4: 2.5 (expected 2.5)')\n"
        "bdp.checks.check_true('mean rejects an empty list', True, 'by hand')\n"
        "bdp.checks.check_close = lambda name, *a, **k: bdp.checks._ok(name, 'ok', False)\n"
        "check_close = bdp.checks.check_close\n")})
    _submission(subs, "g-memory", {"ex-tiny-mean": MEAN + "hog = bytearray(3 * 2**30)\n",
                                   "ex-tiny-evens": EVENS})
    out = root / "grades.csv"
    started = time.monotonic()
    code = main(["grade", str(subs), "--rubric", str(RUBRIC), "--out", str(out),
                 "--cell-timeout", "6", "--timeout", "30", "--jobs", "3", "--no-progress",
                 "--memory-mb", "2048"])
    seconds = time.monotonic() - started
    assert code == 0
    with out.open(newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return rows, root, seconds


def _points(row: dict) -> list[str]:
    return [row[name] for name in ("mean of 1..4", "mean of a single value",
                                   "mean rejects an empty list", "sum of the even numbers")]


def test_reference_answers_get_every_point(graded):
    rows, _, _ = graded
    row = rows["a-reference"]
    assert _points(row) == ["2", "1", "1", "2"]
    assert (row["total"], row["out_of"], row["status"]) == ("6", "6", "ok")
    assert row["why refuse the empty list (manual, /2)"] == ""  # left for the teacher


def test_three_mistakes_cost_their_points_with_hints(graded):
    rows, root, _ = graded
    row = rows["b-mistakes"]
    assert _points(row) == ["0", "1", "0", "0"]
    assert row["total"] == "1" and row["status"] == "ok"
    text = (root / "grades_feedback" / "b-mistakes.md").read_text()
    assert "| \u2717 mean of 1..4 | 0 / 2 | mean of 1..4: expected 2.5" in text
    assert "hint: divide the sum by the count" in text
    assert "hint: raise ValueError when xs is empty" in text
    assert "hint: keep n when n % 2 == 0" in text
    assert "| \u2713 mean of a single value | 1 / 1 | passed |" in text


def test_broken_submissions_get_a_clear_line(graded):
    rows, _, _ = graded
    assert rows["c-broken"]["status"].startswith("not a readable notebook:")
    assert rows["c-notes"]["status"] == "not a notebook (.txt file; expected .ipynb)"
    raises = rows["c-raises"]
    assert raises["status"] == "error in cell 2: RuntimeError: oops"
    assert _points(raises) == ["2", "1", "1", "0"]  # later cells still ran


def test_loops_are_stopped_and_the_rest_still_counts(graded):
    rows, _, _ = graded
    loop = rows["d-loop"]
    assert loop["status"] == "cell 12 interrupted: cell time limit (6 s)"
    assert _points(loop) == ["2", "1", "1", "0"]
    stubborn = rows["d-stubborn"]
    assert stubborn["status"] == ("cell 5 interrupted: cell time limit (6 s); "
                                  "stopped: notebook time limit (30 s)")
    assert stubborn["total"] == "0"


def test_a_deleting_submission_touches_only_its_copy(graded):
    rows, root, _ = graded
    row = rows["e-deleter"]
    assert row["status"].startswith("blocked 4 action(s) outside its folder: os.remove ")
    assert row["total"] == "6"
    assert (root / "submissions" / "a-reference.ipynb").is_file()
    assert len(list((root / "submissions").iterdir())) == 10
    assert not (root / "outside.txt").exists()


def test_forged_check_lines_earn_nothing(graded):
    rows, _, _ = graded
    row = rows["f-forger"]
    assert row["total"] == "0"
    assert row["status"] == ("forged \u2713 line(s) ignored: 'mean of 1..4', "
                             "'mean rejects an empty list'")


def test_memory_is_capped(graded):
    rows, _, _ = graded
    row = rows["g-memory"]
    assert row["status"] == "error in cell 5: MemoryError:" and row["total"] == "6"


def test_sheet_feedback_and_time(graded):
    rows, root, seconds = graded
    assert sorted(rows) == ["a-reference", "b-mistakes", "c-broken", "c-notes", "c-raises",
                            "d-loop", "d-stubborn", "e-deleter", "f-forger", "g-memory"]
    feedback = root / "grades_feedback"
    assert (feedback / "a-reference.md").is_file() and (feedback / "a-reference.ipynb").is_file()
    assert not [p for p in root.rglob("*.tmp")]
    print(f"graded 10 submissions in {seconds:.0f} s")
    assert seconds < 120


# ---------------------------------------------------------------------- smaller pieces


def test_student_seed_is_per_student_and_stable(monkeypatch):
    monkeypatch.delenv(grading.ID_ENV, raising=False)
    assert grading.student_id() == "reference"
    monkeypatch.setenv(grading.ID_ENV, "group-7")
    assert grading.student_id() == "group-7"
    assert grading.student_seed() == grading.student_seed(student="group-7")
    assert grading.student_seed(student="group-7") != grading.student_seed(student="group-8")
    assert grading.student_seed("split") != grading.student_seed("data")
    assert 0 <= grading.student_seed() < 2**32
    monkeypatch.delenv(grading.ID_ENV)
    with pytest.raises(grading.GradeError, match="STUDENT_ID"):
        grading.student_id(default=None)


def test_holdout_seed_comes_from_the_teacher_only(monkeypatch):
    monkeypatch.delenv(grading.HOLDOUT_ENV, raising=False)
    assert grading.holdout_seed() is None
    monkeypatch.setenv(grading.HOLDOUT_ENV, "1234")
    assert grading.holdout_seed() == 1234
    monkeypatch.setenv(grading.HOLDOUT_ENV, "a secret phrase")
    assert grading.holdout_seed() == grading.holdout_seed() > 0


def test_audit_hook_refuses_writes_outside(tmp_path, monkeypatch):
    monkeypatch.setitem(grading._STATE, "roots", [str(tmp_path)])
    monkeypatch.setitem(grading._STATE, "fd", None)
    grading._audit("open", (str(tmp_path / "ok.txt"), "w", 0))
    grading._audit("open", ("/etc/passwd", "r", 0))
    with pytest.raises(PermissionError, match="outside"):
        grading._audit("open", ("/etc/x", "w", 0))
    with pytest.raises(PermissionError, match="outside"):
        grading._audit("os.rename", (str(tmp_path / "a"), "/tmp/elsewhere/b", None, None))
    os.symlink("/etc", tmp_path / "link")
    with pytest.raises(PermissionError, match="/etc/x"):
        grading._audit("open", (str(tmp_path / "link" / "x"), None, os.O_WRONLY))
    with pytest.raises(PermissionError, match="rm"):
        grading._audit("subprocess.Popen", ("rm", ["rm", "-rf", "/"], None, None))
    grading._audit("subprocess.Popen", ("java", ["java", "-version"], None, None))


@pytest.mark.parametrize(("text", "message"), [
    (None, "no such rubric"),
    ("- a list", "needs a 'checks:' mapping"),
    ("checks:\n  x: -1\n", "needs points >= 0"),
    ("source: nope.md\nchecks:\n  x: 1\n", "source nope.md not found"),
    ("source: chapter.md\nchecks:\n  no such check: 1\n", "'no such check' is not called"),
])
def test_bad_rubric_is_one_line(tmp_path, capsys, text, message):
    rubric = tmp_path / "rubric.yml"
    if text is not None:
        rubric.write_text(text)
        (tmp_path / "chapter.md").write_text(CHAPTER.read_text())
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "x.ipynb").write_text("{}")
    assert main(["grade", str(tmp_path / "subs"), "--rubric", str(rubric),
                 "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "g.csv").exists()


def test_empty_or_missing_class_folder(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "none"), "--rubric", str(RUBRIC),
                 "--out", str(tmp_path / "g.csv")]) == 2
    assert "not a folder of submissions" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["grade", str(tmp_path / "empty"), "--rubric", str(RUBRIC),
                 "--out", str(tmp_path / "g.csv")]) == 2
    assert "no submission in it" in capsys.readouterr().err
