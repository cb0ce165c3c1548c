"""Count the work a Spark action did — jobs, stages, tasks, shuffled records and bytes.

Wall time on a shared machine is noisy; the *work* a query does is not. Whether a join shuffled
the big table, how many tasks a job ran, whether a cached result was recomputed: Spark records
all of it, and these counts make lessons that hold on any machine::

    from bdp.sparkmetrics import query_work
    work = query_work(df)          # runs df.collect() and counts what it did
    work.shuffle_records, work.shuffle_bytes, work.tasks

:func:`scan_work` counts what the *file scans* of a query read — files, table partitions (the
directories of a ``partitionBy`` layout) and rows — from the scan nodes' SQL metrics, which show
partition pruning and Parquet filter pushdown at work.

Two sources, one answer:

* a **classic** session (``local[*]``, the RDD API): the stages of the action's jobs, read from
  the status store behind the Spark UI (what its REST API serves at
  ``/api/v1/applications/<id>/stages/<stage>``), after the listener bus has caught up — jobs,
  stages, tasks, shuffle records and bytes per stage;
* a **Spark Connect** session: the SQL metrics the server sends back with the result
  (``DataFrame.executionInfo``, Spark 4.0+), summed over the plan's ``Exchange`` nodes — the
  same shuffle records and bytes (jobs, stages and tasks are not reported over Connect).

:func:`classic_session` starts an explicit local classic session for what only exists there
(the RDD API, ``SparkContext``, the status tracker), even when ``SPARK_REMOTE`` names a Spark
Connect server for everything else.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = [
    "StageWork",
    "Work",
    "action_work",
    "classic_session",
    "executed_plan",
    "is_connect",
    "query_work",
    "ScanWork",
    "scan_work",
]

T = TypeVar("T")


def is_connect(spark: Any) -> bool:
    """``True`` for a Spark Connect session (no ``SparkContext``, no RDD API)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


