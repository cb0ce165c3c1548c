"""Unit tests of bdp.cgroups (the cgroup read-out of the Containers chapter), on fake trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from bdp.cgroups import parse_proc_cgroup, read_cgroup


def _write(base: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")


def test_v2_limits_as_docker_run_memory_and_cpus_write_them(tmp_path: Path) -> None:
    # docker run --memory 2g --cpus 1.5: memory.max in bytes, cpu.max "150000 100000"
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/docker-abc.scope\n")
    root = tmp_path / "fs"
    _write(root, {"cgroup.controllers": "cpu memory",
                  "system.slice/docker-abc.scope/memory.max": str(2 * 2**30),
                  "system.slice/docker-abc.scope/memory.current": str(300 * 2**20),
                  "system.slice/docker-abc.scope/cpu.max": "150000 100000"})
    report = read_cgroup(proc, root)
    assert report.version == "v2"
    assert report.get("memory limit").value == 2 * 2**30
    assert report.get("memory limit").meaning == "2,048 MiB"
    assert report.get("memory in use").meaning == "300 MiB"
    assert report.get("CPU limit").value == pytest.approx(1.5)
    assert report.get("CPU limit").meaning == "1.5 CPUs"


def test_v2_max_means_no_limit_and_a_parent_limit_still_binds(tmp_path: Path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("0::/kubepods/pod1/ctr\n")
    root = tmp_path / "fs"
    _write(root, {"cgroup.controllers": "cpu memory",
                  "kubepods/pod1/ctr/memory.max": "max",
                  "kubepods/pod1/ctr/cpu.max": "max 100000",
                  "kubepods/pod1/memory.max": str(2**30),
                  "kubepods/pod1/cpu.max": "max 100000",
                  "kubepods/memory.max": "max"})
    report = read_cgroup(proc, root)
    memory = report.get("memory limit")
    assert memory.value == 2**30 and memory.file.endswith("pod1/memory.max")
    cpu = report.get("CPU limit")
    assert cpu.unlimited and cpu.value is None and cpu.meaning == "no limit"
    assert report.get("memory in use").meaning == "not available here"


def test_v2_inside_a_cgroup_namespace_reads_the_mount_root(tmp_path: Path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("0::/\n")
    root = tmp_path / "fs"
    _write(root, {"cgroup.controllers": "memory", "memory.max": "max",
                  "memory.current": "1048576"})
    report = read_cgroup(proc, root)
    assert report.get("memory limit").unlimited
    assert report.get("memory in use").value == 2**20
    assert report.get("CPU limit").meaning == "not available here"


def test_v1_and_hybrid_hosts(tmp_path: Path) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("4:memory:/job\n1:cpu,cpuacct:/job\n0::/\n")
    root = tmp_path / "fs"
    _write(root, {"unified/cgroup.procs": "",  # hybrid: the v2 tree holds no controller
                  "memory/job/memory.limit_in_bytes": str(512 * 2**20),
                  "memory/job/memory.usage_in_bytes": str(2**20),
                  "memory/memory.limit_in_bytes": "9223372036854771712",
                  "cpu/job/cpu.cfs_quota_us": "200000",
                  "cpu/job/cpu.cfs_period_us": "100000"})
    report = read_cgroup(proc, root)
    assert report.version == "v1"
    assert report.get("memory limit").meaning == "512 MiB"
    assert report.get("CPU limit").value == 2.0
    (root / "memory/job/memory.limit_in_bytes").write_text("9223372036854771712\n")
    (root / "cpu/job/cpu.cfs_quota_us").write_text("-1\n")
    report = read_cgroup(proc, root)
    assert report.get("memory limit").unlimited and report.get("CPU limit").unlimited


def test_no_cgroup_file_system_is_reported_not_raised(tmp_path: Path) -> None:
    report = read_cgroup(tmp_path / "missing", tmp_path / "nothing")
    assert report.version is None
    assert [s.meaning for s in report.settings] == ["not available here"] * 3


def test_parse_proc_cgroup_splits_joined_controllers() -> None:
    assert parse_proc_cgroup("2:cpu,cpuacct:/x\n0::/y\n") == {
        "cpu": "/x", "cpuacct": "/x", "": "/y"}


def test_this_machine_parses() -> None:
    report = read_cgroup()
    for setting in report.settings:
        assert setting.value is None or setting.value > 0
