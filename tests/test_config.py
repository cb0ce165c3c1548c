"""bdp.config: the BDP_SCALE knob."""

import pytest

from bdp.config import ConfigError, pick, scale


def test_default_is_small(monkeypatch):
    monkeypatch.delenv("BDP_SCALE", raising=False)
    assert scale() == "small"
    assert pick(small=1, full=2) == 1


@pytest.mark.parametrize("value", ["full", "FULL", " full "])
def test_full(monkeypatch, value):
    monkeypatch.setenv("BDP_SCALE", value)
    assert scale() == "full"
    assert pick(small=1, full=2) == 2


def test_empty_means_default(monkeypatch):
    monkeypatch.setenv("BDP_SCALE", "")
    assert scale() == "small"


@pytest.mark.parametrize("value", ["huge", "medium", "0", "smal"])
def test_bad_value_is_one_clear_line(monkeypatch, value):
    monkeypatch.setenv("BDP_SCALE", value)
    with pytest.raises(ConfigError) as info:
        scale()
    message = str(info.value)
    assert "\n" not in message
    assert repr(value) in message and "small" in message and "full" in message
