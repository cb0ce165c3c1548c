"""The determinism check's comparison: what it treats as equal and what it still tells apart."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from bdp.book import comparable_outputs


def _nb(*cells: tuple[list, list[str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    for outputs, tags in cells:
        nb.cells.append(new_code_cell("x", outputs=outputs, metadata={"tags": tags}))
    return nb


def _stdout(*chunks: str) -> list:
    return [new_output("stream", name="stdout", text=c) for c in chunks]


def test_stream_chunking_and_trailing_blank_lines_do_not_matter():
    one = _nb((_stdout("a,b\n1,2\n\n"), []))
    split = _nb((_stdout("a,b\n1,2\n", "\n"), []))
    merged_with_repeated_tail = _nb((_stdout("a,b\n1,2\n", "1,2\n"), []))
    assert comparable_outputs(one) == comparable_outputs(split) == comparable_outputs(merged_with_repeated_tail)


def test_a_changed_value_is_still_a_difference():
    assert comparable_outputs(_nb((_stdout("rmse 5.16\n"), []))) != comparable_outputs(
        _nb((_stdout("rmse 5.17\n"), []))
    )


def test_timings_ports_and_temp_paths_are_masked():
    a = _nb((_stdout("took 1.2 s on 127.0.0.1:40123 in /tmp/bdp-x1/data\n"), []))
    b = _nb((_stdout("took 3.4 s on 127.0.0.1:51515 in /tmp/bdp-y2/data\n"), []))
    assert comparable_outputs(a) == comparable_outputs(b)


def test_timing_cells_and_timing_glue_are_left_out():
    glued = new_output(
        "display_data", data={"text/plain": "12.5"}, metadata={"scrapbook": {"name": "t_pandas"}}
    )
    kept = new_output("display_data", data={"text/plain": "42"}, metadata={"scrapbook": {"name": "rows"}})
    nb = _nb((_stdout("fast\n"), ["timing"]), ([glued, kept], []))
    assert comparable_outputs(nb) == ["1:rows:42"]


def test_a_published_notebook_compares_with_its_book_page():
    """The publish step's setup cell is not counted, so cell numbers line up."""
    page = _nb((_stdout("rows 10\n"), []), (_stdout("Python 3.11.7\n"), ["runtime-specific"]))
    published = _nb((_stdout("installing...\n"), ["bdp-setup", "remove-cell"]),
                    (_stdout("rows 10\n"), []), (_stdout("Python 3.13.0\n"), ["runtime-specific"]))
    assert comparable_outputs(page, across_runtimes=True) == ["0:stdout:rows 10"]
    assert comparable_outputs(published, across_runtimes=True) == ["0:stdout:rows 10"]
    # two runs on one machine still compare what describes the runtime
    assert comparable_outputs(page) != comparable_outputs(published)


def test_a_dashboard_link_through_binders_proxy_compares_with_the_local_one():
    local = _nb((_stdout("dashboard: http://127.0.0.1:8787/status\nUI: http://127.0.0.1:4040\n"), []))
    binder = _nb((_stdout("dashboard: /user/learner/proxy/8787/status\n"
                          "UI: /user/learner/proxy/4040/jobs/\n"), []))
    assert comparable_outputs(local) == comparable_outputs(binder)


def test_first_difference_names_the_first_changed_or_missing_output():
    import pytest

    from bdp.book import first_difference

    a = _nb((_stdout("rows 10\n"), []), (_stdout("rmse 5.16\n"), []))
    assert first_difference(a, a) is None
    b = _nb((_stdout("rows 10\n"), []), (_stdout("rmse 5.17\n"), []))
    assert first_difference(a, b) == ("1:stdout:rmse 5.16", "1:stdout:rmse 5.17")
    shorter = _nb((_stdout("rows 10\n"), []))
    assert first_difference(a, shorter) == ("1:stdout:rmse 5.16", "")
    with pytest.raises(ValueError, match="nothing to compare"):
        first_difference(_nb(), a)
