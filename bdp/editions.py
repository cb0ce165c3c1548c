"""Student edition: one MyST chapter in, a notebook with every solution replaced by a cell to fill.

The book is the *teacher* edition: it executes the worked solutions (the cells between
``{solution-start}`` and ``{solution-end}``, and the text of ``{solution}`` directives). The
student edition is derived from the same source::

    python -m bdp edition student day4/32_evaluation.md --out student/
    python -m bdp edition verify day4/32_evaluation.md student/day4/32_evaluation.ipynb

What :func:`student_notebook` does, cell by cell (the source is read with jupytext):

* every gated solution — its code cells and its prose — becomes **one cell to fill**, tagged
  ``bdp-answer`` with ``metadata.bdp = {"exercise": label, "role": "answer"}``: a code cell when
  the solution had code, a Markdown cell when it was prose only (an open question). The code cell
  names what the exercise's check cells use and the solution defines ("define: my_clean");
* code cells tagged ``bdp-check`` are **kept** wherever they are, with
  ``metadata.bdp.role = "check"``: they call :mod:`bdp.checks` on the learner's objects and are
  what ``python -m bdp grade`` runs (the teacher's copy, not the learner's);
* exercise directives are kept (the spec); in the ``.ipynb`` they become plain Markdown, which
  Jupyter and Colab render (``--format md`` keeps the directives for an HTML build, which must
  not execute: ``execute_notebooks: "off"``, since the check cells need the learner's answers —
  tried with ``jupyter-book build -W -n`` and sphinx-exercise: builds clean, no outputs);
* no outputs, no execution counts; glue references (``{glue:text}`name` ``) to values glued only
  inside a solution are replaced by a pointer to the exercise, and reported.

It also reports what breaks a learner who skips an exercise: a later narrative cell that uses a
name only a solution defines (:attr:`Edition.dependencies`), and prose that glues an answer
(:attr:`Edition.spoilers`). ``--strict`` turns both into errors (for CI, once chapters are fixed).

:func:`verify` proves the result: every non-trivial line of every solution (code and prose; a line
is trivial when it is short or also appears outside the solutions) is absent from the student
file, no cell has an output, and no solution-only glue name is referenced.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bdp.datasets._write import write_text_atomically

__all__ = [
    "ANSWER_TAG",
    "CHECK_TAG",
    "Edition",
    "EditionError",
    "solution_regions",
    "student_notebook",
    "verify",
    "write_student",
]

ANSWER_TAG = "bdp-answer"
CHECK_TAG = "bdp-check"
#: A solution line shorter than this (after stripping) is "trivial" for :func:`verify`.
MIN_LINE = 8

_GLUE_CALL = re.compile(r"""\bglue\(\s*["']([^"']+)["']""")
_GLUE_REF = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)(?::[^`]*)?`")
_GLUE_DIRECTIVE = re.compile(r"^([`:]{3,})\{glue(?::[a-z]+)?\}\s+(\S+)", re.M)


class EditionError(ValueError):
    """The input cannot give a student edition (one line, said to the user as is)."""


@dataclass
class Region:
    """One solution: its exercise label, code cells, prose, and the check cells inside it."""

    label: str
    code: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    checks: list[Any] = field(default_factory=list)  # check cells kept in the student edition


@dataclass
class Edition:
    """A student edition and what the conversion found."""

    notebook: Any
    exercises: list[str]
    regions: list[Region]
    dependencies: list[str]
    spoilers: list[str]

    @property
    def problems(self) -> list[str]:
        return self.dependencies + self.spoilers


# --------------------------------------------------------------------------- Markdown blocks


def _blocks(text: str) -> list[tuple[str, str, str]]:
    """Split Markdown into ``(kind, argument, text)`` at top-level directives that matter here.

    ``kind`` is ``text``, ``exercise``, ``solution``, ``solution-start`` or ``solution-end``;
    fences are found by markdown-it (with MyST's colon fences), so nesting is respected.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.colon_fence import colon_fence_plugin

    md = MarkdownIt("commonmark").use(colon_fence_plugin)
    lines = text.splitlines(keepends=True)
    out: list[tuple[str, str, str]] = []
    cursor = 0
    for token in md.parse(text):
        if token.level != 0 or token.type not in ("fence", "colon_fence") or not token.map:
            continue
        match = re.match(r"\{([\w-]+)\}\s*(.*)", token.info.strip())
        if not match or match.group(1) not in (
            "exercise", "solution", "solution-start", "solution-end"
        ):
            continue
        start, end = token.map
        if start > cursor:
            out.append(("text", "", "".join(lines[cursor:start])))
        kind, arg = match.group(1), match.group(2).strip()
        if kind == "exercise":
            label = re.search(r"^:label:\s*(\S+)", token.content, re.M)
            arg = f"{label.group(1) if label else ''}\t{arg}"
        out.append((kind, arg, "".join(lines[start:end])))
        cursor = end
    if cursor < len(lines):
        out.append(("text", "", "".join(lines[cursor:])))
    return out


def _exercise_markdown(arg: str, block: str, keep_directive: bool) -> str:
    """The exercise spec; as plain Markdown (title, body) unless the directive is kept."""
    if keep_directive:
        return block
    label, _, title = arg.partition("\t")
    body = block.splitlines()[1:-1]
    body = [line for line in body if not re.match(r"^:(label|class|nonumber|hidden):", line)]
    head = f"**Exercise \u2014 {title}**" + (f" (`{label}`)" if label else "")
    return head + "\n\n" + "\n".join(body).strip() + "\n"


# --------------------------------------------------------------------------- Python names


def _python(source: str) -> ast.Module | None:
    """Parse a code cell (IPython magics turned into Python first); None when it cannot parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython missing or an odd cell: parse it as is
        pass
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walk_scope(node: ast.AST):
    """Like :func:`ast.walk`, without entering nested scopes (functions, lambdas, comprehensions)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, _SCOPES):
                yield child  # its name binds here; its body does not
            else:
                todo.append(child)


def _stores(node: ast.AST) -> set[str]:
    """Names a statement binds in the notebook's namespace."""
    names: set[str] = set()
    for sub in _walk_scope(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
    return names


def _bound_anywhere(node: ast.AST) -> set[str]:
    """Every name bound at any depth: stores, parameters, comprehension targets."""
    names = {sub.id for sub in ast.walk(node)
             if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)}
    names |= {sub.arg for sub in ast.walk(node) if isinstance(sub, ast.arg)}
    return names


def _loads(node: ast.AST) -> set[str]:
    """Names a statement reads from outside (local and comprehension names excluded)."""
    if not isinstance(node, ast.stmt):
        return {sub.id for sub in ast.walk(node)
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}
    loop_targets = {name.id for sub in ast.walk(node) if isinstance(sub, (ast.For, ast.AsyncFor))
                    for name in ast.walk(sub.target) if isinstance(name, ast.Name)}
    return {
        sub.id for sub in ast.walk(node)
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)
    } - (_bound_anywhere(node) - _stores(node)) - loop_targets


