"""The teacher's side of grading: rubric, runner, grade sheet, feedback, the ``grade`` command.

See :mod:`bdp.grading` for the design (and why the kit has its own runner rather than
otter-grader or nbgrader); this module imports the notebook machinery (nbformat, nbclient,
tqdm), which chapters never need.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bdp.files import write_atomic
from bdp.grading import ID_ENV, OK, GradeError

__all__ = ["GradeError", "Rubric", "feedback", "grade_class", "grade_notebook", "load_rubric",
           "sheet", "teacher_checks"]


# =========================================================================== rubric


@dataclass
class Rubric:
    """Points per check name, open questions (max points) and the chapter the checks come from."""

    checks: dict[str, float]
    manual: dict[str, float] = field(default_factory=dict)
    source: Path | None = None

    @property
    def out_of(self) -> float:
        return sum(self.checks.values())


def load_rubric(path: Path) -> Rubric:
    """Read a rubric::

        source: ../day4/32_evaluation.md     # chapter whose bdp-check cells grade (teacher's copy)
        checks:                              # check name (first argument of check_*) -> points
          mean of 1..4: 2
        manual:                              # open questions: max points, graded by the teacher
          why refuse the empty list: 2
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise GradeError(f"{path}: no such rubric")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GradeError(f"{path}: not YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), dict) or not data["checks"]:
        raise GradeError(f"{path}: a rubric needs a 'checks:' mapping of check name -> points")

    def points(section: str) -> dict[str, float]:
        out = {}
        for name, value in (data.get(section) or {}).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise GradeError(f"{path}: {section} {name!r} needs points >= 0, got {value!r}")
            out[str(name)] = float(value)
        return out

    source = data.get("source")
    source_path = (path.parent / source).resolve() if source else None
    if source_path is not None and not source_path.is_file():
        raise GradeError(f"{path}: source {source} not found")
    return Rubric(points("checks"), points("manual"), source_path)


# =========================================================================== building a run


def _check_names(source: str) -> list[str]:
    """Names of the checks a cell calls: the literal first argument of ``check_*(...)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                and (getattr(node.func, "id", None) or node.func.attr).startswith("check_")
                and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            names.append(node.args[0].value)
    return names


def _role(cell: Any) -> tuple[str | None, str | None]:
    meta = cell.get("metadata", {})
    bdp = meta.get("bdp", {}) if isinstance(meta.get("bdp"), dict) else {}
    role = bdp.get("role") or ("check" if "bdp-check" in meta.get("tags", []) else None)
    return role, bdp.get("exercise")


@dataclass
class CheckCell:
    label: str | None
    source: str
    names: list[str]


def teacher_checks(rubric: Rubric) -> list[CheckCell] | None:
    """The check cells of the rubric's source chapter; None when the rubric names no source."""
    if rubric.source is None:
        return None
    from bdp.editions import EditionError, student_notebook

    try:
        nb = student_notebook(rubric.source).notebook
    except EditionError as exc:
        raise GradeError(str(exc)) from None
    cells = [CheckCell(_role(c)[1], c.source, _check_names(c.source))
             for c in nb.cells if _role(c)[0] == "check"]
    called = {n for c in cells for n in c.names}
    missing = [n for n in rubric.checks if n not in called]
    if missing:
        raise GradeError(f"rubric check {missing[0]!r} is not called by any bdp-check cell of "
                         f"{rubric.source.name}")
    return cells


def _assemble(nb: Any, checks: list[CheckCell] | None, preamble: str
              ) -> tuple[Any, list[tuple[int, CheckCell, str]], bool]:
    """The notebook to run, the (index, check, nonce) of each graded cell, whether checks differ."""
    import nbformat

    hidden = {"tags": ["bdp-grading"]}
    cells = [nbformat.v4.new_code_cell(preamble, metadata=dict(hidden))]
    own = [c for c in nb.cells if _role(c)[0] == "check"]
    if checks is None:
        checks = [CheckCell(_role(c)[1], c.source, _check_names(c.source)) for c in own]
    edited = {c.source.strip() for c in own} != {c.source.strip() for c in checks}
    pending = list(checks)
    graded: list[tuple[int, CheckCell, str]] = []

    def place(check: CheckCell) -> None:
        nonce = secrets.token_hex(16)
        cells.append(nbformat.v4.new_code_cell(
            f"__import__('bdp.grading').grading._arm({check.label!r}, {nonce!r})",
            metadata=dict(hidden)))
        graded.append((len(cells), check, nonce))
        cells.append(nbformat.v4.new_code_cell(check.source, metadata={"tags": ["bdp-check"]}))
        cells.append(nbformat.v4.new_code_cell(
            "__import__('bdp.grading').grading._disarm()", metadata=dict(hidden)))

    for number, cell in enumerate(nb.cells, start=1):
        role, label = _role(cell)
        if role == "check":
            continue
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata)))
        else:
            cells.append(cell)
        cells[-1].metadata["bdp_cell"] = number  # the learner's cell number, for messages
        if role == "answer":
            for check in [c for c in pending if c.label == label]:
                place(check)
                pending.remove(check)
    for check in pending:  # the learner deleted the answer cell: check at the end
        place(check)
    out = nbformat.v4.new_notebook(cells=cells, metadata=dict(nb.metadata))
    return out, graded, edited


