"""Starts the whole stack (sandbox, action server, Rasa, gateway) under supervisord, waits until
each is healthy, and stops all of them together.

    python scripts/stack.py                      # `make run`: start, print the URLs, Ctrl-C stops
    python scripts/stack.py systemd --out DIR    # the same processes as systemd units
    python scripts/stack.py render-endpoints     # Rasa's endpoints file from the environment
    python scripts/stack.py purge                # drop conversations past their retention now

Supervision is supervisor's (PyPI `supervisor`, run in the foreground with a config generated
under STATE_DIR): a process that dies is started again at once, one that keeps dying while
starting is retried with a growing back-off (1 s, 2 s, 3 s... up to START_RETRIES tries), and
the others keep serving meanwhile. Each process runs in its own process group, stopped and
killed as a group, so no worker outlives its parent; each logs to STATE_DIR/logs/<name>.log.

The end-to-end tests and the benchmarks import `Stack` to start the same processes on free
ports, so what the tests exercise is what a deployer runs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

import yaml

if TYPE_CHECKING:
    import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from common.conversation_store import (  # noqa: E402
    purge_conversations,
    redis_common,
    tracker_store_config,
)
from common.settings import Settings, load_settings  # noqa: E402
from scripts.probe import answers  # noqa: E402
from scripts.train import MODELS_DIR, ensure_model, inputs_hash, rasa_environment  # noqa: E402

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
RASA_SERVER = PROJECT_ROOT / "scripts" / "rasa_server.py"
SUPERVISORD = PROJECT_ROOT / ".venv" / "bin" / "supervisord"
WATCHDOG_SCRIPT = PROJECT_ROOT / "scripts" / "watchdog.py"
STACK_SCRIPT = PROJECT_ROOT / "scripts" / "stack.py"
# A process that exits within its start seconds has failed to start; supervisord retries it
# after 1 s, 2 s, 3 s... and gives up (state FATAL) after START_RETRIES tries (about 3.5 min).
START_RETRIES = 20
STOP_WAIT_SECONDS = 15
# A health check waits this long for an answer (the watchdogs, asking liveness, wait longer).
HEALTH_TIMEOUT_SECONDS = 2.0
LEASED_LOCK_STORE = "scripts.rasa_lock_store.LeasedRedisLockStore"
# A ticket of Rasa's lock store is extended every quarter of this while its message waits or
# is processed: a killed Rasa's conversations are free again within it.
LOCK_LEASE_SECONDS = 6.0
UNIT_PREFIX = "citizen-assistant"
# What `make run` and scripts/train.py give every process: nothing reaches for the internet.
OFFLINE_ENVIRONMENT = {
    "RASA_TELEMETRY_ENABLED": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


class StackConfigurationError(RuntimeError):
    """The environment asks for something the stack cannot run; the message says what to set."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port(url: str) -> int:
    return urlparse(url).port or 80


def _host(url: str) -> str:
    return urlparse(url).hostname or "127.0.0.1"


def _rasa_model_loaded(body: bytes) -> bool:
    return b'"model_file"' in body and b'"model_file":null' not in body


def render_endpoints(env: Mapping[str, str], state_dir: Path) -> Path:
    """Rasa's endpoints for this run: the action server's URL, the tracker store
    (`tracker_store_config`) and, with REDIS_URL, the Redis lock store (db N+1) that several
    Rasa workers or instances need to handle one conversation's messages one at a time: Rasa's
    own, with leased tickets (scripts/rasa_lock_store.py), so a Rasa killed mid-message holds
    its conversations LOCK_LEASE_SECONDS, not Rasa's minute."""
    settings = load_settings({**env, "STATE_DIR": str(state_dir)})
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    endpoints["action_endpoint"] = {"url": f"{env['ACTION_SERVER_URL']}/webhook"}
    if settings.action_server_token:  # Rasa sends it as ?token=, actions/server.py checks it
        endpoints["action_endpoint"]["token"] = settings.action_server_token
    endpoints["tracker_store"] = tracker_store_config(settings)
    if settings.redis_url:
        common, database = redis_common(settings.redis_url)
        endpoints["lock_store"] = {
            "type": LEASED_LOCK_STORE,
            **common,
            "db": database + 1,
            "key_prefix": "citizen",
            "lease_seconds": LOCK_LEASE_SECONDS,
        }
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    path.chmod(0o600)  # it may carry the action server's token and the stores' passwords
    return path


