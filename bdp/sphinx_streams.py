"""Downloaded notebooks print each line once (a Sphinx extension for ``jupyter-book build``).

With ``nb_merge_streams`` on, MyST-NB 1.4.0 merges a cell's consecutive ``stdout`` outputs into
the first one *in place* (``myst_nb.core.render`` calls ``core.utils.coalesce_streams`` on the
notebook's own output nodes) and afterwards writes that notebook as the page's executed
``.ipynb`` — the file behind the page's download button. The first output then holds the merged
text while the later ones are still there: their lines appear twice in the download, once on the
page. This extension makes the merge work on copies, so the page shows the merged text and the
notebook keeps the outputs as the kernel sent them.
"""

from __future__ import annotations

import copy
from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    from myst_nb.core import render

    merge = render.coalesce_streams
    if not getattr(merge, "bdp_copies", False):
        def merge_copies(outputs: list) -> list:
            return merge([copy.deepcopy(output) for output in outputs])

        merge_copies.bdp_copies = True  # type: ignore[attr-defined]
        render.coalesce_streams = merge_copies
    return {"parallel_read_safe": True, "parallel_write_safe": True}
