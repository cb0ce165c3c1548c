"""The capstone's pipeline on a separately started cluster (issue 15, item 6).

A ``dask scheduler`` and two ``dask worker`` processes are started apart from the test, each
worker in its own working directory, as on remote machines. ``DASK_SCHEDULER_ADDRESS`` points the
kit's ``dask_client`` at them and ``BDP_DATA_DIR`` names the directory every worker can read —
the two settings the chapter documents. The pipeline then runs the chapter's own functions (its
``haversine_km`` and ``add_features``, taken from the chapter's source) and the kit's cleaning:
CSV → Parquet written by the workers → cleaning → features → a hyper-parameter search on joblib's
Dask backend; the results equal the same pipeline in pandas, and both workers did work.
"""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "day4" / "32_evaluation.md"
DTYPES = {"key": "str", "fare_amount": "float64", "pickup_datetime": "str",
          "pickup_longitude": "float64", "pickup_latitude": "float64",
          "dropoff_longitude": "float64", "dropoff_latitude": "float64",
          "passenger_count": "int64"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chapter_functions() -> dict:
    """The feature functions of the chapter (and the constants they use), defined apart.

    Only ``def`` statements and constant assignments of the cell that defines ``add_features``
    run, in a namespace whose module is not importable, so that the functions travel to the
    workers by value, as they do from a notebook.
    """
    import jupytext

    nb = jupytext.read(CHAPTER, fmt="md:myst")
    source = next(c.source for c in nb.cells
                  if c.cell_type == "code" and "def add_features" in c.source)
    tree = ast.parse(source)
    keep = [node for node in tree.body
            if isinstance(node, ast.FunctionDef)
            or (isinstance(node, ast.Assign) and isinstance(node.value, (ast.Constant,
                                                                           ast.Tuple)))]
    namespace: dict = {"__name__": "capstone_chapter"}
    exec("import numpy as np\nimport pandas as pd\n", namespace)  # noqa: S102 - the chapter
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(CHAPTER), "exec"),  # noqa: S102
         namespace)
    return namespace


@pytest.fixture(scope="module")
def remote_cluster(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes, each worker in its own directory."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    for name in ("worker-a", "worker-b"):
        home = tmp_path_factory.mktemp(name)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard", "--memory-limit", "1GiB", "--name", name,
             "--local-directory", str(home)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=home))
    try:
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_pipeline_runs_on_a_separately_started_cluster(remote_cluster, monkeypatch,
                                                        tmp_path):
    import dask.dataframe as dd
    import joblib
    import pandas as pd
    from distributed import get_task_stream
    from scipy.stats import loguniform
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import RandomizedSearchCV

    from bdp.clusters import close

    from tests.helpers import client_when_ready
    from bdp.datasets.taxi import clean_taxi, make_taxi

    shared = tmp_path / "shared"  # the directory every worker mounts
    shared.mkdir()
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", remote_cluster)
    monkeypatch.setenv("BDP_DATA_DIR", str(shared))
    client = client_when_ready(90)
    try:
        client.wait_for_workers(2, timeout=90)
        assert client.cluster is None  # connected, nothing started here
        # as the chapter's first cell: the work directory under BDP_DATA_DIR
        work = Path(tempfile.mkdtemp(prefix="bdp-capstone-",
                                     dir=os.environ.get("BDP_DATA_DIR") or None))
        assert work.parent == shared
        csv_path = make_taxi(work / "train", rows=20_000, seed=7, single_file=True,
                             progress=False).files["csv"][0]
        fns = chapter_functions()
        add_features = fns["add_features"]
        with get_task_stream(client) as stream:
            csv_ddf = dd.read_csv(csv_path, dtype=DTYPES, blocksize="400kB")
            parquet = work / "train.parquet"
            csv_ddf.to_parquet(parquet, write_index=False)  # written by the workers
            ddf = dd.read_parquet(parquet)
            clean = clean_taxi(ddf)
            pdf = pd.read_csv(csv_path)
            feats = clean.map_partitions(add_features,
                                         meta=add_features(pdf.iloc[:0])).compute()
        assert csv_ddf.npartitions >= 4
        assert len(list(parquet.glob("*.parquet"))) == csv_ddf.npartitions
        expected = add_features(clean_taxi(pdf))
        assert len(feats) == len(expected) > 15_000
        assert feats.dist_km.sum() == pytest.approx(expected.dist_km.sum(), rel=1e-9)
        workers = {task["worker"] for task in stream.data}
        assert len(workers) == 2  # both remote workers read and computed

        # the search of step 7, on joblib's Dask backend: the fits run on the workers
        features = [c for c in feats.columns if c != "fare_amount"]
        search = RandomizedSearchCV(
            HistGradientBoostingRegressor(max_iter=20, random_state=0),
            {"learning_rate": loguniform(0.05, 0.5)}, n_iter=2, cv=2, refit=False,
            random_state=1, scoring="neg_root_mean_squared_error", n_jobs=-1)
        with get_task_stream(client) as fits, joblib.parallel_config(backend="dask"):
            search.fit(feats[features], feats.fare_amount)
        assert len(search.cv_results_["params"]) == 2
        assert {task["worker"] for task in fits.data} <= workers and fits.data
    finally:
        close(client)
