"""bdp.files: a result file is whole or untouched."""

from pathlib import Path

import pytest

from bdp.files import write_atomic


def test_write_atomic_replaces_the_file(tmp_path: Path):
    target = tmp_path / "sub" / "results.json"
    write_atomic(target, "first\n")
    write_atomic(target, "second\n")
    assert target.read_text() == "second\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["results.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path):
    target = tmp_path / "results.md"
    target.write_text("old\n")
    with pytest.raises(TypeError):
        write_atomic(target, b"not text")  # type: ignore[arg-type]
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.md"]
