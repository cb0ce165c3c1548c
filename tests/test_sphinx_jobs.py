"""bdp.sphinx_jobs: how many chapters execute at once during the build."""

import pytest

from bdp.sphinx_jobs import ENV, jobs


def test_two_by_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV, raising=False)
    assert jobs() == 2


def test_one_reads_serially(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(ENV, "1")
    assert jobs() == 1


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_a_bad_value_gets_one_clear_line(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(ENV, value)
    with pytest.raises(ValueError, match=ENV):
        jobs()
