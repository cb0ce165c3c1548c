"""The three labs as graded homework (issue 15, item 8).

For each lab (Spark, object storage, pandas + scikit-learn): the student edition is written and
verified (no solution line, no output, no narrative that needs a solution), and a class of two
submissions is graded with the lab's shipped rubric (``grading/<chapter-stem>.yml``): the
reference answers get every point, and a submission with deliberate mistakes loses exactly the
points of the checks those mistakes break, each with the check's own message. Both submissions
use identifiers other than the book's, so their data differ from the book's: the checks hold
for any learner's data.

The six notebooks (two per lab) are graded once, in parallel, by a module fixture; the Spark lab
dominates the time.
"""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from bdp.editions import student_notebook, verify, write_student
from bdp.grader import grade_class, load_rubric

ROOT = Path(__file__).resolve().parents[1]
OK, NO = "\u2713", "\u2717"


@dataclass
class Lab:
    chapter: str
    #: exercise label -> (text of the reference answer, the mistaken text replacing it)
    mistakes: dict[str, list[tuple[str, str]]]
    #: checks the mistakes must break -> a fragment of the hint the learner must see
    lost: dict[str, str]
    memory_mb: int = 4096
    rubric: Path = field(init=False)

    def __post_init__(self) -> None:
        self.rubric = ROOT / "grading" / f"{Path(self.chapter).stem}.yml"


LABS = {
    "spark": Lab(
        "day1/04_spark_lab.md",
        {
            # np.unique drops a side that never came up: [3] for three tails
            "ex-spark-lab-coins": [(
                ('    heads = flips.count("heads")\n'
                 "    return [heads, len(flips) - heads]\n"),
                ("    _, n = np.unique(flips, return_counts=True)\n"
                 "    return [int(x) for x in n]\n"))],
            # the slow way the exercise forbids: a Python UDF
            "ex-spark-lab-wine": [(
                'scaled = wine.withColumn("ash_scaled", (F.col("ash") - lo) / (hi - lo))',
                ('scale = F.udf(lambda a: (a - lo) / (hi - lo), "double")\n'
                 'scaled = wine.withColumn("ash_scaled", scale("ash"))'))],
            # an empty cluster is dropped instead of keeping its centroid
            "ex-spark-lab-kmeans": [(
                ("    new_centers = list(centers)  # a centroid with no point keeps its place\n"
                 "    for cluster, center in means:\n"
                 "        new_centers[cluster] = center\n"),
                "    new_centers = [center for _, center in sorted(means)]\n")],
        },
        {"f_count": "0 for a side that never came up",
         "no Python UDF in the plan": "instead of a @udf",
         "one step on four points": "keeps its place"},
        memory_mb=0,  # the JVM reserves more address space than a cap allows
    ),
    "object storage": Lab(
        "day2/13_object_storage.md",
        {
            # the time-series layout again: a map still reads every chunk
            "ex-objstore-chunks": [("chunk_shape = (73, 24, 48)",
                                    "chunk_shape = (365, 12, 12)")],
            # ten times too few row groups
            "ex-objstore-rowgroups": [('("course/taxi/small_groups.parquet", n_rows // 100)',
                                       '("course/taxi/small_groups.parquet", n_rows // 10)')],
            # a rename through the client: download, then upload every object
            "ex-objstore-rename": [(
                ("        client.copy_object(\n"
                 "            Bucket=bucket,\n"
                 "            Key=new + key.removeprefix(old),\n"
                 '            CopySource={"Bucket": bucket, "Key": key},\n'
                 "        )\n"),
                ('        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()\n'
                 "        client.put_object(Bucket=bucket, Key=new + key.removeprefix(old),\n"
                 "                          Body=body)\n"))],
        },
        {"map cheaper than the worst layout": "fewer chunks across lat/lon",
         "row groups of the two objects": "row_group_size=n_rows // 100",
         "rename copies on the server side": "never download"},
    ),
    "pandas": Lab(
        "day3/23_pandas_sklearn_lab.md",
        {
            # sorted by zip code instead of by count
            "ex-lab-heating": [('return heating["zip"].value_counts()',
                                'return heating["zip"].value_counts().sort_index()')],
            # the model has seen the test period
            "ex-lab-model": [(").fit(X_train, y_train)\nrmse_mine", ").fit(X, y)\nrmse_mine")],
        },
        {"heating counts sorted by decreasing count": "do not re-sort by index",
         "model fitted on the training period only": "fit on X_train, y_train"},
    ),
}


