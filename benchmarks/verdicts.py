"""List every measured verdict and asserted lesson of executed chapters, and compare two runs.

Every timed comparison in the book glues its verdict under a name starting ``verdict_`` (see
``bdp.measure.verdict``), and every lesson that needs a direction prints one
``✓ <name>: <verdict> (gap N× the spread)`` line from ``bdp.checks.check_faster``. This script
reads a build's execution cache (``_build/.jupyter_cache``: MyST-NB keeps glued values there,
not in ``_build/jupyter_execute``) or a folder of executed notebooks, and prints them::

    python benchmarks/verdicts.py _build/.jupyter_cache
    python benchmarks/verdicts.py RUN1 RUN2     # do two runs give the same directions?

It is a reporting tool for maintainers (the closing notes of measurement work), not a test.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ASSERTED = re.compile(r"^\u2713 (?P<name>[^:]+): (?P<verdict>.+?) \(gap (?P<gap>[\d.]+|inf)\u00d7 the spread\)")
RATIO = re.compile(r"\d+(?:\.\d+)?\u00d7")


def _text(output: dict) -> str:
    data = output.get("data", {})
    text = (output.get("text") or data.get("text/plain")
            or data.get("application/papermill.record/text/plain", ""))
    return "".join(text) if isinstance(text, list) else str(text)


def _notebooks(folder: Path) -> list[tuple[str, nbformat.NotebookNode]]:
    """``(chapter, notebook)`` pairs from a jupyter-cache folder or a folder of notebooks."""
    if (folder / "global.db").is_file():
        from jupyter_cache import get_cache

        cache = get_cache(folder)
        pairs = []
        for record in cache.list_cache_records():
            uri = Path(record.uri)
            chapter = "/".join(uri.with_suffix("").parts[-2:])
            pairs.append((chapter, cache.get_cache_bundle(record.pk).nb))
        return sorted(pairs, key=lambda p: p[0])
    return [(p.relative_to(folder).with_suffix("").as_posix(), nbformat.read(p, as_version=4))
            for p in sorted(folder.rglob("*.ipynb"))]


def read(folder: Path) -> dict[str, dict[str, str]]:
    """``{chapter: {"verdict_x": text, "assert:<name>": "text | gap"}}`` for one executed build."""
    found: dict[str, dict[str, str]] = {}
    for chapter, nb in _notebooks(folder):
        items: dict[str, str] = {}
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name", "")
                if name.startswith("verdict_"):
                    items[name] = _text(output).strip("'\"")
                if output.get("output_type") == "stream":
                    for line in _text(output).splitlines():
                        if line.startswith("\u2713 "):
                            items["checks"] = str(int(items.get("checks", "0")) + 1)
                        match = ASSERTED.match(line.strip())
                        if match:
                            items[f"assert:{match['name']}"] = f"{match['verdict']} | gap {match['gap']}"
        if items:
            found[chapter] = items
    return found


NO_CLEAR = re.compile(r"^no clear difference between (?P<a>.+) and (?P<b>.+)$")


def direction(text: str) -> str:
    """The verdict without its numbers: what must not change between two runs."""
    core = RATIO.sub("N\u00d7", text.split(" | ")[0].split(" (medians")[0])
    match = NO_CLEAR.match(core)  # "between a and b" = "between b and a"
    return f"no clear difference: {sorted([match['a'], match['b']])}" if match else core


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="executed-notebook folders (1 or 2)")
    args = parser.parse_args(argv)
    if len(args.runs) > 2 or not all(p.is_dir() for p in args.runs):
        print("error: give one or two existing folders of executed notebooks", file=sys.stderr)
        return 2
    runs = [read(p) for p in args.runs]
    comparisons = sum(k.startswith("verdict_") for r in runs[:1] for c in r.values() for k in c)
    checks = sum(int(c.get("checks", "0")) for c in runs[0].values())
    asserted = [(c, k, v) for c, items in runs[0].items() for k, v in items.items()
                if k.startswith("assert:")]
    for chapter, items in runs[0].items():
        print(f"\n{chapter}")
        for key, value in items.items():
            other = runs[1].get(chapter, {}).get(key) if len(runs) == 2 else None
            same = "" if other is None else ("  [same direction]" if direction(other) == direction(value)
                                             else f"  [CHANGED: {other}]")
            print(f"  {key}: {value}{same}")
    gaps = [float(v.rsplit("gap ", 1)[1]) for _, _, v in asserted if "gap " in v]
    print(f"\n{comparisons} glued verdicts, {len(asserted)} asserted by time (check_faster), "
          f"{checks} checks passed in all"
          + (f", smallest asserted gap = {min(gaps):.1f}\u00d7 the spread" if gaps else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