def _defined(sources: list[str]) -> set[str]:
    """Top-level names a solution leaves defined (assigned, def'd, imported, not deleted)."""
    names: set[str] = set()
    for source in sources:
        tree = _python(source)
        for stmt in tree.body if tree else []:
            if isinstance(stmt, ast.Delete):
                names -= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            else:
                names |= _stores(stmt)
    return names


# --------------------------------------------------------------------------- the conversion


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def solution_regions(nb: Any) -> tuple[list[Region], list[str]]:
    """The solutions of a notebook read from MyST, and the exercise labels, in order."""
    edition = _convert(nb, keep_directives=True)
    return edition.regions, edition.exercises


def _convert(nb: Any, keep_directives: bool) -> Edition:
    import nbformat

    cells: list[Any] = []
    regions: list[Region] = []
    exercises: list[str] = []
    region: Region | None = None
    buffer: list[str] = []
    last_exercise = ""

    def flush(metadata: dict | None = None) -> None:
        text = "".join(buffer).strip("\n")
        buffer.clear()
        if text.strip():
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=dict(metadata or {})))

    def close(current: Region) -> None:
        flush()
        meta = {"tags": [ANSWER_TAG], "bdp": {"exercise": current.label, "role": "answer"}}
        if current.code or not current.prose:
            cells.append(nbformat.v4.new_code_cell(
                f"# \u270e Exercise {current.label}: your code here.\n", metadata=meta))
        else:
            cells.append(nbformat.v4.new_markdown_cell(
                f"\u270e **Your answer** (exercise `{current.label}`):\n\n\u2026", metadata=meta))
        for check in current.checks:
            cells.append(check)
        regions.append(current)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for kind, arg, text in _blocks(cell.source):
                if region is not None:
                    if kind == "solution-end":
                        close(region)
                        region = None
                    else:
                        region.prose.append(text)
                elif kind == "exercise":
                    last_exercise = arg.partition("\t")[0]
                    exercises.append(last_exercise)
                    buffer.append(_exercise_markdown(arg, text, keep_directives))
                elif kind == "solution-start":
                    region = Region(arg.split()[0] if arg else last_exercise)
                elif kind == "solution":
                    prose = Region(arg.split()[0] if arg else last_exercise, prose=[text])
                    close(prose)
                elif kind == "solution-end":
                    raise EditionError("a {solution-end} without its {solution-start}")
                else:
                    buffer.append(text)
            if region is None:
                buffer.append("\n")
            continue
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in _tags(cell):
            kept = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
            kept.metadata["bdp"] = {
                "exercise": region.label if region else last_exercise, "role": "check"}
            if region is not None:
                region.checks.append(kept)
            else:
                flush()
                cells.append(kept)
        elif region is not None:
            region.code.append(cell.source)
        else:
            flush()
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata)))
    if region is not None:
        raise EditionError(f"solution of {region.label} has no {{solution-end}}")
    flush()
    out = nbformat.v4.new_notebook(cells=cells, metadata=dict(nb.metadata))
    out.metadata["bdp"] = {"edition": "student", "exercises": exercises}
    edition = Edition(out, exercises, regions, [], [])
    _annotate(edition)
    return edition


