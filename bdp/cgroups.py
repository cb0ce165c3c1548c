"""Read the control-group (cgroup) limits of the running process, as a container runtime set them.

Used by the *Containers and Docker* chapter. ``docker run --memory 2g --cpus 1.5`` and a
Kubernetes container's ``resources.limits`` end up as a few numbers in files of the cgroup file
system; this module finds the process's cgroup in ``/proc/self/cgroup`` and reads them:

* cgroup v2 (one unified hierarchy, current distributions, Kubernetes, Docker 20.10+):
  ``memory.max``, ``memory.current`` and ``cpu.max`` ("QUOTA PERIOD", in microseconds) in
  ``/sys/fs/cgroup/<path>/``; ``max`` means no limit;
* cgroup v1 (older hosts, or a hybrid layout whose unified tree has no controllers):
  ``memory/<path>/memory.limit_in_bytes`` (a number near 2**63 means no limit),
  ``memory.usage_in_bytes``, and ``cpu/<path>/cpu.cfs_quota_us`` (-1 means no limit) with
  ``cpu.cfs_period_us``.

A limit set on a parent cgroup also binds its children, so limits are read on the way up to the
root and the tightest one is reported. Anything missing (no ``/proc``, a file that is not
there) is reported as not available, never raised: the chapter runs on Linux laptops, Binder,
Colab and inside containers alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CgroupReport", "Setting", "parse_proc_cgroup", "read_cgroup"]

V1_UNLIMITED = 2**62  # v1 writes "no limit" as PAGE_COUNTER_MAX pages in bytes, about 2**63


@dataclass(frozen=True)
class Setting:
    """One value read from the cgroup file system."""

    name: str  # "memory limit", "memory in use" or "CPU limit"
    file: str | None  # the file the value came from (None: nothing found)
    raw: str | None  # its text, as read
    value: float | None  # bytes, or CPUs; None when there is no limit or no file
    unlimited: bool  # the file says explicitly: no limit

    @property
    def meaning(self) -> str:
        if self.unlimited:
            return "no limit"
        if self.value is None:
            return "not available here"
        if self.name == "CPU limit":
            return f"{self.value:g} CPUs"
        return f"{self.value / 2**20:,.0f} MiB"


@dataclass(frozen=True)
class CgroupReport:
    """The process's cgroup: the version, its path, and the settings read."""

    version: str | None  # "v2", "v1", or None (no cgroup file system found)
    path: str | None
    settings: tuple[Setting, ...]

    def get(self, name: str) -> Setting:
        return next(s for s in self.settings if s.name == name)


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """``/proc/self/cgroup`` as {controller: path}; the v2 line ``0::PATH`` is under ``""``.

    >>> parse_proc_cgroup("4:memory:/a\\n1:cpu,cpuacct:/b\\n0::/c\\n")
    {'memory': '/a', 'cpu': '/b', 'cpuacct': '/b', '': '/c'}
    """
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _own_dir(base: Path, path: str) -> Path:
    """The cgroup's directory; inside a cgroup namespace the mount's root *is* the cgroup."""
    folder = base / path.lstrip("/")
    return folder if folder.is_dir() else base


def _up_to(base: Path, folder: Path) -> list[Path]:
    """``folder`` and its parents, up to and including ``base``."""
    chain = [folder]
    while chain[-1] != base and base in chain[-1].parents:
        chain.append(chain[-1].parent)
    return chain


def _tightest(name: str, candidates: list[tuple[Path, str | None, float | None, bool]]) -> Setting:
    """The smallest limit among (file, raw, value, unlimited) found on the way up."""
    found = [c for c in candidates if c[1] is not None]
    if not found:
        return Setting(name, None, None, None, False)
    limited = [c for c in found if not c[3] and c[2] is not None]
    file, raw, value, unlimited = min(limited, key=lambda c: c[2]) if limited else found[0]
    return Setting(name, str(file), raw, value, unlimited)


def _v2_memory(file: Path) -> tuple[Path, str | None, float | None, bool]:
    raw = _read(file)
    if raw is None or raw == "max":
        return file, raw, None, raw == "max"
    return file, raw, float(int(raw)), False


def _v2_cpu(file: Path) -> tuple[Path, str | None, float | None, bool]:
    raw = _read(file)
    if raw is None:
        return file, None, None, False
    quota, _, period = raw.partition(" ")
    if quota == "max":
        return file, raw, None, True
    return file, raw, int(quota) / int(period or 100_000), False


def _v1_memory(file: Path) -> tuple[Path, str | None, float | None, bool]:
    raw = _read(file)
    if raw is None:
        return file, None, None, False
    value = int(raw)
    return file, raw, None if value >= V1_UNLIMITED else float(value), value >= V1_UNLIMITED


def _v1_cpu(folder: Path) -> tuple[Path, str | None, float | None, bool]:
    file = folder / "cpu.cfs_quota_us"
    quota, period = _read(file), _read(folder / "cpu.cfs_period_us")
    if quota is None:
        return file, None, None, False
    if int(quota) < 0:
        return file, quota, None, True
    return file, f"{quota} / {period}", int(quota) / int(period or 100_000), False


def read_cgroup(proc: str | Path = "/proc/self/cgroup",
                root: str | Path = "/sys/fs/cgroup") -> CgroupReport:
    """Read the memory limit, memory in use and CPU limit of the process's cgroup."""
    root = Path(root)
    text = _read(Path(proc))
    paths = parse_proc_cgroup(text or "")
    names = ("memory limit", "memory in use", "CPU limit")
    if "" in paths and (root / "cgroup.controllers").is_file():  # a pure v2 host
        own = _own_dir(root, paths[""])
        chain = _up_to(root, own)
        current = _read(own / "memory.current")
        return CgroupReport("v2", paths[""], (
            _tightest(names[0], [_v2_memory(d / "memory.max") for d in chain]),
            Setting(names[1], str(own / "memory.current") if current else None, current,
                    float(int(current)) if current else None, False),
            _tightest(names[2], [_v2_cpu(d / "cpu.max") for d in chain]),
        ))
    if "memory" in paths:  # v1, or a hybrid host whose unified tree holds no controller
        mem_base = root / "memory"
        own = _own_dir(mem_base, paths["memory"])
        cpu_base = root / "cpu"
        cpu_own = _own_dir(cpu_base, paths.get("cpu", "/"))
        usage = _read(own / "memory.usage_in_bytes")
        return CgroupReport("v1", paths["memory"], (
            _tightest(names[0], [_v1_memory(d / "memory.limit_in_bytes")
                                 for d in _up_to(mem_base, own)]),
            Setting(names[1], str(own / "memory.usage_in_bytes") if usage else None, usage,
                    float(int(usage)) if usage else None, False),
            _tightest(names[2], [_v1_cpu(d) for d in _up_to(cpu_base, cpu_own)]),
        ))
    return CgroupReport(None, None, tuple(Setting(n, None, None, None, False) for n in names))
