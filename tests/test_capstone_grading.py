"""The capstone (day4/32_evaluation.md) as a graded evaluation, end to end (issue 15).

The student edition is built from the chapter; three submissions made from it are graded with the
shipped rubric (grading/32_evaluation.yml) by the same code as ``python -m bdp grade``:

* the reference answers (the chapter's own solutions) — every check earns its points;
* the reference with three deliberate mistakes — exactly those exercises lose points, each with
  the check's one-line message and hint;
* a notebook that does not parse — one clear line in the sheet, the class run goes on;

and a submission that loops forever (ignoring interrupts) is stopped by the notebook time limit.
The runs use a small table (``BDP_CAPSTONE_ROWS``) and a teacher's hold-out seed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from bdp.editions import _read_chapter, solution_regions, student_notebook, verify, write_student
from bdp.grader import grade_class, grade_notebook, load_rubric, teacher_checks

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "day4" / "32_evaluation.md"
RUBRIC = ROOT / "grading" / "32_evaluation.yml"
GUIDE = ROOT / "grading" / "32_evaluation_guide.md"
ROWS = "30000"  # small: a full chapter run per submission

#: the three mistakes: exercise -> (text in the reference answer, wrong replacement)
MISTAKES = {
    "ex-capstone-partitions": ("return max(1, size // blocksize)",
                               "return 7  # the number I saw for 2 MB"),
    "ex-capstone-clean": ("return df[keep].drop_duplicates()",
                          'return df[keep].drop_duplicates(subset="key")'),
    "ex-capstone-search": ('space_l2 = {**space, "l2_regularization": loguniform(1e-3, 10)}',
                           "space_l2 = dict(space)  # forgot the new parameter"),
}
#: the checks each mistake must fail, and a piece of the hint the learner must see
FAILS = {
    "partitions predicted from the size alone": "expected [",
    "clean: an exact copy dropped, a same-key trip kept": "drop whole-row duplicates",
    "search: l2_regularization in the space, from 1e-3 to 10": "add loguniform(1e-3, 10)",
}


def _reference_answers() -> dict[str, str]:
    regions, _ = solution_regions(_read_chapter(CHAPTER))
    return {r.label: "\n\n".join(r.code) if r.code else "\n\n".join(r.prose) for r in regions}


def _submission(folder: Path, name: str, answers: dict[str, str]) -> Path:
    nb = student_notebook(CHAPTER).notebook
    for cell in nb.cells:
        meta = cell.metadata.get("bdp", {})
        if meta.get("role") == "answer" and meta["exercise"] in answers:
            cell.source = answers[meta["exercise"]]
        if cell.cell_type == "code" and cell.source.startswith("STUDENT_ID"):
            cell.source = f'STUDENT_ID = "{name}"'
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_rubric_covers_every_check_of_the_chapter():
    rubric = load_rubric(RUBRIC)
    called = {name for cell in teacher_checks(rubric) for name in cell.names}
    assert called == set(rubric.checks)  # every check of the chapter is worth points
    assert rubric.out_of == 60 and sum(rubric.manual.values()) == 40
    guide = GUIDE.read_text(encoding="utf-8")
    labels = [name.split(":")[0] for name in rubric.manual if name.startswith("ex-")]
    _, exercises = solution_regions(_read_chapter(CHAPTER))
    for label in labels:  # every open question is an exercise and has a model answer
        assert label in exercises and f"### {label}" in guide


def test_student_edition_has_no_solution(tmp_path):
    target, edition = write_student(CHAPTER, tmp_path)
    assert edition.problems == []  # the narrative never needs a solution (--strict)
    assert verify(CHAPTER, target) == []
    roles = [(c.cell_type, c.metadata.get("bdp", {}).get("role")) for c in edition.notebook.cells]
    assert roles.count(("markdown", "answer")) == 5  # the open questions
    assert roles.count(("code", "answer")) == 8
    assert roles.count(("code", "check")) >= 20


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade reference / three mistakes / unreadable once; return (rows, results, rubric)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("BDP_CAPSTONE_ROWS", ROWS)
    patch.setenv("BDP_HOLDOUT_SEED", "the teacher's secret")
    root = tmp_path_factory.mktemp("capstone-class")
    subs = root / "submissions"
    subs.mkdir()
    reference = _reference_answers()
    _submission(subs, "a-reference", reference)
    wrong = dict(reference)
    for label, (right, bad) in MISTAKES.items():
        assert right in wrong[label]
        wrong[label] = wrong[label].replace(right, bad)
    _submission(subs, "b-mistakes", wrong)
    (subs / "c-broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    rubric = load_rubric(RUBRIC)
    out = root / "grades.csv"
    try:
        results = grade_class(subs, rubric, out, cell_timeout=600, notebook_timeout=1200,
                              jobs=2, progress=False)
    finally:
        patch.undo()
    with out.open(encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    print(out.read_text(encoding="utf-8"))  # the sheet, for the closing notes (pytest -s)
    return rows, {r.student: r for r in results}, rubric


def test_reference_answers_earn_every_point(graded):
    rows, results, rubric = graded
    ref = results["a-reference"]
    assert {n: o.message for n, o in ref.checks.items() if not o.passed} == {}
    assert float(rows["a-reference"]["total"]) == rubric.out_of == 60
    assert rows["a-reference"]["status"] == "ok", ref.status


def test_three_mistakes_lose_their_points_with_a_hint(graded):
    rows, results, rubric = graded
    bad = results["b-mistakes"]
    failed = {n for n, o in bad.checks.items() if not o.passed}
    for name, hint in FAILS.items():
        assert name in failed
        assert hint in bad.checks[name].message, bad.checks[name].message
        assert rows["b-mistakes"][name] == "0"
    # nothing else is lost but checks of the three exercises (the search's second check also
    # sees the missing parameter)
    assert failed <= set(FAILS) | {"search: 2 candidates, 2 folds, RMSE scored",
                                   "clean: rows kept from ddf"}
    assert float(rows["b-mistakes"]["total"]) == rubric.out_of - sum(
        rubric.checks[n] for n in failed)


def test_unreadable_notebook_is_one_line_and_the_run_goes_on(graded):
    rows, _, _ = graded
    broken = rows["c-broken"]
    assert broken["total"] == "0" and broken["status"].startswith("not a readable notebook")
    assert set(rows) == {"a-reference", "b-mistakes", "c-broken"}


def test_endless_loop_is_stopped_by_the_time_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("BDP_CAPSTONE_ROWS", "5000")
    loop = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
            "    except KeyboardInterrupt:\n        pass\n")
    path = _submission(tmp_path, "d-loop", {"ex-capstone-shrink": loop})
    rubric = load_rubric(RUBRIC)
    result = grade_notebook(path, rubric, teacher_checks(rubric), cell_timeout=20,
                            notebook_timeout=90)
    assert any("time limit" in note for note in result.status), result.status
    assert result.total == 0