# --- Scale-out ---------------------------------------------------------------------------------


def check_scale_out(settings: Settings) -> None:
    """More than one worker of anything shares state through Redis and signs agents' cookies
    with one key: refuse to start without REDIS_URL and AGENT_SESSION_SECRET."""
    counts = {
        "GATEWAY_WORKERS": settings.gateway_workers,
        "RASA_WORKERS": settings.rasa_workers,
        "RASA_INSTANCES": settings.rasa_instances,
        "ACTION_SERVER_WORKERS": settings.action_server_workers,
    }
    for name, count in counts.items():
        if count < 1:
            raise StackConfigurationError(f"{name} must be at least 1, not {count}.")
    several = [f"{name}={count}" for name, count in counts.items() if count > 1]
    missing = [
        name
        for name, value in (
            ("REDIS_URL", settings.redis_url),
            ("AGENT_SESSION_SECRET", settings.agents.session_secret),
        )
        if not value
    ]
    if several and missing:
        raise StackConfigurationError(
            f"{', '.join(several)} asks for more than one worker, which needs REDIS_URL (the "
            "workers' shared store and Rasa's lock store) and AGENT_SESSION_SECRET (one key for "
            f"the agents' session cookies in every worker). Not set: {', '.join(missing)}."
        )


# --- The processes -----------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str = ""
    health_check: Callable[[bytes], bool] = lambda _body: True
    extra_env: dict[str, str] = field(default_factory=dict)
    start_seconds: int = 3
    description: str = ""
    live_url: str = ""
    """What the watchdog polls when it differs from `health_url`: the process answering at all,
    not its dependencies (a gateway whose Rasa is down must not be restarted for it)."""

    start_nice: int = 0
    """Niceness the program starts at (supervisord runs it under `nice`)."""
    serving_nice: int = 0
    """Niceness of the program's process group once a new process first answers (its
    watchdog sets it; under systemd the unit's `Nice=`)."""

    @property
    def supervised_command(self) -> list[str]:
        return ["nice", "-n", str(self.start_nice), *self.command] if self.start_nice else self.command

    @property
    def liveness_url(self) -> str:
        return self.live_url or self.health_url


