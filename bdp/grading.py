"""Grade a class: run every submitted notebook in a clean kernel and write a grade sheet.

::

    python -m bdp grade submissions/ --rubric rubric.yml --out grades.csv

This module is what runs *inside* a learner's kernel — the per-student data helpers and the
recorder the grader arms — and imports only the standard library, so chapters can import it on
Colab. The teacher's side (rubric, runner, sheet, feedback, the ``grade`` command) is
:mod:`bdp.grader`.

**Why the kit's own runner** (decided November 2026). Both well-kept tools were read:

* *otter-grader* 7.0.0: ``otter grade`` runs each submission in a Docker container, which is its
  recommended, sandboxed mode; there is no Docker engine on this machine nor on many teachers'
  laptops, and its container-free path (``otter run``) grades one submission at a time from an
  autograder zip built by ``otter assign`` from otter's own notebook format (``# BEGIN QUESTION``
  cells and OK-format tests) — a second format for exercises the book already writes with
  sphinx-exercise and :mod:`bdp.checks`.
* *nbgrader* 0.9.6: imposes its course tree (``{course}/{step}/{student}/{assignment}/``), a
  gradebook database, and per-cell metadata written in its Create Assignment extension; it scores
  a test *cell* by whether it raises, not a named check with a hint; its FAQ says it does not
  protect against unsafe code and points to Docker for that.

Both execute notebooks with nbclient, as :mod:`bdp.grader` does. What this module adds is small and
specific to the book: the graded cells are the chapter's ``bdp-check`` cells (see
:mod:`bdp.editions`), the points come from a YAML rubric keyed by :mod:`bdp.checks` names, and the
learner sees the checks' own one-line messages as feedback.

**How a submission is run.** Its cells are copied (outputs dropped); the check cells are replaced
by the *teacher's* copies from the rubric's ``source`` chapter (so edited or deleted checks do not
matter) and framed by two hidden cells that arm and disarm a recorder with a fresh random nonce.
The recorder notes each check that passes or fails *while armed* in a side file outside the
submission's folder, through a descriptor opened before any learner code ran; the grade comes only
from that file, never from printed ``✓`` lines (a printed line that was not recorded is reported
as forged). Before arming, :mod:`bdp.checks` gets back the functions it had before the learner's
code ran. The kernel starts in its own temporary copy of the working files (``HOME`` and
``TMPDIR`` inside it), with a per-process memory cap (``RLIMIT_AS``), a time limit per cell
(interrupt) and per notebook (the kernel's process group is killed), and an audit hook
(:func:`sys.addaudithook`) that refuses writes, deletions and renames outside that folder and
shell commands. Errors do not stop a notebook (``allow_errors``): later exercises still count.

This resists the mistakes and tricks a class produces (a fake ``✓`` line, a check edited or
called by hand, ``os.remove`` on another submission, an endless loop). It is not a sandbox
against deliberately hostile code (``ctypes``, IPython event hooks): for that, run the command as
a separate user or in a container. The submissions folder is also snapshotted and restored.

**Per-student data** (issue 15, item 2). A chapter reads the learner's identifier with
:func:`student_id` (a ``STUDENT_ID = "..."`` cell, else the ``BDP_STUDENT_ID`` environment
variable) and derives its data from :func:`student_seed`; the grader computes the expected values
from the same seed inside the check cells. The teacher's hold-out data come from
:func:`holdout_seed`, read from ``BDP_HOLDOUT_SEED``, which only the teacher's shell sets.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any

__all__ = ["GradeError", "holdout_seed", "student_id", "student_seed"]

ID_ENV = "BDP_STUDENT_ID"
HOLDOUT_ENV = "BDP_HOLDOUT_SEED"
OK = "\u2713"


class GradeError(ValueError):
    """Bad input to the grader (one line, said to the user as is)."""


# =========================================================================== per-student data


def student_id(default: str | None = "reference") -> str:
    """The learner's (or group's) identifier.

    Read from a notebook cell ``STUDENT_ID = "..."`` (the ``__main__`` namespace), else from the
    ``BDP_STUDENT_ID`` environment variable, else ``default`` (the book builds with
    ``"reference"``); with ``default=None`` a missing identifier raises :class:`GradeError`.
    """
    main = sys.modules.get("__main__")
    value = getattr(main, "STUDENT_ID", None) or os.environ.get(ID_ENV) or default
    if value is None or not str(value).strip():
        raise GradeError('set your identifier first: STUDENT_ID = "your-group"')
    return str(value).strip()


def student_seed(purpose: str = "data", student: str | None = None) -> int:
    """A 32-bit seed for ``purpose``, derived from the learner's identifier (SHA-256).

    Every learner gets their own data and so their own expected values; the checks recompute
    them from the same seed. ``purpose`` separates streams (``"data"``, ``"split"``...).
    """
    ident = student if student is not None else student_id()
    digest = hashlib.sha256(f"bdp:{ident}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def holdout_seed(default: int | None = None) -> int | None:
    """The teacher's hold-out seed, from ``BDP_HOLDOUT_SEED`` (an integer or any secret text).

    Learners never see it: only the grading shell sets the variable. Without it, ``default``.
    """
    raw = os.environ.get(HOLDOUT_ENV)
    if raw is None or not raw.strip():
        return default
    raw = raw.strip()
    if raw.isdigit():
        return int(raw)
    return int.from_bytes(hashlib.sha256(f"bdp:holdout:{raw}".encode()).digest()[:4], "big")


# =========================================================================== in the kernel

_STATE: dict[str, Any] = {"fd": None, "nonce": None, "roots": [], "pristine": {}}
_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "rm", "mv", "cp", "dd",
           "find", "rsync", "chmod", "chown", "ln", "truncate", "shred", "tee", "unlink"}


def _record(event: dict) -> None:
    fd = _STATE["fd"]
    if fd is not None:
        os.write(fd, (json.dumps(event) + "\n").encode())


def _resolve(path: Any, dir_fd: Any = None) -> str | None:
    if isinstance(path, int) or path is None:
        return None
    try:
        text = os.fsdecode(path)
    except TypeError:
        return None
    if dir_fd is not None and not os.path.isabs(text):
        try:
            text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
        except OSError:
            pass
    return os.path.realpath(text)


def _inside(path: str) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in _STATE["roots"])


def _audit(event: str, args: tuple) -> None:
    """Refuse writes outside the submission's folder and shell commands (see module doc)."""
    paths: list[tuple[Any, Any]] = []
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, 0))[:3]
        writes = (any(c in mode for c in "wax+") if isinstance(mode, str)
                  else bool((flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
                                            | os.O_APPEND)))
        if writes:
            paths.append((path, None))
    elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.utime",
                   "shutil.rmtree"):
        dir_fd = args[-1] if event in ("os.remove", "os.rmdir", "shutil.rmtree") else None
        paths.append((args[0], dir_fd if isinstance(dir_fd, int) else None))
    elif event == "os.truncate":
        paths.append((args[0], None))
    elif event in ("os.rename", "os.link", "shutil.move", "shutil.copyfile", "shutil.copytree"):
        paths += [(args[0], None), (args[1], None)]
    elif event == "os.symlink":
        paths.append((args[1], None))
    elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn"):
        if event == "os.system":
            program = "sh"
        else:
            argv = args[2] if event == "os.spawn" else args[1]
            first = (args[0] if event == "subprocess.Popen" and args[0] else
                     (argv[0] if argv else (args[1] if event == "os.spawn" else args[0])))
            program = os.path.basename(os.fsdecode(first)) if first is not None else ""
        if program in _SHELLS:
            _record({"event": "blocked", "what": f"shell command ({program})"})
            raise PermissionError(f"grading: running {program!r} is not allowed")
        return
    else:
        return
    for path, dir_fd in paths:
        real = _resolve(path, dir_fd)
        if real is not None and not _inside(real):
            _record({"event": "blocked", "what": f"{event} {real}"})
            raise PermissionError(f"grading: {event} outside the submission's folder is not "
                                  f"allowed: {real}")