def _id_in(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type != "code" or "STUDENT_ID" not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "STUDENT_ID" for t in node.targets)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                    and node.value.value.strip()):
                return node.value.value.strip()
    return None


# =========================================================================== grading one


@dataclass
class Outcome:
    """One check of one submission."""

    points: float
    passed: bool
    message: str


@dataclass
class Graded:
    """The result for one submission."""

    student: str
    file: str
    checks: dict[str, Outcome]
    status: list[str]
    executed: Any = None

    @property
    def total(self) -> float:
        return sum(o.points for o in self.checks.values())


def _fmt(points: float) -> str:
    return f"{points:g}"


def _error_of(cell: Any) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}".strip()
    return None


def _lines(cell: Any) -> list[str]:
    text = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text.append(out.get("text", ""))
        elif "data" in out:
            text.append(str(out["data"].get("text/plain", "")))
    return "".join(text).splitlines()


def _where(cell: Any) -> str:
    meta = cell.get("metadata", {})
    if "bdp-grading" in meta.get("tags", []):
        return "the grader's own cell"
    return f"cell {meta['bdp_cell']}" if meta.get("bdp_cell") else "a check cell"


def _kill_group(pid: int | None) -> None:
    """Kill the kernel's process group (the kernel is a session leader, so group id = pid)."""
    if not pid:
        return
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def grade_notebook(
    path: Path,
    rubric: Rubric,
    checks: list[CheckCell] | None,
    *,
    data: bytes | None = None,
    files: Path | None = None,
    cell_timeout: float = 60,
    notebook_timeout: float = 600,
    memory_mb: int = 4096,
    kernel: str = "python3",
) -> Graded:
    """Run one submission and grade it; never raises for a bad submission (see module doc)."""
    import nbformat

    path = Path(path)
    blank = {name: Outcome(0.0, False, "not graded") for name in rubric.checks}
    if path.suffix != ".ipynb":
        return Graded(path.stem, path.name, blank, [f"not a notebook ({path.suffix or 'no'} "
                                                    f"file; expected .ipynb)"])
    try:
        raw = data if data is not None else path.read_bytes()
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - JSON, encoding, schema: all mean "not readable"
        reason = " ".join(str(exc).split())[:80]
        return Graded(path.stem, path.name, blank, [f"not a readable notebook: {reason}"])
    status: list[str] = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError:
        status.append("notebook fails nbformat validation (run anyway)")
    student = _id_in(nb) or path.stem
    with tempfile.TemporaryDirectory(prefix="bdp-grade-") as tmp:
        root = Path(tmp)
        work, private = root / "work", root / "private"
        if files is not None:
            shutil.copytree(files, work)
        work.mkdir(exist_ok=True)
        private.mkdir()
        for sub in ("home", "tmp"):
            (work / sub).mkdir(exist_ok=True)
        (work / path.name).write_bytes(raw)
        record = private / "checks.jsonl"
        preamble = (f"__import__('bdp.grading').grading._start({str(record)!r}, "
                    f"[{str(work)!r}], {int(memory_mb)})")
        run, graded, edited = _assemble(nb, checks, preamble)
        if edited:
            status.append("check cells differ from the teacher's (the teacher's copy ran)")
        env = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work / "tmp"),
                   MPLCONFIGDIR=str(work / "home"), PYTHONDONTWRITEBYTECODE="1")
        env[ID_ENV] = student
        status += _execute(run, work, env, kernel, cell_timeout, notebook_timeout)
        events = []
        if record.exists():
            for line in record.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    events.append(json.loads(line))
                except ValueError:
                    status.append("garbled line in the check record (ignored)")
    outcomes, notes = _score(rubric, run, graded, events)
    return Graded(student, path.name, outcomes, status + notes, run)


