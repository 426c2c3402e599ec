"""What the stack renders and refuses, without starting it: scale-out needs Redis and the
agents' session secret, Rasa's stores, conversation retention, the supervisord and systemd
layouts."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from scripts.stack import (
    LOCK_LEASE_SECONDS,
    PROJECT_ROOT,
    Stack,
    StackConfigurationError,
    purge_conversations,
    render_endpoints,
    systemd_units,
    write_systemd_units,
)

MODEL = Path("/models/citizen-test.tar.gz")


@pytest.mark.parametrize("variable", ["GATEWAY_WORKERS", "RASA_WORKERS", "ACTION_SERVER_WORKERS"])
def test_several_workers_need_redis_and_the_session_secret(tmp_path: Path, variable: str) -> None:
    stack = Stack.on_free_ports(tmp_path, **{variable: "2", "AGENT_SESSION_SECRET": ""})
    with pytest.raises(StackConfigurationError, match=r"REDIS_URL.*AGENT_SESSION_SECRET") as refused:
        stack.start(MODEL)
    assert f"{variable}=2" in str(refused.value)
    assert "Not set: REDIS_URL, AGENT_SESSION_SECRET" in str(refused.value)
    assert stack.supervisord is None
    half = Stack.on_free_ports(tmp_path, **{variable: "3", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    half.env["AGENT_SESSION_SECRET"] = ""
    with pytest.raises(StackConfigurationError, match="Not set: AGENT_SESSION_SECRET"):
        half.prepare(MODEL)


def test_several_workers_with_redis_and_secret_are_laid_out(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(
        tmp_path,
        GATEWAY_WORKERS="2",
        RASA_WORKERS="2",
        ACTION_SERVER_WORKERS="2",
        REDIS_URL="redis://127.0.0.1:6379/0",
        AGENT_SESSION_SECRET="s" * 32,
    )
    services = {service.name: service for service in stack.prepare(MODEL)}
    assert services["gateway"].command[1:] == ["-m", "bot"]  # it runs GATEWAY_WORKERS itself
    assert services["rasa"].extra_env["SANIC_WORKERS"] == "2"
    assert services["actions"].extra_env["SANIC_WORKERS"] == "2"


def test_several_rasa_instances_share_the_stores_and_the_gateway_knows_them(tmp_path: Path) -> None:
    with pytest.raises(StackConfigurationError, match="RASA_INSTANCES=2"):
        Stack.on_free_ports(tmp_path, RASA_INSTANCES="2").prepare(MODEL)
    stack = Stack.on_free_ports(
        tmp_path, RASA_INSTANCES="2", REDIS_URL="redis://127.0.0.1:6379/0", AGENT_SESSION_SECRET="s" * 32
    )
    services = {service.name: service for service in stack.prepare(MODEL)}
    first, second = services["rasa"], services["rasa-2"]
    port = int(first.command[first.command.index("--port") + 1])
    assert int(second.command[second.command.index("--port") + 1]) == port + 1
    assert (
        first.command[first.command.index("--endpoints") + 1]
        == second.command[second.command.index("--endpoints") + 1]
    )
    assert services["gateway"].extra_env["RASA_URL"] == ",".join(stack.rasa_urls)
    assert len(stack.rasa_urls) == 2 and stack.rasa_urls[0] == stack.env["RASA_URL"]
    assert "rasa-2" in stack.supervisor_config(list(services.values()))


def test_the_command_line_refuses_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "STATE_DIR": str(tmp_path), "GATEWAY_WORKERS": "4", "REDIS_URL": ""}
    env.pop("AGENT_SESSION_SECRET", None)
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "stack.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "GATEWAY_WORKERS=4" in result.stderr and "REDIS_URL" in result.stderr
    assert "AGENT_SESSION_SECRET" in result.stderr


def _endpoints(tmp_path: Path, **env: str) -> dict:
    return yaml.safe_load(
        render_endpoints({"ACTION_SERVER_URL": "http://127.0.0.1:7000", **env}, tmp_path).read_text()
    )


def test_conversations_are_durable_by_default(tmp_path: Path) -> None:
    endpoints = _endpoints(tmp_path)
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "sqlite",
        "db": str(tmp_path / "conversations.db"),
    }
    assert "lock_store" not in endpoints


def test_rasa_and_the_action_server_get_their_tokens(tmp_path: Path) -> None:
    endpoints = _endpoints(tmp_path, ACTION_SERVER_TOKEN="act-secret")
    assert endpoints["action_endpoint"]["token"] == "act-secret"
    assert (tmp_path / "endpoints.yml").stat().st_mode & 0o077 == 0
    stack = Stack.on_free_ports(tmp_path, RASA_AUTH_TOKEN="rasa-secret")
    services = {service.name: service for service in stack.prepare(MODEL)}
    rasa = services["rasa"]
    assert "--auth-token=rasa-secret" in rasa.command
    assert rasa.health_url.endswith("/status?token=rasa-secret")
    assert services["actions"].command[1:3] == ["-m", "actions.server"]


def test_postgresql_tracker_store_from_database_url(tmp_path: Path) -> None:
    endpoints = _endpoints(
        tmp_path, DATABASE_URL="postgresql://city:p%40ss@db.example:5433/city?sslmode=require"
    )
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.example",
        "port": 5433,
        "db": "city",
        "username": "city",
        "password": "p@ss",
        "query": {"sslmode": "require"},
    }


def test_redis_tracker_store_expires_and_lock_store_is_shared(tmp_path: Path) -> None:
    endpoints = _endpoints(tmp_path, REDIS_URL="redis://:pw@10.0.0.5:6380/2", CONVERSATION_RETENTION_DAYS="7")
    assert endpoints["tracker_store"]["type"] == "redis"
    assert endpoints["tracker_store"]["record_exp"] == 7 * 86400
    assert endpoints["lock_store"] == {
        "type": "scripts.rasa_lock_store.LeasedRedisLockStore",  # Rasa's, with leased tickets
        "url": "10.0.0.5",
        "port": 6380,
        "password": "pw",
        "db": 3,
        "key_prefix": "citizen",
        "lease_seconds": LOCK_LEASE_SECONDS,
    }
    forever = _endpoints(tmp_path, REDIS_URL="redis://10.0.0.5/0", CONVERSATION_RETENTION_DAYS="0")
    assert "record_exp" not in forever["tracker_store"]


def test_the_rasa_image_renders_the_endpoints_with_what_it_holds(tmp_path: Path) -> None:
    """deploy/container.py renders Rasa's endpoints through this module in the Rasa image: only
    Rasa's packages (.venv-rasa has the same) and the files deploy/Dockerfile.rasa copies."""
    app = tmp_path / "app"
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile.rasa").read_text(encoding="utf-8")
    for line in re.findall(r"^COPY (?:--\S+ )*(.+)$", dockerfile, re.M):
        *sources, target = line.split()
        for source in (item for item in sources if "*" not in item):
            destination = app / target / Path(source).name if target.endswith("/") else app / target
            copy = shutil.copytree if (PROJECT_ROOT / source).is_dir() else shutil.copy
            destination.parent.mkdir(parents=True, exist_ok=True)
            copy(PROJECT_ROOT / source, destination)
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from scripts.stack import render_endpoints;"
        "print(render_endpoints({'ACTION_SERVER_URL': 'http://actions:5055',"
        " 'REDIS_URL': 'redis://redis:6379/0'}, Path(sys.argv[2])));"
        # Rasa loads the lock store the endpoints name from the files the image holds.
        "import importlib; importlib.import_module('scripts.rasa_lock_store')"
    )
    rendered = subprocess.run(
        [
            str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"),
            "-I",
            "-c",
            code,
            str(app),
            str(tmp_path / "state"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    endpoints = yaml.safe_load(Path(rendered.stdout.strip()).read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["type"] == "redis"
    assert endpoints["lock_store"]["type"] == "scripts.rasa_lock_store.LeasedRedisLockStore"


def test_purge_drops_only_conversations_past_retention(tmp_path: Path) -> None:
    database = tmp_path / "conversations.db"
    now = time.time()
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp FLOAT)")
        connection.executemany(
            "INSERT INTO events (sender_id, timestamp) VALUES (?, ?)",
            [
                ("old", now - 40 * 86400),
                ("old", now - 35 * 86400),
                ("recent", now - 40 * 86400),
                ("recent", now - 3600),
            ],
        )
    env = {
        "STATE_DIR": str(tmp_path),
        "CONVERSATION_RETENTION_DAYS": "30",
        "REDIS_URL": "",
        "DATABASE_URL": "",
    }
    assert purge_conversations(env) == 2
    with sqlite3.connect(database) as connection:
        assert {row[0] for row in connection.execute("SELECT sender_id FROM events")} == {"recent"}
    assert purge_conversations({**env, "CONVERSATION_RETENTION_DAYS": "0"}) == 0


def test_supervisord_config_restarts_each_process_as_a_group(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    config = configparser.RawConfigParser()
    config.read_string(stack.supervisor_config(stack.prepare(MODEL)))
    programs = [
        section.removeprefix("program:") for section in config.sections() if section.startswith("program:")
    ]
    # no "retention" program: the notices scheduler purges old conversations (notices/jobs.py)
    assert programs == ["sandbox", "actions", "rasa", "gateway", "notices"]
    for name in programs:
        section = config[f"program:{name}"]
        assert section["autorestart"] == "true" and int(section["startretries"]) >= 10
        assert section["stopasgroup"] == section["killasgroup"] == "true"
        assert section["stdout_logfile"] == str(tmp_path / "logs" / f"{name}.log")
    assert config["supervisord"]["nodaemon"] == "true"
    assert config["eventlistener:reaper"]["events"] == "PROCESS_STATE_EXITED"
    # One watchdog listener for every program with a liveness URL (25 MB each when there were four).
    listeners = [section for section in config.sections() if section.startswith("eventlistener:watchdog")]
    assert listeners == ["eventlistener:watchdog"]
    watched = shlex.split(config["eventlistener:watchdog"]["command"])[2:]
    assert [argument.partition("=")[0] for argument in watched] == ["sandbox", "actions", "rasa", "gateway"]


def test_systemd_units_mirror_the_supervised_processes(tmp_path: Path) -> None:
    env = {"STATE_DIR": str(tmp_path / "state"), "REDIS_URL": "", "DATABASE_URL": ""}
    written = write_systemd_units(tmp_path / "units", env, MODEL, "/etc/citizen-assistant/env", "citizen")
    names = sorted(path.name for path in written)
    assert names == [
        "citizen-assistant-actions.service",
        "citizen-assistant-gateway.service",
        "citizen-assistant-notices.service",
        "citizen-assistant-rasa.service",
        "citizen-assistant-sandbox.service",
        "citizen-assistant.target",
    ]
    services = {
        service.name: service
        for service in Stack(env=dict(env))._services(MODEL, tmp_path / "state" / "endpoints.yml")
    }
    for path in written:
        unit = configparser.RawConfigParser(strict=False)
        unit.optionxform = str  # type: ignore[assignment,method-assign]
        unit.read(path)
        if path.suffix == ".target":
            assert set(unit["Unit"]["Wants"].split()) == {name for name in names if name.endswith(".service")}
            assert unit["Install"]["WantedBy"] == "multi-user.target"
            continue
        name = path.stem.removeprefix("citizen-assistant-")
        section = unit["Service"]
        assert section["ExecStart"].split() == services[name].command
        assert section["Restart"] == "always" and section["KillMode"] == "control-group"
        assert section["User"] == "citizen" and section["EnvironmentFile"] == "-/etc/citizen-assistant/env"
        assert unit["Unit"]["PartOf"] == "citizen-assistant.target"
        assert unit["Install"]["WantedBy"] == "citizen-assistant.target"
    rasa = (tmp_path / "units" / "citizen-assistant-rasa.service").read_text()
    assert "ExecStartPre=" in rasa and "render-endpoints" in rasa
    assert 'Environment="RASA_TELEMETRY_ENABLED=false"' in rasa


def test_systemd_units_refuse_several_workers_without_redis(tmp_path: Path) -> None:
    with pytest.raises(StackConfigurationError, match="REDIS_URL"):
        systemd_units({"STATE_DIR": str(tmp_path), "REDIS_URL": "", "RASA_WORKERS": "2"}, MODEL)


def test_systemd_command_line_and_verify(tmp_path: Path) -> None:
    out = tmp_path / "units"
    env = {**os.environ, "STATE_DIR": str(tmp_path / "state"), "REDIS_URL": "", "GATEWAY_WORKERS": "1"}
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "stack.py"),
            "systemd",
            "--out",
            str(out),
            "--model",
            str(MODEL),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.service"))) == 5  # sandbox, actions, rasa, gateway, notices
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    verified = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, sorted(out.glob("*")))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Nothing said about our units: no unknown key, bad value or missing executable.
    assert not [
        line for line in (verified.stdout + verified.stderr).splitlines() if "citizen-assistant" in line
    ]
