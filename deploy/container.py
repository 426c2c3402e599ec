"""Entry point of the two deployment images.

    container.py gateway|actions|sandbox|rasa|notices   start that process, as scripts/stack.py does
    container.py health [ROLE]                          exit 0 when it is healthy (Docker HEALTHCHECK)

The commands, health URLs and Rasa's rendered endpoints are the ones `make run` uses, so a
container runs what the end-to-end tests exercise. Every setting is a variable of the README's
configuration table; addresses are the ones other processes use (RASA_URL, ACTION_SERVER_URL,
SANDBOX_URL), and each process listens on all interfaces at that address's port. No process
starts without the secret that guards it, since each listens beyond the loopback interface:
Rasa's HTTP API wants RASA_AUTH_TOKEN, the action server ACTION_SERVER_TOKEN (Rasa presents
it), the sandbox SANDBOX_API_KEY (the department clients present DEPARTMENT_API_KEY). The
notices sender listens on nothing; it wants DATABASE_URL, the gateway's database, where the
events it plans and the notices it sends are (a container's own SQLite would be another one),
and is healthy while its heartbeat file is fresh (`notices.health`).
Standard library only: the app image and the Rasa image run it with their own Python.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, urlparse
from urllib.request import urlopen

APP_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = APP_ROOT / "models"
ROLES = ("gateway", "actions", "sandbox", "rasa", "notices")
DEFAULTS = {
    "RASA_URL": "http://127.0.0.1:5005",
    "ACTION_SERVER_URL": "http://127.0.0.1:5055",
    "SANDBOX_URL": "http://127.0.0.1:8100",
    "GATEWAY_PORT": "8000",
}


# The secrets each role needs: the one guarding it, and the ones it presents to others.
REQUIRED_SECRETS = {
    "gateway": ("RASA_AUTH_TOKEN",),
    "actions": ("ACTION_SERVER_TOKEN",),
    "sandbox": ("SANDBOX_API_KEY",),
    "rasa": ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"),
    "notices": ("DATABASE_URL",),
}
# notices.health: the sender touches this file every round; older than this, it is hung.
HEARTBEAT_FILE = "notices.heartbeat"
HEARTBEAT_MAX_AGE_SECONDS = 300


class ConfigurationError(SystemExit):
    """A setting the process cannot start with; the message says which and why."""


def _require_secrets(role: str, env: Mapping[str, str]) -> None:
    missing = [name for name in REQUIRED_SECRETS.get(role, ()) if not (env.get(name) or "").strip()]
    if missing:
        why = (
            "it shares the gateway's database"
            if role == "notices"
            else "an internal service is never left open"
        )
        raise ConfigurationError(
            f"{role} needs {', '.join(missing)}: {why} (deploy/env.example, deploy/k8s/secret.example.yaml)"
        )


def _setting(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or DEFAULTS[name]).strip()


def _port(url: str) -> int:
    return urlparse(url).port or 80


def sanic_workers(env: Mapping[str, str]) -> int:
    raw = (env.get("SANIC_WORKERS") or "1").strip()
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"SANIC_WORKERS must be a whole number, not {raw!r}") from None


def command(role: str, env: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The argv of one role and the variables it needs on top of `env`."""
    python = sys.executable or "python"
    _require_secrets(role, env)
    if role == "gateway":
        return [python, "-m", "bot"], {}
    if role == "actions":
        # The action server (behind ACTION_SERVER_TOKEN) binds to ACTION_SERVER_URL's host.
        port = _port(_setting(env, "ACTION_SERVER_URL"))
        return [python, "-m", "actions.server", "-p", str(port)], {
            "ACTION_SERVER_URL": f"http://0.0.0.0:{port}"
        }
    if role == "sandbox":
        # The sandbox binds to SANDBOX_URL's host, which is the Service's name for everyone else.
        return [python, "-m", "sandbox"], {
            "SANDBOX_URL": f"http://0.0.0.0:{_port(_setting(env, 'SANDBOX_URL'))}"
        }
    if role == "rasa":
        return _rasa_command(env)
    if role == "notices":
        return [python, "-m", "notices"], {}
    raise ConfigurationError(f"unknown role {role!r}; one of {', '.join(ROLES)}")