def _submission(lab: Lab, folder: Path, student: str, mistaken: bool) -> Path:
    """The student edition with the reference answers filled in (with ``lab.mistakes``)."""
    edition = student_notebook(ROOT / lab.chapter)
    answers = {r.label: "\n\n".join(r.code) for r in edition.regions}
    if mistaken:
        for label, edits in lab.mistakes.items():
            for old, new in edits:
                assert old in answers[label], f"{label}: {old!r} not in the reference answer"
                answers[label] = answers[label].replace(old, new)
    nb = edition.notebook
    filled = 0
    for cell in nb.cells:
        meta = cell.metadata.get("bdp", {})
        if meta.get("role") == "answer" and meta["exercise"] in answers:
            cell.source = answers[meta["exercise"]]
            filled += 1
        if cell.cell_type == "code" and cell.source.startswith("STUDENT_ID"):
            cell.source = f'STUDENT_ID = "{student}"'
    assert filled == len(answers)
    path = folder / f"{student}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the two submissions of every lab, the labs in parallel: rows, feedback folders."""

    def grade(name: str) -> tuple[dict, Path]:
        lab = LABS[name]
        root = tmp_path_factory.mktemp(name.replace(" ", "-"))
        subs = root / "submissions"
        subs.mkdir()
        _submission(lab, subs, "a-reference", mistaken=False)
        _submission(lab, subs, "b-mistakes", mistaken=True)
        out = root / "grades.csv"
        grade_class(subs, load_rubric(lab.rubric), out, cell_timeout=600,
                    notebook_timeout=3600, memory_mb=lab.memory_mb, jobs=2, progress=False)
        with out.open(newline="") as handle:
            rows = {row["student"]: row for row in csv.DictReader(handle)}
        return rows, root / "grades_feedback"

    with ThreadPoolExecutor(max_workers=len(LABS)) as pool:
        results = dict(zip(LABS, pool.map(grade, LABS)))
    return results


@pytest.mark.parametrize("name", list(LABS))
def test_student_edition_hides_every_solution(name, tmp_path):
    lab = LABS[name]
    target, edition = write_student(ROOT / lab.chapter, tmp_path)
    assert edition.problems == []  # --strict: no narrative needs a solution, no answer glued
    assert verify(ROOT / lab.chapter, target) == []
    nb = nbformat.read(target, as_version=4)
    roles = [c.metadata.get("bdp", {}).get("role") for c in nb.cells]
    assert roles.count("answer") == len(edition.regions)
    checks = load_rubric(lab.rubric).checks
    assert roles.count("check") >= len(edition.regions)
    assert len(checks) >= 2 * len(edition.regions)  # every exercise graded by 2+ checks


@pytest.mark.parametrize("name", list(LABS))
def test_reference_answers_get_every_point(name, graded):
    rows, feedback = graded[name]
    row = rows["a-reference"]
    rubric = load_rubric(LABS[name].rubric)
    assert (row["status"], row["total"]) == ("ok", row["out_of"])
    assert [row[c] for c in rubric.checks] == [f"{p:g}" for p in rubric.checks.values()]
    assert f"{NO} " not in (feedback / "a-reference.md").read_text()


@pytest.mark.parametrize("name", list(LABS))
def test_mistakes_lose_exactly_their_points(name, graded):
    rows, feedback = graded[name]
    lab = LABS[name]
    rubric = load_rubric(lab.rubric)
    row = rows["b-mistakes"]
    assert row["status"] == "ok"
    lost = {c for c in rubric.checks if row[c] != f"{rubric.checks[c]:g}"}
    assert lost == set(lab.lost)
    assert all(row[c] == "0" for c in lost)
    assert float(row["total"]) == rubric.out_of - sum(rubric.checks[c] for c in lost)
    text = (feedback / "b-mistakes.md").read_text()
    for check, hint in lab.lost.items():
        line = next(ln for ln in text.splitlines() if ln.startswith(f"| {NO} {check} |"))
        assert f"| 0 / {rubric.checks[check]:g} | {check}: " in line and hint in line, line
    assert text.count(f"| {OK} ") == len(rubric.checks) - len(lost)
