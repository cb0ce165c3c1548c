"""Four days that fit: every chapter's time in class fits the slots the intro's schedule gives it.

A teacher runs each day as printed in `intro.md`: a table whose header row gives the time slots
(``9:00–10:45``) and whose rows list, per day, the chapters taught in each slot (as links). Every
chapter states its time in class on a ``**Time:** 1 h 45 min in class`` line (homework and optional
labs may follow on that line; they are not class time).
"""

from __future__ import annotations

import re
from datetime import datetime

from bdp.book import ROOT, chapters

SLOT = re.compile(r"(\d{1,2}:\d{2})\s*[–-]\s*(\d{1,2}:\d{2})")
LINK = re.compile(r"\]\(((?:day\d)/[\w]+)(?:\.md)?\)")
TIME = re.compile(r"^\*\*Time:\*\*\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*min)?\s+in class", re.M)


def _minutes(start: str, end: str) -> int:
    fmt = "%H:%M"
    return int((datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).seconds // 60)


def schedule() -> dict[int, tuple[int, list[str]]]:
    """``{day: (minutes of class, [chapter docnames in slot order])}`` from the intro's table."""
    lines = (ROOT / "intro.md").read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Day") and SLOT.search(line))
    slots = [_minutes(*m.groups()) for m in SLOT.finditer(lines[header])]
    days: dict[int, tuple[int, list[str]]] = {}
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        day = int(re.search(r"\d", cells[0]).group())  # type: ignore[union-attr]
        taught = [m.group(1) for cell in cells[1:] for m in LINK.finditer(cell)]
        used = sum(minutes for minutes, cell in zip(slots, cells[1:]) if cell)
        days[day] = (used, list(dict.fromkeys(taught)))
    return days


def class_minutes(name: str) -> int:
    text = (ROOT / f"{name}.md").read_text(encoding="utf-8")
    match = TIME.search(text)
    assert match, f"{name}: no '**Time:** N h M min in class' line"
    hours, minutes = match.groups()
    return int(hours or 0) * 60 + int(minutes or 0)


def test_every_chapter_is_scheduled_once_on_its_day() -> None:
    plan = schedule()
    assert sorted(plan) == [1, 2, 3, 4]
    listed = [name for _, names in plan.values() for name in names]
    taught = [n for n in chapters() if re.match(r"day\d/", n)]
    assert sorted(listed) == sorted(taught), "the schedule and the table of contents disagree"
    for day, (_, names) in plan.items():
        assert all(n.startswith(f"day{day}/") for n in names), (day, names)


def test_each_day_fits_its_slots() -> None:
    over = []
    for day, (available, names) in schedule().items():
        needed = sum(class_minutes(n) for n in names)
        if needed > available:
            over.append(f"day {day}: {needed} min of chapters for {available} min of slots "
                        f"({', '.join(f'{n} {class_minutes(n)}' for n in names)})")
    assert not over, "\n".join(over)
