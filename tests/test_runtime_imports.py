"""The kit runs where MyST-NB does not exist (Colab), and closes engines in both cluster modes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bdp.book import ROOT, chapters


def test_no_chapter_imports_a_build_only_package() -> None:
    offenders = [name for name in chapters() if "import myst_nb" in (ROOT / f"{name}.md").read_text()
                 or "from myst_nb" in (ROOT / f"{name}.md").read_text()]
    assert not offenders, f"chapters importing MyST-NB at run time (use bdp.glue): {offenders}"


def test_glue_without_myst_nb_shows_only_what_is_displayed(tmp_path: Path) -> None:
    # a site directory whose `myst_nb` cannot be imported, as on Colab
    (tmp_path / "myst_nb.py").write_text("raise ImportError('not on Colab')\n")
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        from bdp import glue as g
        assert not g.HAS_MYST_NB
        g.glue("hidden", 1, display=False)
        g.glue("shown", "visible value", display=True)
    """)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "visible value"


def test_glue_rejects_an_empty_name() -> None:
    from bdp.glue import glue

    with pytest.raises(ValueError, match="non-empty string"):
        glue("", 1)


def test_close_releases_a_local_cluster_and_only_the_connection_to_a_remote_one() -> None:
    from distributed import Client, LocalCluster

    from bdp.clusters import close

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as remote:
        client = Client(remote.scheduler_address)  # as with DASK_SCHEDULER_ADDRESS: no .cluster
        assert client.cluster is None
        close(client, None)
        assert client.status == "closed"
        assert remote.status.name == "running"  # someone else's cluster keeps running
    local = Client(LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                dashboard_address=None))
    cluster = local.cluster
    close(local)
    assert local.status == "closed" and cluster.status.name == "closed"
    with pytest.raises(TypeError, match="do not know how to close"):
        close(42)


def test_glue_turns_numpy_scalars_into_numbers() -> None:
    """MyST-NB formats `{glue:text}`x:.1f`` from the value's text; NumPy 2's text is not a number."""
    import numpy as np

    from bdp.glue import plain

    assert type(plain(np.float64(1.5))) is float and plain(np.float64(1.5)) == 1.5
    assert type(plain(np.int64(3))) is int
    assert type(plain(np.bool_(True))) is bool
    array = np.array([1, 2])
    assert plain(array) is array  # arrays and everything else pass unchanged
    assert plain("text") == "text"
    assert format(plain(np.float64(2.25)), ".1f") == "2.2"