@contextmanager
def _without(name: str):
    saved = os.environ.pop(name, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[name] = saved


def classic_session(app_name: str = "bdp", master: str = "local[*]", **kwargs: Any) -> Any:
    """A classic (JVM in this process) Spark session, even when ``SPARK_REMOTE`` is set.

    The RDD API, ``SparkContext`` and the status tracker exist only in a classic session. When
    ``SPARK_REMOTE`` is not set this is the same session :func:`bdp.clusters.spark_session`
    returns later (``getOrCreate``). One process cannot hold a classic and a Connect session
    at once: stop the Connect session first (``close(spark)``).
    """
    from bdp.clusters import SPARK_ENV, spark_session

    if "SPARK_CONNECT_MODE_ENABLED" in os.environ:
        raise RuntimeError(
            "a Spark Connect session is active in this process; stop it before starting a "
            "classic one (one process cannot hold both)"
        )
    with _without(SPARK_ENV):
        return spark_session(app_name, master=master, remote=None, **kwargs)


@dataclass(frozen=True)
class StageWork:
    """What one stage did (classic sessions)."""

    stage_id: int
    name: str
    tasks: int
    shuffle_read_records: int
    shuffle_write_records: int
    shuffle_write_bytes: int
    task_seconds: float  # sum of the executor run time of its tasks


@dataclass(frozen=True)
class Work(Generic[T]):
    """The work counted for one action.

    ``jobs``, ``tasks`` and ``stages`` are ``None``/empty over Spark Connect, which reports
    only the SQL metrics. ``shuffle_records``/``shuffle_bytes`` are what the action's
    shuffles wrote (map side), in both modes.
    """

    shuffle_records: int
    shuffle_bytes: int
    jobs: int | None = None
    tasks: int | None = None
    stages: tuple[StageWork, ...] = ()
    result: T | None = field(default=None, repr=False)

    def stage_table(self) -> Any:
        """One row per stage (a pandas DataFrame), for printing."""
        import pandas as pd

        rows = [
            {
                "stage": s.stage_id,
                "tasks": s.tasks,
                "shuffle read (records)": s.shuffle_read_records,
                "shuffle write (records)": s.shuffle_write_records,
                "shuffle write (bytes)": s.shuffle_write_bytes,
                "what": s.name,
            }
            for s in self.stages
        ]
        return pd.DataFrame(rows).set_index("stage") if rows else pd.DataFrame(rows)


def _drain_listener(sc: Any) -> None:
    """Wait until Spark's listener bus has delivered every event (the status store is current)."""
    try:
        sc._jsc.sc().listenerBus().waitUntilEmpty()
    except Exception:  # pragma: no cover - private API gone: give the listener a moment
        time.sleep(0.5)


def _stages_of(sc: Any, job_ids: list[int]) -> tuple[StageWork, ...]:
    """The completed stages of ``job_ids``, from the status store behind the Spark UI.

    This is the data the UI's REST API serves at ``/api/v1/applications/<id>/stages/<stage>``,
    read through the JVM directly: the REST server's first request can take seconds to start.
    """
    tracker = sc.statusTracker()
    store = sc._jsc.sc().statusStore()
    stage_ids: set[int] = set()
    for job in job_ids:
        info = tracker.getJobInfo(job)
        if info is not None:
            stage_ids.update(info.stageIds)
    stages = []
    for sid in sorted(stage_ids):
        try:
            data = store.lastStageAttempt(sid)
        except Exception:  # never submitted
            continue
        if str(data.status().toString()) != "COMPLETE":  # SKIPPED: shuffle output reused
            continue
        stages.append(
            StageWork(
                stage_id=sid,
                name=str(data.name()).split(" at ")[0],
                tasks=int(data.numCompleteTasks()),
                shuffle_read_records=int(data.shuffleReadRecords()),
                shuffle_write_records=int(data.shuffleWriteRecords()),
                shuffle_write_bytes=int(data.shuffleWriteBytes()),
                task_seconds=data.executorRunTime() / 1000,
            )
        )
    return tuple(stages)


def action_work(sc: Any, action: Callable[[], T]) -> Work[T]:
    """Run ``action()`` on a classic session's ``SparkContext`` and count its jobs and stages.

    The jobs are found through a job group set for the call; their stages are read from the
    status store that feeds the Spark UI.
    """
    group = f"bdp-work-{uuid.uuid4().hex[:12]}"
    sc.setJobGroup(group, "counted by bdp.sparkmetrics", interruptOnCancel=False)
    try:
        result = action()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
    _drain_listener(sc)
    jobs = sorted(sc.statusTracker().getJobIdsForGroup(group))
    stages = _stages_of(sc, jobs)
    return Work(
        shuffle_records=sum(s.shuffle_write_records for s in stages),
        shuffle_bytes=sum(s.shuffle_write_bytes for s in stages),
        jobs=len(jobs),
        tasks=sum(s.tasks for s in stages),
        stages=stages,
        result=result,
    )


def _connect_shuffle(df: Any) -> tuple[int, int]:
    info = df.executionInfo
    if info is None or info.metrics is None:
        raise RuntimeError("the Connect server sent no metrics for this query")
    records = written = 0
    for node in info.metrics._metrics:
        values = {m.name: m.value for m in node.metrics}
        records += int(values.get("shuffleRecordsWritten", 0))
        written += int(values.get("shuffleBytesWritten", 0))
    return records, written


def query_work(df: Any) -> Work[list[Any]]:
    """Run ``df.collect()`` and count the work; works on a classic and on a Connect session."""
    spark = df.sparkSession
    if is_connect(spark):
        rows = df.collect()
        records, written = _connect_shuffle(df)
        return Work(shuffle_records=records, shuffle_bytes=written, result=rows)
    return action_work(spark.sparkContext, df.collect)


def executed_plan(df: Any) -> str:
    """The plan of ``df`` as it ran (after ``df.collect()``), on either kind of session.

    On a classic session, ``explain()`` of an executed DataFrame prints its final plan (with
    Adaptive Query Execution: ``isFinalPlan=true`` and the rewritten nodes). Over Spark Connect,
    ``explain()`` would plan the query afresh; the plan tree the server sent back with the
    result (``executionInfo``) is the one that ran.
    """
    from bdp.checks import plan_text

    if is_connect(df.sparkSession):
        info = df.executionInfo
        if info is None or info.metrics is None:
            raise RuntimeError("run the query (collect) before asking for its executed plan")
        return info.metrics.toText()
    return plan_text(df)


#: The SQL metrics of Spark's file-scan node (``FileSourceScanExec``) that :func:`scan_work` sums.
_SCAN_METRICS = {
    "numFiles": "files",
    "numPartitions": "partitions",
    "numOutputRows": "rows",
    "filesSize": "file_bytes",
}


@dataclass(frozen=True)
class ScanWork(Generic[T]):
    """What the file scans of one query read, summed over its scan nodes.

    ``files``, ``partitions`` and ``file_bytes`` are what the scans *selected* after partition
    pruning (``partitions`` is ``None`` for an unpartitioned table); ``rows`` are the rows the
    readers returned, after the row groups and pages that Parquet statistics ruled out were
    skipped (before the remaining row-by-row filter).
    """

    files: int
    partitions: int | None
    rows: int
    file_bytes: int
    result: T | None = field(default=None, repr=False)


def _java_metrics(node: Any) -> dict[str, int]:
    """The SQL metrics of one JVM plan node, as ``{key: value}``."""
    values = {}
    entries = node.metrics().iterator()
    while entries.hasNext():
        entry = entries.next()
        values[str(entry._1())] = int(entry._2().value())
    return values


def _java_scan_nodes(node: Any) -> list[dict[str, int]]:
    """The metrics of every file-scan node under a JVM physical plan (through AQE stages)."""
    kind = node.getClass().getSimpleName()
    if kind == "AdaptiveSparkPlanExec":
        return _java_scan_nodes(node.executedPlan())
    if kind.endswith("QueryStageExec"):
        return _java_scan_nodes(node.plan())
    found = []
    metrics = _java_metrics(node)
    if "numFiles" in metrics:
        found.append(metrics)
    children = node.children()
    for i in range(children.size()):
        found.extend(_java_scan_nodes(children.apply(i)))
    return found


def _connect_scan_nodes(df: Any) -> list[dict[str, int]]:
    info = df.executionInfo
    if info is None or info.metrics is None:
        raise RuntimeError("the Connect server sent no metrics for this query")
    nodes = [{m.name: int(m.value) for m in node.metrics} for node in info.metrics._metrics]
    return [values for values in nodes if "numFiles" in values]


def scan_work(df: Any) -> ScanWork[list[Any]]:
    """Run ``df.collect()`` and count what its file scans read (classic and Connect sessions).

    Partition pruning shows as fewer ``partitions`` and ``files``; Parquet filter pushdown as
    fewer ``rows`` (row groups and pages skipped by their min/max statistics).
    """
    rows = df.collect()
    if is_connect(df.sparkSession):
        nodes = _connect_scan_nodes(df)
    else:
        nodes = _java_scan_nodes(df._jdf.queryExecution().executedPlan())
    if not nodes:
        raise ValueError("the query read no files (no file-scan node in its executed plan)")
    totals = {name: sum(n.get(key, 0) for n in nodes) for key, name in _SCAN_METRICS.items()}
    partitioned = any("numPartitions" in n for n in nodes)
    return ScanWork(
        files=totals["files"],
        partitions=totals["partitions"] if partitioned else None,
        rows=totals["rows"],
        file_bytes=totals["file_bytes"],
        result=rows,
    )