def _annotate(edition: Edition) -> None:
    """Name what each answer must define; find narrative dependencies and spoiler glues."""
    cells = edition.notebook.cells
    by_label = {r.label: r for r in edition.regions}
    narrative_defined: set[str] = set()
    solution_only: dict[str, str] = {}  # name -> exercise label
    glue_only: dict[str, str] = {}
    glued_outside = {m for c in cells if c.cell_type == "code"
                     for m in _GLUE_CALL.findall(c.source)}
    for region in edition.regions:
        for source in region.code:
            for name in _GLUE_CALL.findall(source):
                if name not in glued_outside:
                    glue_only[name] = region.label
    for cell in cells:
        meta = cell.metadata.get("bdp", {})
        if meta.get("role") == "answer":
            region = by_label.get(meta["exercise"])
            defined = _defined(region.code) - narrative_defined if region else set()
            for name in defined:
                solution_only.setdefault(name, meta["exercise"])
            uses: set[str] = set()
            for check in cells:
                if check.metadata.get("bdp", {}) == {"exercise": meta["exercise"],
                                                     "role": "check"}:
                    tree = _python(check.source)
                    uses |= _loads(tree) & defined if tree else set()
            if uses and cell.cell_type == "code":
                cell.source += f"# The checks below use: {', '.join(sorted(uses))}\n"
            continue
        if cell.cell_type == "markdown":
            def hide(match: re.Match) -> str:
                label = glue_only.get(match.group(1))
                if label is None:
                    return match.group(0)
                edition.spoilers.append(
                    f"prose glues {match.group(1)!r}, computed only in the solution of {label}")
                return f"*(your answer to {label})*"

            cell.source = _GLUE_REF.sub(hide, cell.source)
            for match in _GLUE_DIRECTIVE.finditer(cell.source):
                if match.group(2) in glue_only:
                    edition.spoilers.append(
                        f"a glue directive shows {match.group(2)!r}, computed only in the "
                        f"solution of {glue_only[match.group(2)]}")
            continue
        if meta.get("role") == "check":
            continue
        tree = _python(cell.source)
        for stmt in tree.body if tree else []:
            for name in sorted(_loads(stmt) & set(solution_only) - narrative_defined):
                edition.dependencies.append(
                    f"the narrative uses {name!r}, defined only in the solution of "
                    f"{solution_only[name]} (give a fallback after the exercise)")
                narrative_defined.add(name)  # report each name once
            narrative_defined |= _stores(stmt)


