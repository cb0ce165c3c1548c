"""The student edition (bdp.editions): no solution survives, the spec and the checks do."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from bdp import editions
from bdp.__main__ import main

DATA = Path(__file__).parent / "data" / "grading"
CHAPTER = DATA / "chapter.md"


@pytest.fixture(scope="module")
def edition() -> editions.Edition:
    return editions.student_notebook(CHAPTER)


def _roles(nb) -> list[tuple[str, str]]:
    return [(c.metadata["bdp"]["role"], c.metadata["bdp"]["exercise"])
            for c in nb.cells if "bdp" in c.metadata]


def test_every_solution_becomes_one_cell_to_fill(edition):
    assert edition.exercises == ["ex-tiny-mean", "ex-tiny-evens", "ex-tiny-why"]
    answers = [c for c in edition.notebook.cells
               if editions.ANSWER_TAG in c.metadata.get("tags", [])]
    assert [(c.cell_type, c.metadata["bdp"]["exercise"]) for c in answers] == [
        ("code", "ex-tiny-mean"), ("code", "ex-tiny-evens"), ("markdown", "ex-tiny-why")]
    # the answer cell says what the checks will use
    assert "The checks below use: mean" in answers[0].source
    assert "even_total" in answers[1].source
    assert _roles(edition.notebook).count(("check", "ex-tiny-mean")) == 3
    assert ("check", "ex-tiny-evens") in _roles(edition.notebook)
    assert not edition.problems


def test_no_solution_line_output_or_directive_survives(edition):
    assert editions.verify(CHAPTER, edition.notebook) == []
    text = "\n".join(c.source for c in edition.notebook.cells)
    for leak in ("sum(xs) / len(xs)", "n % 2 == 0)\n", "Zero is a possible mean",
                 "solution-start", "solution-end", "refuse the empty list before dividing"):
        assert leak not in text.replace("if n % 2 == 0)\ncheck", ""), leak
    # the spec stays, as Markdown Jupyter renders
    assert "**Exercise \u2014 Write the mean** (`ex-tiny-mean`)" in text
    assert "raise `ValueError`" in text
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in edition.notebook.cells)


def test_the_verifier_catches_a_leak(edition):
    leaky = nbformat.from_dict(nbformat.v4.new_notebook(cells=list(edition.notebook.cells)))
    leaky.cells.append(nbformat.v4.new_code_cell("    return sum(xs) / len(xs)"))
    out = nbformat.v4.new_output("stream", name="stdout", text="2.5\n")
    executed = nbformat.v4.new_code_cell("x = 1", execution_count=3, outputs=[out])
    leaky.cells.append(executed)
    problems = editions.verify(CHAPTER, leaky)
    assert any("ex-tiny-mean survives: 'return sum(xs) / len(xs)'" in p for p in problems)
    assert any("has outputs" in p for p in problems)
    assert any("execution count" in p for p in problems)


def test_a_narrative_that_needs_a_solution_is_reported():
    dep = editions.student_notebook(DATA / "dependent.md")
    assert dep.dependencies == ["the narrative uses 'doubled', defined only in the solution of "
                                "ex-dep-double (give a fallback after the exercise)"]
    assert dep.spoilers == ["prose glues 'answer_doubled', computed only in the solution of "
                            "ex-dep-double"]
    text = "\n".join(c.source for c in dep.notebook.cells)
    assert "{glue:text}`answer_doubled`" not in text
    assert "*(your answer to ex-dep-double)*" in text
    assert editions.verify(DATA / "dependent.md", dep.notebook) == []


def test_command_writes_ipynb_and_md_atomically(tmp_path, capsys):
    out = tmp_path / "student"
    assert main(["edition", "student", str(CHAPTER), str(DATA / "dependent.md"),
                 "--out", str(out)]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["tests/data/grading/chapter.ipynb", "tests/data/grading/dependent.ipynb"]
    nb = nbformat.read(out / "tests/data/grading/chapter.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["bdp"]["edition"] == "student"
    assert "bdp-setup" in nb.cells[0].metadata["tags"]  # the book's Colab setup cell
    report = capsys.readouterr()
    assert "3 solution(s) hidden, 4 check cell(s) kept" in report.out
    assert "warning:" in report.err and "doubled" in report.err
    # verify as CI would
    assert main(["edition", "verify", str(CHAPTER),
                 str(out / "tests/data/grading/chapter.ipynb")]) == 0
    # MyST for an HTML build keeps the exercise directive
    assert main(["edition", "student", str(CHAPTER), "--out", str(out), "--format", "md"]) == 0
    md = (out / "tests/data/grading/chapter.md").read_text()
    assert "```{exercise} Write the mean" in md and "solution" not in md.replace("solutions", "")
    assert len(jupytext.reads(md, fmt="md:myst").cells) > 5
    assert editions.verify(CHAPTER, out / "tests/data/grading/chapter.md") == []


def test_strict_fails_on_a_dependent_narrative(tmp_path):
    assert main(["edition", "student", str(DATA / "dependent.md"), "--out", str(tmp_path),
                 "--strict"]) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["student", "missing.md"], "missing.md: no such file"),
    (["student", "README"], "not a MyST chapter"),
    (["student", "no_exercise.md"], "no exercise with a solution"),
    (["student", "chapter.md"], "--out DIR is required"),
    (["verify", "chapter.md"], "verify takes CHAPTER.md STUDENT.ipynb"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(DATA)
    (tmp_path / "README").write_text("x")
    args = [str(tmp_path / a) if a == "README" else a for a in args]
    out = ["--out", str(tmp_path / "out")] if message != "--out DIR is required" else []
    assert main(["edition", *args, *out]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_local_names_are_not_narrative_dependencies(tmp_path):
    """Function locals, comprehension and loop variables of a solution are not 'defined' by it."""
    chapter = tmp_path / "scopes.md"
    chapter.write_text((DATA / "dependent.md").read_text().replace(
        "doubled = 2 * 21\n",
        "def twice(df):\n    df = df * 2\n    return df\n\n"
        "doubled = twice(21)\nsquares = [c * c for c in range(3)]\nfor k in range(2):\n"
        "    pass\n").replace(
        "print(doubled + 1)\n",
        "print([c for c in 'ab'], [df for df in (1, 2)])\nfor k in range(3):\n    print(k)\n"
        "def f(twice):\n    return twice\n"))
    dep = editions.student_notebook(chapter)
    assert [d.split("'")[1] for d in dep.dependencies] == []