def _rasa_command(env: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    if sanic_workers(env) > 1 and not (env.get("REDIS_URL") or "").strip():
        raise ConfigurationError(
            "SANIC_WORKERS > 1 needs REDIS_URL: Rasa's lock store must be shared by the workers"
        )
    sys.path.insert(0, str(APP_ROOT))
    from scripts.stack import render_endpoints
    from scripts.train import rasa_environment

    state_dir = Path(env.get("STATE_DIR") or APP_ROOT / ".run")
    state_dir.mkdir(parents=True, exist_ok=True)
    endpoints = render_endpoints({**env, "ACTION_SERVER_URL": _setting(env, "ACTION_SERVER_URL")}, state_dir)
    argv = [
        # `rasa run` without two per-message costs the profiles showed, as the stack runs it.
        sys.executable or "python",
        str(APP_ROOT / "scripts" / "rasa_server.py"),
        "run",
        "--enable-api",
        "--interface",
        "0.0.0.0",
        "--port",
        str(_port(_setting(env, "RASA_URL"))),
        "--model",
        str(MODEL_DIR),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(APP_ROOT / "credentials.yml"),
        "--auth-token",
        env["RASA_AUTH_TOKEN"].strip(),
    ]
    # What scripts/train.py gives every Rasa process: no telemetry, no error reports, no hub.
    offline = {name: value for name, value in rasa_environment().items() if os.environ.get(name) != value}
    return argv, offline


def _model_loaded(body: bytes) -> bool:
    try:
        return bool(json.loads(body).get("model_file"))
    except (ValueError, AttributeError):
        return False


def health_check(role: str, env: Mapping[str, str]) -> tuple[str, Callable[[bytes], bool]]:
    """The URL that says one role is healthy (as scripts/stack.py waits for it) and its check."""
    if role == "gateway":
        return f"http://127.0.0.1:{_setting(env, 'GATEWAY_PORT')}/health", lambda _body: True
    if role == "actions":
        return f"http://127.0.0.1:{_port(_setting(env, 'ACTION_SERVER_URL'))}/health", lambda _body: True
    if role == "sandbox":
        return f"http://127.0.0.1:{_port(_setting(env, 'SANDBOX_URL'))}/health", lambda _body: True
    if role == "rasa":
        token = quote((env.get("RASA_AUTH_TOKEN") or "").strip())
        return f"http://127.0.0.1:{_port(_setting(env, 'RASA_URL'))}/status?token={token}", _model_loaded
    raise ConfigurationError(f"unknown role {role!r}; one of {', '.join(ROLES)}")


def role_of(argv: Sequence[str]) -> str | None:
    """Which role a process runs, from its command line (PID 1 of the container after exec)."""
    for index, arg in enumerate(argv[:-1]):
        if arg == "-m":
            module = argv[index + 1]
            return {
                "bot": "gateway",
                "actions.server": "actions",
                "sandbox": "sandbox",
                "notices": "notices",
            }.get(module)
    if "run" in argv and any(Path(arg).name in ("rasa", "rasa_server.py") for arg in argv):
        return "rasa"
    return None


def _pid1_argv() -> list[str]:
    raw = Path("/proc/1/cmdline").read_bytes()
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def heartbeat_fresh(env: Mapping[str, str]) -> bool:
    """The notices sender's liveness: its last round was at most HEARTBEAT_MAX_AGE_SECONDS ago."""
    state_dir = Path(env.get("STATE_DIR") or APP_ROOT / ".run")
    try:
        age = time.time() - (state_dir / HEARTBEAT_FILE).stat().st_mtime
    except OSError:
        return False
    return age <= HEARTBEAT_MAX_AGE_SECONDS


def healthy(role: str, env: Mapping[str, str]) -> bool:
    if role == "notices":
        return heartbeat_fresh(env)
    url, check = health_check(role, env)
    try:
        with urlopen(url, timeout=4) as response:
            return response.status == 200 and check(response.read())
    except OSError:
        return False


def main(argv: Sequence[str]) -> None:
    if not argv:
        raise ConfigurationError(f"usage: container.py {'|'.join(ROLES)}|health [ROLE]")
    if argv[0] == "health":
        role = argv[1] if len(argv) > 1 else role_of(_pid1_argv())
        if role is None:
            raise ConfigurationError("health: cannot tell the role from PID 1; pass it")
        sys.exit(0 if healthy(role, os.environ) else 1)
    args, extra = command(argv[0], os.environ)
    os.chdir(APP_ROOT)
    sys.stdout.flush()
    os.execvpe(args[0], args, {**os.environ, **extra})


if __name__ == "__main__":
    main(sys.argv[1:])
