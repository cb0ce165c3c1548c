"""Shared fixtures: one full, clean build of the book per test session."""

from __future__ import annotations

import pytest

from tests.bookbuild import Build, build, copy_book


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Build:
    """The whole book built from a clean cache, publish step included (slow: minutes)."""
    source = copy_book(tmp_path_factory.mktemp("book") / "src")
    result = build(source)
    print(f"\nclean book build: {result.seconds:.0f} s")
    return result