def _execute(nb: Any, work: Path, env: dict, kernel: str, cell_timeout: float,
             notebook_timeout: float) -> list[str]:
    """Execute ``nb`` cell by cell in a fresh kernel; return status notes."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    import logging

    quiet = logging.getLogger("bdp.grading.nbclient")  # time-outs are reported in the sheet
    quiet.setLevel(logging.CRITICAL)
    client = NotebookClient(nb, kernel_name=kernel, allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout={"ename": "TimeoutError", "evalue": "cell time limit",
                                              "traceback": []},
                            timeout=int(cell_timeout), startup_timeout=120, log=quiet,
                            resources={"metadata": {"path": str(work)}})
    notes: list[str] = []
    deadline = time.monotonic() + notebook_timeout
    killed = threading.Event()
    pid = None
    try:
        with client.setup_kernel(env=env):
            pid = getattr(getattr(client.km, "provisioner", None), "pid", None)

            def kill() -> None:
                killed.set()
                _kill_group(pid)

            watchdog = threading.Timer(notebook_timeout, kill)
            watchdog.daemon = True
            watchdog.start()
            try:
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    remaining = deadline - time.monotonic()
                    client.timeout = max(1, int(min(cell_timeout, remaining)))
                    started = time.monotonic()
                    try:
                        client.execute_cell(cell, index)
                    except DeadKernelError:
                        what = (f"stopped: notebook time limit ({notebook_timeout:g} s)"
                                if killed.is_set() else
                                f"kernel died in {_where(cell)} (crash or memory limit)")
                        notes.append(what)
                        break
                    if time.monotonic() - started >= client.timeout - 0.5 and not any(
                            "interrupted" in note for note in notes):  # the first one says it
                        notes.append(f"{_where(cell)} interrupted: cell time limit "
                                     f"({client.timeout:g} s)")
            finally:
                watchdog.cancel()
    except Exception as exc:  # noqa: BLE001 - kernel start-up or messaging failure
        notes.append(f"could not run: {type(exc).__name__}: {' '.join(str(exc).split())[:80]}")
    finally:
        _kill_group(pid)  # children the kernel left behind (Dask workers...)
    return notes


def _score(rubric: Rubric, nb: Any, graded: list[tuple[int, CheckCell, str]],
           events: list[dict]) -> tuple[dict[str, Outcome], list[str]]:
    nonces = {nonce for _, _, nonce in graded}
    results: dict[str, tuple[bool, str]] = {}
    blocked = []
    for event in events:
        kind = event.get("event")
        if kind == "blocked":
            blocked.append(str(event.get("what")))
        elif kind in ("pass", "fail") and event.get("nonce") in nonces:
            name = str(event.get("name"))
            if kind == "fail":
                results[name] = (False, str(event.get("message", "")))
            elif name not in results:
                results[name] = (True, "")
    notes: list[str] = []
    if blocked:
        notes.append(f"blocked {len(blocked)} action(s) outside its folder: {blocked[0]}")
    reasons: dict[str, str] = {}
    check_cells = set()
    for index, check, _ in graded:
        check_cells.add(index)
        error = _error_of(nb.cells[index]) if index < len(nb.cells) else None
        for name in check.names:
            reasons.setdefault(name, f"not run: {error}" if error and name not in results
                               else "not run (an earlier check of the cell failed or the "
                                    "notebook stopped)")
    outcomes = {}
    for name, points in rubric.checks.items():
        if name in results and results[name][0]:
            outcomes[name] = Outcome(points, True, "passed")
        elif name in results:
            outcomes[name] = Outcome(0.0, False, results[name][1])
        else:
            outcomes[name] = Outcome(0.0, False, reasons.get(name, "not run"))
    for index, cell in enumerate(nb.cells):
        error = _error_of(cell) if index not in check_cells else None
        if error and not error.startswith(("TimeoutError", "KeyboardInterrupt")):
            notes.append(f"error in {_where(cell)}: {error[:80]}")
            break
    forged = []
    for index, cell in enumerate(nb.cells):
        for line in _lines(cell):
            match = re.match(r"\s*" + OK + r"\s*([^:]+):", line)
            if match and match.group(1).strip() in rubric.checks:
                name = match.group(1).strip()
                if (index not in check_cells or not outcomes[name].passed) and \
                        name not in forged:
                    forged.append(name)
    if forged:
        notes.append(f"forged {OK} line(s) ignored: {', '.join(map(repr, forged[:3]))}")
    return outcomes, notes


# =========================================================================== a class


def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _restore(snapshot: dict[Path, bytes]) -> list[str]:
    changed = []
    for p, data in snapshot.items():
        try:
            same = p.read_bytes() == data
        except OSError:
            same = False
        if not same:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            changed.append(p.name)
    return changed


def sheet(rubric: Rubric, results: list[Graded]) -> str:
    """The grade sheet as CSV text: student, file, each check, each open question (blank for the
    teacher), total (checks only), out_of, status."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    manual = [f"{name} (manual, /{_fmt(points)})" for name, points in rubric.manual.items()]
    writer.writerow(["student", "file", *rubric.checks, *manual, "total", "out_of", "status"])
    for r in sorted(results, key=lambda r: (r.student, r.file)):
        writer.writerow([r.student, r.file, *(_fmt(r.checks[n].points) for n in rubric.checks),
                         *([""] * len(manual)), _fmt(r.total), _fmt(rubric.out_of),
                         "; ".join(r.status) or "ok"])
    return buffer.getvalue()


