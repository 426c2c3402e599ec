"""Starts the whole stack (sandbox, action server, Rasa, gateway), waits until each is
healthy and stops all of them together.

`make run` uses it from the command line; the end-to-end tests import `Stack` to start the
same processes on free ports, so what the tests exercise is what a deployer runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from scripts.train import ensure_model, rasa_environment  # noqa: E402

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port(url: str) -> int:
    return urlparse(url).port or 80


def _host(url: str) -> str:
    return urlparse(url).hostname or "127.0.0.1"


def _is_healthy(url: str, check: Callable[[bytes], bool] = lambda _body: True) -> bool:
    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200 and check(response.read())
    except OSError:
        return False


def render_endpoints(env: dict[str, str], state_dir: Path) -> Path:
    """Rasa's endpoints for this run: the action server's URL and, with REDIS_URL, Redis stores."""
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"] = {"url": f"{env['ACTION_SERVER_URL']}/webhook"}
    redis_url = env.get("REDIS_URL")
    if redis_url:
        parsed = urlparse(redis_url)
        common = {"url": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379}
        if parsed.password:
            common["password"] = parsed.password
        database = int(parsed.path.lstrip("/") or 0)
        endpoints["tracker_store"] = {"type": "redis", **common, "db": database, "key_prefix": "citizen"}
        endpoints["lock_store"] = {"type": "redis", **common, "db": database + 1, "key_prefix": "citizen"}
    path = state_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    health_check: Callable[[bytes], bool] = lambda _body: True
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Stack:
    """The four processes of one deployment. `env` overrides the process environment."""

    env: dict[str, str] = field(default_factory=dict)
    startup_timeout_seconds: float = 480.0
    services: list[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = {**rasa_environment(), "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.env = {**base, **self.env}
        self.env.setdefault("GATEWAY_PORT", "8000")
        self.env.setdefault("RASA_URL", "http://127.0.0.1:5005")
        self.env.setdefault("ACTION_SERVER_URL", "http://127.0.0.1:5055")
        self.env.setdefault("SANDBOX_URL", "http://127.0.0.1:8100")
        self.state_dir = Path(self.env.setdefault("STATE_DIR", str(PROJECT_ROOT / ".run")))
        self.log_dir = self.state_dir / "logs"

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
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    def _services(self, model: Path) -> list[Service]:
        rasa_url = self.env["RASA_URL"]
        actions_url = self.env["ACTION_SERVER_URL"]
        endpoints = render_endpoints(self.env, self.state_dir)
        return [
            Service("sandbox", [str(APP_PYTHON), "-m", "sandbox"], f"{self.env['SANDBOX_URL']}/health"),
            Service(
                "actions",
                [str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "-p", str(_port(actions_url))],
                f"{actions_url}/health",
                extra_env={"SANIC_HOST": _host(actions_url)},
            ),
            Service(
                "rasa",
                [
                    str(RASA_BIN),
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
                ],
                f"{rasa_url}/status",
                health_check=lambda body: b'"model_file"' in body and b'"model_file":null' not in body,
            ),
            Service("gateway", [str(APP_PYTHON), "-m", "bot"], f"{self.gateway_url}/health"),
        ]

    def start(self, model: Path | None = None) -> None:
        model = model or ensure_model(RASA_BIN)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.services = self._services(model)
        started = time.monotonic()
        try:
            # All at once: none needs another to start, and Rasa's model load, the long pole,
            # overlaps with the others' imports.
            for service in self.services:
                self._launch(service)
            for service in self.services:
                self._wait(service, started)
        except BaseException:
            self.stop()
            raise

    def _launch(self, service: Service) -> None:
        log = (self.log_dir / f"{service.name}.log").open("ab")
        service.process = subprocess.Popen(
            service.command,
            cwd=PROJECT_ROOT,
            env={**self.env, **service.extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait(self, service: Service, started: float) -> None:
        while not _is_healthy(service.health_url, service.health_check):
            for launched in self.services:
                if launched.process and launched.process.poll() is not None:
                    raise RuntimeError(
                        f"{launched.name} exited early; see {self.log_dir / launched.name}.log"
                    )
            if time.monotonic() - started > self.startup_timeout_seconds:
                raise TimeoutError(
                    f"{service.name} not healthy in time; see {self.log_dir / service.name}.log"
                )
            time.sleep(0.5)

    def stop(self) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()

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


def run_forever() -> None:
    stack = Stack(env=dict(os.environ))
    started = time.monotonic()
    print("Starting the sandbox, action server, Rasa and gateway...", flush=True)
    stack.start()
    print(f"\nReady in {time.monotonic() - started:.0f} s. Logs: {stack.log_dir}/", flush=True)
    for label, url in stack.urls().items():
        print(f"  {label:<20} {url}")
    print("\nPress Ctrl-C to stop everything.", flush=True)
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stopping:
        for service in stack.services:
            if service.process and service.process.poll() is not None:
                print(
                    f"{service.name} stopped unexpectedly; see {stack.log_dir / service.name}.log", flush=True
                )
                stopping = True
        time.sleep(0.5)
    print("\nStopping...", flush=True)
    stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    try:
        run_forever()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