@dataclass
class Stack:
    """The four processes of one deployment under one supervisord. `env` overrides the process
    environment."""

    env: dict[str, str] = field(default_factory=dict)
    startup_timeout_seconds: float = 480.0
    echo: bool = False
    """Show supervisord's own lines (process exited, spawned...) on this process's stdout."""
    services: list[Service] = field(default_factory=list)
    supervisord: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        base = {**rasa_environment(), "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.env = {**base, **self.env}
        self.env.setdefault("GATEWAY_PORT", "8000")
        self.env.setdefault("RASA_URL", "http://127.0.0.1:5005")
        self.env.setdefault("ACTION_SERVER_URL", "http://127.0.0.1:5055")
        self.env.setdefault("SANDBOX_URL", "http://127.0.0.1:8100")
        self.state_dir = Path(self.env.setdefault("STATE_DIR", str(PROJECT_ROOT / ".run")))
        self.log_dir = self.state_dir / "logs"
        self._known_pids: dict[str, int] = {}

    @classmethod
    def on_free_ports(cls, state_dir: Path, **env: str) -> Stack:
        """A stack on free loopback ports with embedded stores and a fresh state directory, for
        tests and benchmarks that must not collide with a running `make run`."""
        return cls(
            env={
                "GATEWAY_HOST": "127.0.0.1",
                "GATEWAY_PORT": str(free_port()),
                "RASA_URL": f"http://127.0.0.1:{free_port()}",
                "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}",
                "SANDBOX_URL": f"http://127.0.0.1:{free_port()}",
                "STATE_DIR": str(state_dir),
                "REDIS_URL": "",
                "DATABASE_URL": "",
                **env,
            }
        )

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    @property
    def rasa_urls(self) -> list[str]:
        """RASA_URL, and with RASA_INSTANCES above 1 the same host on the next ports."""
        base = self.env["RASA_URL"]
        count = self.settings.rasa_instances
        return [base] + [f"http://{_host(base)}:{_port(base) + index}" for index in range(1, count)]

    def _rasa(self, rasa_url: str, model: Path, endpoints: Path) -> Service:
        """One Rasa instance: `rasa`, `rasa-2`... All share the endpoints (tracker and lock store)."""
        settings = self.settings
        index = self.rasa_urls.index(rasa_url)
        name = "rasa" if index == 0 else f"rasa-{index + 1}"
        return Service(
            name,
            [
                # `rasa run` without two per-message costs the profiles showed (rasa_server.py)
                str(RASA_PYTHON),
                str(RASA_SERVER),
                "run",
                "--enable-api",
                "--interface",
                _host(rasa_url),
                "--port",
                str(_port(rasa_url)),
                "--model",
                str(model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(PROJECT_ROOT / "credentials.yml"),
                # RASA_AUTH_TOKEN guards Rasa's HTTP API (/status, /model/parse, trackers)
                *(
                    [f"--auth-token={settings.rasa_auth_token}"] if settings.rasa_auth_token else []
                ),  # "=": a token may start with "-"
            ],
            f"{rasa_url}/status"
            + (f"?token={quote(settings.rasa_auth_token)}" if settings.rasa_auth_token else ""),
            health_check=_rasa_model_loaded,
            extra_env={"SANIC_WORKERS": str(settings.rasa_workers)},
            start_seconds=10,
            live_url=f"{rasa_url}/",
            description="Rasa server",
            # With another instance serving, a restarting one starts at the serving priority,
            # not above the instance the citizens are talking to meanwhile.
            start_nice=settings.rasa_nice if len(self.rasa_urls) > 1 else 0,
            serving_nice=settings.rasa_nice,
        )

    def _services(self, model: Path, endpoints: Path) -> list[Service]:
        settings = self.settings
        actions_url = self.env["ACTION_SERVER_URL"]
        services = [
            Service(
                "sandbox",
                [str(APP_PYTHON), "-m", "sandbox"],
                f"{self.env['SANDBOX_URL']}/health",
                description="department sandbox",
            ),
            Service(
                "actions",
                # rasa-sdk with ACTION_SERVER_TOKEN checked and its logs masked (actions/server.py)
                [
                    str(APP_PYTHON),
                    "-m",
                    "actions.server",
                    "--actions",
                    "actions",
                    "-p",
                    str(_port(actions_url)),
                ],
                f"{actions_url}/health",
                extra_env={
                    "SANIC_HOST": _host(actions_url),
                    "SANIC_WORKERS": str(settings.action_server_workers),
                },
                description="Rasa action server",
            ),
            *(self._rasa(url, model, endpoints) for url in self.rasa_urls),
            # GATEWAY_WORKERS above 1: bot/__main__.py runs uvicorn's workers from its app factory.
            Service(
                "gateway",
                [str(APP_PYTHON), "-m", "bot"],
                f"{self.gateway_url}/health",
                # RASA_INSTANCES above 1: the gateway's client knows every instance (bot/rasa_client.py).
                extra_env={"RASA_URL": ",".join(self.rasa_urls)} if len(self.rasa_urls) > 1 else {},
                live_url=f"{self.gateway_url}/health/live",
                description="gateway",
            ),
        ]
        # Proactive notices: plans department events and sends what is due (notices/__main__.py);
        # its scheduler also purges Rasa's SQL conversations past their retention.
        services.append(
            Service("notices", [str(APP_PYTHON), "-m", "notices"], description="proactive notices (sender)")
        )
        return services

    def prepare(self, model: Path) -> list[Service]:
        """Checks the configuration and writes what the processes read (Rasa's endpoints)."""
        check_scale_out(self.settings)
        # The departments' webhooks are signed: a secret made for this run unless one is set.
        self.env["NOTICE_WEBHOOK_SECRET"] = self.env.get("NOTICE_WEBHOOK_SECRET") or secrets.token_urlsafe(24)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = render_endpoints(self.env, self.state_dir)
        return self._services(model, endpoints)

    # --- supervisord ---

    @property
    def socket_path(self) -> Path:
        path = self.state_dir / "supervisor.sock"
        if len(str(path)) > 100:  # AF_UNIX paths are limited to 108 bytes
            digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:16]
            path = Path("/tmp") / f"citizen-supervisor-{digest}.sock"
        return path

    @property
    def config_path(self) -> Path:
        return self.state_dir / "supervisord.conf"

    def supervisor_config(self, services: list[Service]) -> str:
        def value(text: str) -> str:
            return text.replace("%", "%%")

        lines = [
            "; Generated by scripts/stack.py; regenerated at every start.",
            "[unix_http_server]",
            f"file={value(str(self.socket_path))}",
            "chmod=0700",
            "",
            "[supervisord]",
            "nodaemon=true",
            f"logfile={value(str(self.log_dir / 'supervisord.log'))}",
            "logfile_maxbytes=10MB",
            "logfile_backups=2",
            f"pidfile={value(str(self.state_dir / 'supervisord.pid'))}",
            f"childlogdir={value(str(self.log_dir))}",
            f"directory={value(str(PROJECT_ROOT))}",
            "loglevel=info",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{value(str(self.socket_path))}",
            "",
            *self._watchdogs(services, value),
            "[eventlistener:reaper]",
            f"command={value(shlex.join([str(APP_PYTHON), str(STACK_SCRIPT), 'reap']))}",
            "events=PROCESS_STATE_EXITED",
            "priority=10",
            "autorestart=true",
            f"stderr_logfile={value(str(self.log_dir / 'reaper.log'))}",
            "",
        ]
        for priority, service in enumerate(services, start=1):
            lines += [
                f"[program:{service.name}]",
                f"command={value(shlex.join(service.supervised_command))}",
                f"directory={value(str(PROJECT_ROOT))}",
                f"priority={priority * 100}",
                "autostart=true",
                "autorestart=true",
                f"startsecs={service.start_seconds}",
                f"startretries={START_RETRIES}",
                "stopsignal=TERM",
                f"stopwaitsecs={STOP_WAIT_SECONDS}",
                "stopasgroup=true",
                "killasgroup=true",
                "redirect_stderr=true",
                f"stdout_logfile={value(str(self.log_dir / f'{service.name}.log'))}",
                "stdout_logfile_maxbytes=20MB",
                "stdout_logfile_backups=3",
            ]
            if service.extra_env:
                pairs = ",".join(f'{key}="{value(item)}"' for key, item in service.extra_env.items())
                lines.append(f"environment={pairs}")
            lines.append("")
        return "\n".join(lines)

    def _watchdogs(self, services: list[Service], value: Callable[[str], str]) -> list[str]:
        """One watchdog for every program with a liveness URL (scripts/watchdog.py): a process that
        answered once and then stops answering (hung, deadlocked, stopped) is restarted like a
        dead one. supervisord's own restart covers only processes that exit."""
        watched = [
            f"{service.name}={service.liveness_url}"
            + (f"@{service.serving_nice}" if service.serving_nice else "")
            for service in services
            if service.liveness_url
        ]
        if not watched:
            return []
        return [
            "[eventlistener:watchdog]",
            f"command={value(shlex.join([str(APP_PYTHON), str(WATCHDOG_SCRIPT), *watched]))}",
            "events=TICK_5",
            "autorestart=true",
            f"stderr_logfile={value(str(self.log_dir / 'watchdog.log'))}",
            "",
        ]

    def rpc(self) -> Any:
        """supervisord's XML-RPC interface (`rpc().supervisor.getAllProcessInfo()`...)."""
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.socket_path}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def start(self, model: Path | None = None) -> None:
        # Rasa's HTTP API and the action server are never open, even when the deployer set no
        # secret: one made for this run is shared by the processes the stack starts (units
        # written for systemd take theirs from the environment file instead).
        for name in ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"):
            if not self.env.get(name):
                self.env[name] = secrets.token_urlsafe(24)
        # Nor the sandbox, which serves whole citizen records: the department clients present the
        # key the sandbox asks for (a deployer's DEPARTMENT_API_KEY, else one made for this run).
        sandbox_key = self.env.get("SANDBOX_API_KEY") or self.env.get("DEPARTMENT_API_KEY")
        self.env["SANDBOX_API_KEY"] = sandbox_key or secrets.token_urlsafe(24)
        self.env.setdefault("DEPARTMENT_API_KEY", "")
        self.env["DEPARTMENT_API_KEY"] = self.env["DEPARTMENT_API_KEY"] or self.env["SANDBOX_API_KEY"]
        check_scale_out(self.settings)
        model = model or ensure_model(RASA_BIN)
        started = time.monotonic()
        self.launch(self.prepare(model))
        try:
            for service in self.services:
                if service.health_url:
                    self._wait(service, started)
            self._remember_pids()
        except BaseException:
            self.stop()
            raise

    def launch(self, services: list[Service]) -> None:
        """Writes supervisord's config for `services` and starts it; all programs start at once:
        none needs another to start, and Rasa's model load, the long pole, overlaps with the
        others' imports."""
        self.services = services
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.supervisor_config(services), encoding="utf-8")
        self.socket_path.unlink(missing_ok=True)
        output = None if self.echo else (self.log_dir / "supervisord.out").open("ab")
        try:
            self.supervisord = subprocess.Popen(
                [str(SUPERVISORD), "-c", str(self.config_path)],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            if output is not None:
                output.close()

    @property
    def sandbox_headers(self) -> dict[str, str]:
        """What a caller of the stack's sandbox presents (tests and benchmarks arm faults, read
        the SMS outbox and move tickets through it)."""
        key = self.env.get("SANDBOX_API_KEY", "")
        return {"Authorization": f"Bearer {key}"} if key else {}

    def sandbox_client(self) -> httpx.Client:
        import httpx  # tests' and benchmarks' only: the Rasa image imports this module without it

        return httpx.Client(base_url=self.env["SANDBOX_URL"], timeout=10, headers=self.sandbox_headers)

    def _service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def _wait(self, service: Service, started: float) -> None:
        while not answers(service.health_url, HEALTH_TIMEOUT_SECONDS, service.health_check):
            if self.supervisord is None or self.supervisord.poll() is not None:
                raise RuntimeError(f"supervisord exited; see {self.log_dir / 'supervisord.log'}")
            for name, state in self.states().items():
                if state == "FATAL":
                    raise RuntimeError(f"{name} keeps failing to start; see {self.log_dir / name}.log")
            if time.monotonic() - started > self.startup_timeout_seconds:
                raise TimeoutError(
                    f"{service.name} not healthy in time; see {self.log_dir / service.name}.log"
                )
            time.sleep(0.5)

    def states(self) -> dict[str, str]:
        """Each program's supervisor state (RUNNING, STARTING, BACKOFF, EXITED, FATAL...)."""
        try:
            return {info["name"]: info["statename"] for info in self.rpc().supervisor.getAllProcessInfo()}
        except (OSError, xmlrpc.client.Error):
            return {}

    def pid(self, name: str) -> int:
        """The running pid of one program (0 when it is not running)."""
        return int(self.rpc().supervisor.getProcessInfo(name)["pid"])

    def _remember_pids(self) -> None:
        with contextlib.suppress(OSError, xmlrpc.client.Error):
            for info in self.rpc().supervisor.getAllProcessInfo():
                if info["pid"]:
                    self._known_pids[info["name"]] = int(info["pid"])

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Sends `sig` to one program's main process (not its group), as a crash would; returns
        the pid. supervisord notices the death and starts the program again."""
        pid = self.pid(name)
        if not pid:
            raise RuntimeError(f"{name} is not running")
        os.kill(pid, sig)
        return pid

    def workers(self, name: str) -> list[int]:
        """The child processes of a program's main process (uvicorn's or Sanic's workers)."""
        pid = self.pid(name)
        children = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(item) for item in children.read_text().split()] if children.exists() else []

    def restart(self, name: str) -> None:
        """Stops one program (its whole process group) and starts it again, as an operator's
        `supervisorctl restart NAME` does; returns once it is started, not yet healthy."""
        server = self.rpc().supervisor
        with contextlib.suppress(xmlrpc.client.Fault):  # NOT_RUNNING
            server.stopProcess(name, True)
        server.startProcess(name, False)

    def is_healthy(self, name: str) -> bool:
        service = self._service(name)
        return answers(service.health_url, HEALTH_TIMEOUT_SECONDS, service.health_check)

    def wait_healthy(self, name: str, timeout_seconds: float) -> float:
        """Seconds until one program answers its health check; TimeoutError past the timeout."""
        started = time.monotonic()
        while not self.is_healthy(name):
            if time.monotonic() - started > timeout_seconds:
                raise TimeoutError(f"{name} not healthy within {timeout_seconds:.0f} s")
            time.sleep(0.2)
        return time.monotonic() - started

    def stop(self) -> None:
        process = self.supervisord
        if process is None:
            return
        self._remember_pids()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            # supervisord stops the programs in reverse order, each within stopwaitsecs.
            process.wait(timeout=STOP_WAIT_SECONDS * 2 + 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in self._known_pids.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # anything left of a program's group
        self.socket_path.unlink(missing_ok=True)
        self.supervisord = None

    def urls(self) -> dict[str, str]:
        return {
            "Web chat": f"{self.gateway_url}/",
            "Chat API": f"{self.gateway_url}/api/chat",
            "Agent console": f"{self.gateway_url}/agent",
            "Health": f"{self.gateway_url}/health",
            "Metrics": f"{self.gateway_url}/metrics",
            "WeChat server URL": f"{self.gateway_url}/wechat",
            "Alipay gateway URL": f"{self.gateway_url}/alipay",
            "Department sandbox": f"{self.env['SANDBOX_URL']}/docs",
        }


def _die_with_parent() -> None:
    """supervisord gets SIGTERM when the process that started it dies (Linux), so a killed test
    run or `make run` leaves no stack behind."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --- The event listener that reaps orphaned workers ------------------------------------------


def reap() -> None:
    """supervisord's event listener for PROCESS_STATE_EXITED: when a program's main process dies
    (kill -9, a crash), its workers (uvicorn's, Sanic's) may live on holding the port, and the
    restarted program could not bind it. Each program leads its own process group (pgid = the
    dead pid), so that group is killed."""
    stdin, stdout = sys.stdin, sys.stdout
    while True:
        stdout.write("READY\n")
        stdout.flush()
        line = stdin.readline()
        if not line:  # supervisord went away
            return
        header = dict(token.split(":", 1) for token in line.split() if ":" in token)
        payload = stdin.read(int(header.get("len", 0)))
        fields = dict(token.split(":", 1) for token in payload.split() if ":" in token)
        pid = int(fields.get("pid", 0) or 0)
        if pid > 1:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
                print(f"killed what was left of {fields.get('processname')} (group {pid})", file=sys.stderr)
        stdout.write("RESULT 2\nOK")
        stdout.flush()


# --- systemd -----------------------------------------------------------------------------------


def systemd_units(
    env: Mapping[str, str], model: Path, env_file: str = "/etc/citizen-assistant/env", user: str = ""
) -> dict[str, str]:
    """The stack's processes as systemd units (file name -> text): the same commands, restarts
    and stop behaviour as under supervisord, grouped by citizen-assistant.target. systemd kills
    a unit's whole control group when its main process dies, so no worker outlives it. Rasa's
    endpoints are rendered from the environment file at each start of its unit."""
    stack = Stack(env=dict(env))
    check_scale_out(stack.settings)
    endpoints = stack.state_dir / "endpoints.yml"
    services = stack._services(model, endpoints)
    units: dict[str, str] = {}
    names = []
    for service in services:
        unit = f"{UNIT_PREFIX}-{service.name}.service"
        names.append(unit)
        environment = {
            "STATE_DIR": str(stack.state_dir),
            "PYTHONUNBUFFERED": "1",
            "TOKENIZERS_PARALLELISM": "false",
            **OFFLINE_ENVIRONMENT,
            **service.extra_env,
        }
        lines = [
            "# Generated by `python scripts/stack.py systemd`; regenerate rather than edit.",
            "[Unit]",
            f"Description=Citizen-service assistant: {service.description or service.name}",
            f"PartOf={UNIT_PREFIX}.target",
            "Wants=network-online.target",
            "After=network-online.target",
            f"StartLimitIntervalSec={START_RETRIES * 15}",
            f"StartLimitBurst={START_RETRIES}",
            "",
            "[Service]",
            "Type=simple",
            f"WorkingDirectory={PROJECT_ROOT}",
            f"EnvironmentFile=-{env_file}",
            *(f'Environment="{key}={item}"' for key, item in sorted(environment.items())),
        ]
        if service.name.startswith("rasa"):
            lines.append(f"ExecStartPre={APP_PYTHON} {STACK_SCRIPT} render-endpoints")
        lines += [
            f"ExecStart={shlex.join(service.command)}",
            "Restart=always",
            "RestartSec=2",
            "KillMode=control-group",
            "KillSignal=SIGTERM",
            f"TimeoutStopSec={STOP_WAIT_SECONDS}",
            *([f"Nice={service.serving_nice}"] if service.serving_nice else []),
            "NoNewPrivileges=true",
            "PrivateTmp=true",
        ]
        if user:
            lines.append(f"User={user}")
        lines += ["", "[Install]", f"WantedBy={UNIT_PREFIX}.target", ""]
        units[unit] = "\n".join(lines)
    units[f"{UNIT_PREFIX}.target"] = "\n".join(
        [
            "# Generated by `python scripts/stack.py systemd`: `systemctl enable --now citizen-assistant.target`.",
            "[Unit]",
            "Description=Citizen-service assistant (every process)",
            f"Wants={' '.join(names)}",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
    return units


def write_systemd_units(
    out: Path, env: Mapping[str, str], model: Path, env_file: str, user: str
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in systemd_units(env, model, env_file, user).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# --- make run ----------------------------------------------------------------------------------


def run_forever() -> None:
    stack = Stack(env=dict(os.environ), echo=True)
    started = time.monotonic()
    print("Starting the sandbox, action server, Rasa and gateway under supervisord...", flush=True)
    stack.start()
    print(f"\nReady in {time.monotonic() - started:.0f} s. Logs: {stack.log_dir}/", flush=True)
    for label, url in stack.urls().items():
        print(f"  {label:<20} {url}")
    print(
        "\nA process that dies is restarted; `.venv/bin/supervisorctl -c "
        f"{stack.config_path} status` shows them. Press Ctrl-C to stop everything.",
        flush=True,
    )
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    assert stack.supervisord is not None
    while not stopping and stack.supervisord.poll() is None:
        time.sleep(0.5)
    print("\nStopping...", flush=True)
    stack.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command")
    systemd = commands.add_parser("systemd", help="write the stack as systemd units")
    systemd.add_argument("--out", type=Path, required=True)
    systemd.add_argument(
        "--model", type=Path, help="the model Rasa serves (default: models/ for these inputs)"
    )
    systemd.add_argument("--env-file", default="/etc/citizen-assistant/env")
    systemd.add_argument("--user", default="")
    commands.add_parser("render-endpoints", help="write STATE_DIR/endpoints.yml from the environment")
    commands.add_parser("purge", help="delete conversations past CONVERSATION_RETENTION_DAYS now")
    commands.add_parser("reap", help="supervisord event listener (internal)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    state_dir = load_settings(env).state_dir
    try:
        if args.command == "systemd":
            model = args.model or MODELS_DIR / f"citizen-{inputs_hash()}.tar.gz"
            for path in write_systemd_units(args.out, env, model.resolve(), args.env_file, args.user):
                print(path)
        elif args.command == "render-endpoints":
            print(render_endpoints(env, state_dir))
        elif args.command == "purge":
            print(f"purged {purge_conversations(env)} events past their retention", flush=True)
        elif args.command == "reap":
            reap()
        else:
            run_forever()
    except StackConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