def _read_chapter(path: Path) -> Any:
    import jupytext

    if not path.is_file():
        raise EditionError(f"{path}: no such file")
    if path.suffix != ".md":
        raise EditionError(f"{path}: not a MyST chapter (expected a .md file)")
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---") or "kernelspec" not in text.split("\n---", 2)[0]:
        raise EditionError(f"{path}: not a MyST notebook chapter (no kernelspec front matter)")
    try:
        return jupytext.reads(text, fmt="md:myst")
    except Exception as exc:  # noqa: BLE001 - jupytext raises many kinds
        raise EditionError(f"{path}: cannot be read as MyST ({exc})") from None


def student_notebook(source: Path, *, keep_directives: bool = False) -> Edition:
    """The student edition of one chapter (see the module docstring)."""
    edition = _convert(_read_chapter(Path(source)), keep_directives)
    if not edition.regions:
        raise EditionError(f"{source}: no exercise with a solution, nothing to hide")
    return edition


# --------------------------------------------------------------------------- writing


def _book_root(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if (parent / "_config.yml").is_file() and (parent / "_toc.yml").is_file():
            return parent
    return None


def write_student(source: Path, out: Path, fmt: str = "ipynb", *, setup_cell: bool = True
                  ) -> tuple[Path, Edition]:
    """Write the student edition of ``source`` under ``out`` (atomically); return its path.

    Inside a book the file keeps its folder (``out/day4/32_evaluation.ipynb``) and, as an
    ``.ipynb``, starts with the book's Colab setup cell (:mod:`bdp.notebooks`).
    """
    import jupytext
    import nbformat

    source = Path(source)
    edition = student_notebook(source, keep_directives=(fmt == "md"))
    book = _book_root(source)
    rel = source.resolve().relative_to(book) if book else Path(source.name)
    target = Path(out) / rel.with_suffix(f".{fmt}")
    nb = edition.notebook
    if fmt == "md":
        text = jupytext.writes(nb, fmt="md:myst")
    else:
        if book and setup_cell:
            from bdp import notebooks

            needs_java = "spark_session" in source.read_text(encoding="utf-8")
            nb.cells.insert(0, nbformat.v4.new_code_cell(
                notebooks.setup_cell_source(book, needs_java, rel.parent.as_posix()),
                metadata={"tags": [notebooks.SETUP_TAG, "remove-cell"], "cellView": "form"}))
        nb.metadata.pop("jupytext", None)
        nbformat.validate(nb)
        text = nbformat.writes(nb)
    write_text_atomically(target, text)
    return target, edition


# --------------------------------------------------------------------------- verifying


def _norm(text: str) -> str:
    return " ".join(text.split())


def _student_text(path_or_nb: Any) -> tuple[Any, str]:
    import jupytext
    import nbformat

    if isinstance(path_or_nb, (str, Path)):
        path = Path(path_or_nb)
        nb = (jupytext.read(path, fmt="md:myst") if path.suffix == ".md"
              else nbformat.read(path, as_version=4))
    else:
        nb = path_or_nb
    return nb, _norm("\n".join(cell.source for cell in nb.cells))


def verify(source: Path, student: Any) -> list[str]:
    """Problems that let a solution through to ``student`` (a path or notebook); [] when none."""
    chapter = _read_chapter(Path(source))
    regions, _ = solution_regions(chapter)
    nb, text = _student_text(student)
    problems = []
    # a solution line may appear in the student file only where the source has it outside the
    # solutions too (an import, a continuation line, the spec): compare with the source's text
    # with every solution block cut out
    outside_text = _norm(Path(source).read_text(encoding="utf-8"))
    for region in regions:
        for block in region.code + region.prose:
            outside_text = outside_text.replace(_norm(block), "\u2702")
    for region in regions:
        for kind, blocks in (("code", region.code), ("prose", region.prose)):
            for block in blocks:
                for line in block.splitlines():
                    norm = _norm(line)
                    if (len(norm) < MIN_LINE or not re.search(r"[A-Za-z0-9]", norm)
                            or norm in outside_text or re.match(r"^[`:]{3,}", norm)):
                        continue
                    if norm in text:
                        problems.append(
                            f"solution {kind} of {region.label} survives: {norm[:70]!r}")
    for index, cell in enumerate(nb.cells):
        if cell.get("outputs"):
            problems.append(f"cell {index} has outputs")
        if cell.get("execution_count"):
            problems.append(f"cell {index} has an execution count")
    solution_glue = {name for r in regions for src in r.code for name in _GLUE_CALL.findall(src)}
    solution_code = {src for r in regions for src in r.code}
    outside = {name for c in chapter.cells if c.cell_type == "code"
               and c.source not in solution_code for name in _GLUE_CALL.findall(c.source)}
    for name in sorted(solution_glue - outside):
        if re.search(r"\{glue(?::[a-z]+)?\}`" + re.escape(name) + r"[`:]", text) or re.search(
                r"\{glue(?::[a-z]+)?\}\s+" + re.escape(name) + r"\b", text):
            problems.append(f"the answer glued as {name!r} is referenced")
    return problems


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``edition`` command."""
    parser.add_argument("action", choices=["student", "verify"],
                        help="student: write the student edition; verify: check one")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="student: CHAPTER.md ...; verify: CHAPTER.md STUDENT.ipynb")
    parser.add_argument("--out", type=Path, help="output directory (student)")
    parser.add_argument("--format", choices=["ipynb", "md"], default="ipynb",
                        help="ipynb (default; for Jupyter/Colab) or md (MyST, for an HTML build)")
    parser.add_argument("--strict", action="store_true",
                        help="fail when the narrative depends on a solution or glues an answer")


def run(args: argparse.Namespace) -> int:
    """Run the ``edition`` command; return the exit code (2: bad input, 1: problems found)."""
    try:
        if args.action == "verify":
            if len(args.paths) != 2:
                raise EditionError("verify takes CHAPTER.md STUDENT.ipynb")
            if not args.paths[1].is_file():
                raise EditionError(f"{args.paths[1]}: no such file")
            problems = verify(args.paths[0], args.paths[1])
            for problem in problems:
                print(f"leak: {problem}")
            print(f"{args.paths[1]}: " + (f"{len(problems)} problem(s)" if problems
                                         else "no solution line, output or answer glue"))
            return 1 if problems else 0
        if args.out is None:
            raise EditionError("--out DIR is required")
        editions = [(path, student_notebook(path)) for path in args.paths]  # all valid first
        status = 0
        for path, _ in editions:
            target, edition = write_student(path, args.out, args.format)
            leaks = verify(path, target)
            for problem in edition.problems:
                print(f"warning: {path}: {problem}", file=sys.stderr)
            for problem in leaks:
                print(f"error: {path}: {problem}", file=sys.stderr)
            if leaks or (args.strict and edition.problems):
                status = 1
            kept = sum(c.metadata.get("bdp", {}).get("role") == "check"
                       for c in edition.notebook.cells)
            print(f"wrote {target}: {len(edition.regions)} solution(s) hidden, "
                  f"{kept} check cell(s) kept, "
                  f"{target.stat().st_size / 1e3:.1f} kB")
        return status
    except EditionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