def _start(record: str, roots: list[str], memory_mb: int) -> None:
    """First cell of a graded run (before any learner code): recorder, memory cap, audit hook."""
    import bdp.checks

    _STATE["fd"] = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _STATE["roots"] = [os.path.realpath(r) for r in roots] + ["/dev"]
    _STATE["pristine"] = dict(vars(bdp.checks))
    if memory_mb:
        try:
            import resource

            cap = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        except (ImportError, ValueError, OSError):  # not on this OS: no cap
            pass
    sys.addaudithook(_audit)


def _arm(label: str, nonce: str) -> None:
    """Hidden cell before a teacher's check cell: restore the checks and start recording."""
    import bdp.checks

    vars(bdp.checks).update(_STATE["pristine"])
    main = sys.modules.get("__main__")
    namespaces = [vars(main)] if main is not None else []
    try:
        namespaces.append(get_ipython().user_ns)  # type: ignore[name-defined]  # noqa: F821
    except NameError:
        pass
    for ns in namespaces:
        for name in bdp.checks.__all__:  # check functions only: `rmse` may be the learner's
            if name in ns and (name.startswith("check_") or name == "CheckError"):
                ns[name] = getattr(bdp.checks, name)
    ok, fail = _STATE["pristine"]["_ok"], _STATE["pristine"]["_fail"]

    def recording_ok(name: str, detail: str, quiet: bool) -> None:
        _record({"event": "pass", "nonce": nonce, "label": label, "name": name})
        ok(name, detail, quiet)

    def recording_fail(name: str, problem: str, hint: str | None) -> Exception:
        error = fail(name, problem, hint)
        _record({"event": "fail", "nonce": nonce, "label": label, "name": name,
                 "message": str(error)})
        return error

    bdp.checks._ok = recording_ok
    bdp.checks._fail = recording_fail
    _STATE["nonce"] = nonce


def _disarm() -> None:
    """Hidden cell after a teacher's check cell: stop recording."""
    import bdp.checks

    bdp.checks._ok = _STATE["pristine"]["_ok"]
    bdp.checks._fail = _STATE["pristine"]["_fail"]
    _STATE["nonce"] = None