def feedback(rubric: Rubric, result: Graded) -> str:
    """Markdown feedback for one learner: each check with its points and message."""
    lines = [f"# Feedback \u2014 {result.student}", "",
             f"Automatic checks: **{_fmt(result.total)} / {_fmt(rubric.out_of)}** "
             f"(file `{result.file}`).", ""]
    if result.status:
        lines += ["Notes: " + "; ".join(result.status) + ".", ""]
    lines += ["| check | points | result |", "|---|---|---|"]
    for name, points in rubric.checks.items():
        o = result.checks[name]
        mark = OK if o.passed else "\u2717"
        text = o.message.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {mark} {name} | {_fmt(o.points)} / {_fmt(points)} | {text} |")
    if rubric.manual:
        lines += ["", "Graded by your teacher:", ""]
        lines += [f"- {name} (/{_fmt(points)})" for name, points in rubric.manual.items()]
    return "\n".join(lines) + "\n"


def grade_class(
    submissions: Path,
    rubric: Rubric,
    out: Path,
    *,
    feedback_dir: Path | None = None,
    files: Path | None = None,
    cell_timeout: float = 60,
    notebook_timeout: float = 600,
    memory_mb: int = 4096,
    jobs: int = 1,
    progress: bool = True,
) -> list[Graded]:
    """Grade every file of ``submissions``; write the sheet ``out`` and the feedback folder."""
    import nbformat
    from concurrent.futures import ThreadPoolExecutor
    from tqdm.auto import tqdm

    submissions = Path(submissions)
    if not submissions.is_dir():
        raise GradeError(f"{submissions}: not a folder of submissions")
    paths = sorted(p for p in submissions.iterdir() if p.is_file() and not p.name.startswith("."))
    if not paths:
        raise GradeError(f"{submissions}: no submission in it")
    checks = teacher_checks(rubric)
    snapshot = _snapshot(submissions)
    feedback_dir = Path(feedback_dir) if feedback_dir else Path(out).with_name(
        Path(out).stem + "_feedback")
    lock = threading.Lock()

    def one(path: Path) -> Graded:
        result = grade_notebook(path, rubric, checks, data=snapshot.get(path), files=files,
                                cell_timeout=cell_timeout, notebook_timeout=notebook_timeout,
                                memory_mb=memory_mb)
        with lock:
            changed = _restore(snapshot)
        if changed:
            result.status.append(f"the submissions folder changed during its run "
                                 f"(restored {', '.join(changed[:3])})")
        return result

    results: list[Graded] = []
    with tqdm(total=len(paths), desc="grading", unit="notebook", disable=not progress) as bar, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(one, paths):
            results.append(result)
            bar.update()
    seen: dict[str, int] = {}
    for r in results:
        seen[r.student] = seen.get(r.student, 0) + 1
    for r in results:
        if seen[r.student] > 1:
            r.status.append(f"identifier {r.student!r} used by {seen[r.student]} files")
    write_atomic(Path(out), sheet(rubric, results))
    for r in results:
        stem = re.sub(r"[^\w.-]", "_", r.student if seen[r.student] == 1
                      else f"{r.student}-{Path(r.file).stem}")
        write_atomic(feedback_dir / f"{stem}.md", feedback(rubric, r))
        if r.executed is not None:
            write_atomic(feedback_dir / f"{stem}.ipynb", nbformat.writes(r.executed))
    return results


