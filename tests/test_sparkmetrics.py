"""bdp.sparkmetrics without a JVM: the counting logic, on stand-ins for Spark's objects."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from bdp import sparkmetrics
from bdp.sparkmetrics import Work, action_work, classic_session, is_connect, query_work


class _Status:
    def __init__(self, name: str) -> None:
        self._name = name

    def toString(self) -> str:  # noqa: N802 - the JVM's name
        return self._name


def _stage(status: str, tasks: int, written: int, records: int, read: int = 0):
    return SimpleNamespace(
        status=lambda: _Status(status),
        name=lambda: "reduceByKey at /tmp/x.py:3",
        numCompleteTasks=lambda: tasks,
        shuffleReadRecords=lambda: read,
        shuffleWriteRecords=lambda: records,
        shuffleWriteBytes=lambda: written,
        executorRunTime=lambda: 1500,
    )


class _FakeContext:
    """Just enough of a SparkContext: job groups, a status tracker, a status store."""

    def __init__(self, stages: dict[int, object], job_stages: list[int]) -> None:
        self.group = None
        self.stages = stages
        self.job_stages = job_stages
        self.properties: dict[str, str | None] = {}
        store = SimpleNamespace(lastStageAttempt=self._last)
        bus = SimpleNamespace(waitUntilEmpty=lambda: None)
        jvm_sc = SimpleNamespace(statusStore=lambda: store, listenerBus=lambda: bus)
        self._jsc = SimpleNamespace(sc=lambda: jvm_sc)

    def _last(self, sid: int):
        if sid not in self.stages:
            raise RuntimeError("no such stage")
        return self.stages[sid]

    def setJobGroup(self, group, description, interruptOnCancel=False):  # noqa: N802
        self.group = group

    def setLocalProperty(self, key, value):  # noqa: N802
        self.properties[key] = value

    def statusTracker(self):  # noqa: N802
        ids = {self.group: [7]}
        info = SimpleNamespace(stageIds=self.job_stages)
        return SimpleNamespace(
            getJobIdsForGroup=lambda g: ids.get(g, []),
            getJobInfo=lambda j: info if j == 7 else None,
        )


def test_action_work_counts_completed_stages_only():
    sc = _FakeContext(
        {1: _stage("COMPLETE", 4, 1208, 16), 2: _stage("SKIPPED", 4, 0, 0),
         3: _stage("COMPLETE", 4, 0, 0, read=16)},
        job_stages=[1, 2, 3, 4],  # 4 was never submitted
    )
    work = action_work(sc, lambda: "answer")
    assert work.result == "answer"
    assert (work.jobs, work.tasks, len(work.stages)) == (1, 8, 2)
    assert (work.shuffle_records, work.shuffle_bytes) == (16, 1208)
    assert work.stages[0].name == "reduceByKey"
    assert work.stages[0].task_seconds == pytest.approx(1.5)
    assert sc.properties["spark.jobGroup.id"] is None  # the group is cleared afterwards
    table = work.stage_table()
    assert list(table.index) == [1, 3] and table.loc[3, "shuffle read (records)"] == 16


def test_work_without_stages_has_an_empty_table():
    assert Work(shuffle_records=3, shuffle_bytes=10).stage_table().empty


def _metric(name, value):
    return SimpleNamespace(name=name, value=value)


def test_query_work_over_connect_sums_the_exchanges(monkeypatch):
    nodes = [
        SimpleNamespace(name="Exchange", metrics=[
            _metric("shuffleRecordsWritten", 1000), _metric("shuffleBytesWritten", 900)]),
        SimpleNamespace(name="Exchange", metrics=[
            _metric("shuffleRecordsWritten", 1), _metric("shuffleBytesWritten", 73)]),
        SimpleNamespace(name="HashAggregate", metrics=[_metric("numOutputRows", 5)]),
    ]
    info = SimpleNamespace(metrics=SimpleNamespace(_metrics=nodes, toText=lambda: "plan"))
    monkeypatch.setattr(sparkmetrics, "is_connect", lambda spark: True)
    df = SimpleNamespace(sparkSession=object(), collect=lambda: ["row"], executionInfo=info)
    work = query_work(df)
    assert (work.shuffle_records, work.shuffle_bytes, work.result) == (1001, 973, ["row"])
    assert work.jobs is None and work.stages == ()
    assert sparkmetrics.executed_plan(df) == "plan"


def test_is_connect_looks_at_the_session_class():
    connect_cls = type("SparkSession", (), {"__module__": "pyspark.sql.connect.session"})
    classic_cls = type("SparkSession", (), {"__module__": "pyspark.sql.session"})
    assert is_connect(connect_cls()) and not is_connect(classic_cls())


def test_classic_session_refuses_while_connect_is_active(monkeypatch):
    monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")
    with pytest.raises(RuntimeError, match="stop it"):
        classic_session()


def test_classic_session_ignores_spark_remote(monkeypatch):
    seen = {}

    def fake_spark_session(app_name, master=None, *, remote=None, **kwargs):
        seen.update(app=app_name, master=master, remote=remote,
                    env=os.environ.get("SPARK_REMOTE"))
        return "session"

    import bdp.clusters

    monkeypatch.delenv("SPARK_CONNECT_MODE_ENABLED", raising=False)
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:15002")
    monkeypatch.setattr(bdp.clusters, "spark_session", fake_spark_session)
    assert classic_session("lab") == "session"
    assert seen == {"app": "lab", "master": "local[*]", "remote": None, "env": None}
    assert os.environ["SPARK_REMOTE"] == "sc://127.0.0.1:15002"  # restored


class _JavaSeq:
    def __init__(self, items):
        self._items = list(items)

    def size(self):
        return len(self._items)

    def apply(self, i):
        return self._items[i]


class _JavaMap:
    """A Scala map of SQL metrics: ``iterator()`` of pairs with ``_1()``/``_2().value()``."""

    def __init__(self, values):
        pairs = [SimpleNamespace(_1=lambda k=k: k, _2=lambda v=v: SimpleNamespace(value=lambda: v))
                 for k, v in values.items()]
        self._pairs = pairs

    def iterator(self):
        items = iter(self._pairs)
        box = {"next": next(items, None)}

        def has_next():
            return box["next"] is not None

        def take():
            item, box["next"] = box["next"], next(items, None)
            return item

        return SimpleNamespace(hasNext=has_next, next=take)


def _node(kind, children=(), metrics=None, **extra):
    cls = SimpleNamespace(getSimpleName=lambda: kind)
    return SimpleNamespace(getClass=lambda: cls, children=lambda: _JavaSeq(children),
                           metrics=lambda: _JavaMap(metrics or {}), **extra)


def test_scan_work_on_a_classic_plan_walks_through_adaptive_stages():
    scan = _node("FileSourceScanExec", metrics={
        "numFiles": 4, "numPartitions": 1, "numOutputRows": 5000, "filesSize": 4096,
        "scanTime": 12})
    stage = _node("ShuffleQueryStageExec", plan=lambda: _node("ShuffleExchangeExec", [scan]))
    final = _node("HashAggregateExec", [stage], metrics={"numOutputRows": 3})
    root = _node("AdaptiveSparkPlanExec", executedPlan=lambda: final)
    query_execution = SimpleNamespace(executedPlan=lambda: root)
    df = SimpleNamespace(
        collect=lambda: ["row"], sparkSession=object(),
        _jdf=SimpleNamespace(queryExecution=lambda: query_execution))
    work = sparkmetrics.scan_work(df)
    assert (work.files, work.partitions, work.rows, work.file_bytes) == (4, 1, 5000, 4096)
    assert work.result == ["row"]


def test_scan_work_over_connect_and_unpartitioned(monkeypatch):
    nodes = [
        SimpleNamespace(name="Scan parquet", metrics=[
            _metric("numFiles", 40), _metric("numOutputRows", 200_000),
            _metric("filesSize", 10)]),
        SimpleNamespace(name="Exchange", metrics=[_metric("shuffleRecordsWritten", 8)]),
    ]
    info = SimpleNamespace(metrics=SimpleNamespace(_metrics=nodes))
    monkeypatch.setattr(sparkmetrics, "is_connect", lambda spark: True)
    df = SimpleNamespace(sparkSession=object(), collect=lambda: [], executionInfo=info)
    work = sparkmetrics.scan_work(df)
    assert (work.files, work.partitions, work.rows) == (40, None, 200_000)


def test_scan_work_refuses_a_query_that_reads_no_files(monkeypatch):
    info = SimpleNamespace(metrics=SimpleNamespace(_metrics=[]))
    monkeypatch.setattr(sparkmetrics, "is_connect", lambda spark: True)
    df = SimpleNamespace(sparkSession=object(), collect=lambda: [], executionInfo=info)
    with pytest.raises(ValueError, match="no files"):
        sparkmetrics.scan_work(df)