# =========================================================================== command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of the ``grade`` command."""
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--rubric", type=Path, required=True, help="rubric YAML (see bdp.grading)")
    parser.add_argument("--out", type=Path, required=True, help="grade sheet to write (CSV)")
    parser.add_argument("--feedback", type=Path, help="feedback folder (default: OUT_feedback/)")
    parser.add_argument("--files", type=Path, help="folder copied into each run's working folder")
    parser.add_argument("--cell-timeout", type=float, default=60, help="seconds per cell (60)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per notebook (600)")
    parser.add_argument("--memory-mb", type=int, default=4096,
                        help="address-space cap per kernel process, MB (4096; 0: none)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once (1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run the ``grade`` command; 2 on bad input (one line), else 0."""
    try:
        if args.files is not None and not args.files.is_dir():
            raise GradeError(f"{args.files}: not a folder")
        if args.cell_timeout <= 0 or args.timeout <= 0 or args.jobs < 1 or args.memory_mb < 0:
            raise GradeError("time limits and --jobs must be positive, --memory-mb >= 0")
        rubric = load_rubric(args.rubric)
        results = grade_class(args.submissions, rubric, args.out, feedback_dir=args.feedback,
                              files=args.files, cell_timeout=args.cell_timeout,
                              notebook_timeout=args.timeout, memory_mb=args.memory_mb,
                              jobs=args.jobs, progress=not args.no_progress)
    except GradeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {len(results)} submission(s), "
          f"{sum(1 for r in results if not r.status)} without notes")
    return 0
