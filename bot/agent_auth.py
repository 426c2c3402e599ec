"""Logins of the hotline agents: scrypt password hashes from the environment, signed session cookies.

Agents see what callers say, so the console needs a login, but not a user database: the
deployer lists the accounts in AGENT_USERS as `name:salt_hex:hash_hex` (made with `python -m
bot.agent_auth hash NAME`, which reads the password from stdin). A session is an HMAC-signed
"name|expiry|nonce" token; the key is AGENT_SESSION_SECRET, or a random per-process key (every
agent then logs in again after a restart, which is the safe default). Logging out revokes the
token on the server too (`revoke`): its digest is kept in the gateway's shared store until the
token would have expired, and `verify_session` refuses it, so a copied cookie dies with the
logout instead of living out its twelve hours.

Usage: `echo -n 'password' | python -m bot.agent_auth hash zhangsan` prints the AGENT_USERS item.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import secrets
import sys
import time
from dataclasses import dataclass, field

from common.settings import AgentSettings, load_settings
from common.store import KeyValueStore

# scrypt cost: ~50 ms and 16 MiB per login on a laptop, which is nothing for a person and
# a lot for someone guessing passwords from a stolen AGENT_USERS value.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
# Compared against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_SALT = bytes(_SALT_BYTES)
COOKIE_NAME = "agent_session"
_REVOKED_PREFIX = "agent-session-revoked"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`salt_hex:hash_hex` for one password; a fresh random salt unless one is given."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    return f"{salt.hex()}:{_derive(password, salt).hex()}"


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_KEY_BYTES
    )


def parse_users(value: str) -> dict[str, tuple[bytes, bytes]]:
    """AGENT_USERS as {name: (salt, hash)}; a malformed item is a deployment error and fails loudly."""
    users: dict[str, tuple[bytes, bytes]] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            name, salt_hex, hash_hex = item.split(":")
            users[name] = (bytes.fromhex(salt_hex), bytes.fromhex(hash_hex))
        except ValueError:
            # The item itself stays out of the message: it holds a password hash.
            raise ValueError(
                "AGENT_USERS: each item must be name:salt_hex:hash_hex (python -m bot.agent_auth hash NAME)"
            ) from None
        if not name or "|" in name:
            raise ValueError(f"AGENT_USERS: invalid agent name {name!r}")
    return users


@dataclass(frozen=True)
class AgentAuth:
    """The configured agents and the session key; `enabled` is False when no agent is configured."""

    users: dict[str, tuple[bytes, bytes]]
    secret: bytes = field(repr=False)
    session_seconds: int = 12 * 3600
    cookie_secure: bool = False

    @classmethod
    def from_settings(cls, settings: AgentSettings, supervisor_users: str = "") -> AgentAuth:
        """Supervisors (SUPERVISOR_USERS) log in the same way; they need not be agents too."""
        secret = settings.session_secret
        return cls(
            users={**parse_users(supervisor_users), **parse_users(settings.users)},
            secret=secret.encode("utf-8") if secret else secrets.token_bytes(32),
            session_seconds=int(settings.session_hours * 3600),
            cookie_secure=settings.cookie_secure,
        )

    @classmethod
    def from_env(cls) -> AgentAuth:
        settings = load_settings()
        return cls.from_settings(settings.agents, settings.supervisor_users)

    @property
    def enabled(self) -> bool:
        return bool(self.users)

    def check_password(self, name: str, password: str) -> bool:
        """Constant time in the password, and as slow for an unknown name as for a known one."""
        salt, expected = self.users.get(name, (_DUMMY_SALT, b""))
        actual = _derive(password, salt)
        return hmac.compare_digest(actual, expected) and name in self.users

    def issue(self, name: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.session_seconds)
        # The nonce makes each login's token its own, so revoking one never logs out another.
        content = f"{name}|{expires}|{secrets.token_urlsafe(9)}"
        # Unpadded, so the cookie value needs no quoting.
        payload = base64.urlsafe_b64encode(content.encode()).decode("ascii").rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str, now: float | None = None) -> str | None:
        """The agent's name for a valid, unexpired token of a still-configured agent, else None.
        Signature and expiry only: `verify_session` also refuses a revoked token."""
        claims = self._claims(token)
        if claims is None:
            return None
        name, expires = claims
        expired = expires < (now if now is not None else time.time())
        return None if expired or name not in self.users else name

    async def verify_session(self, token: str, store: KeyValueStore, now: float | None = None) -> str | None:
        """`verify`, and the token not revoked by a logout (checked in the shared store)."""
        name = self.verify(token, now)
        if name is None or await store.get(_revoked_key(token)) is not None:
            return None
        return name

    async def revoke(self, token: str, store: KeyValueStore, now: float | None = None) -> bool:
        """Refuses this token from now on, in every gateway sharing the store; False when it was
        not a valid token (nothing to revoke)."""
        claims = self._claims(token)
        if claims is None:
            return False
        remaining = claims[1] - (now if now is not None else time.time())
        if remaining <= 0:
            return False
        await store.set(_revoked_key(token), "1", ttl_seconds=remaining + 1)
        return True

    def _claims(self, token: str) -> tuple[str, int] | None:
        """(name, expiry) of a token signed with our key, else None."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            padded = payload + "=" * (-len(payload) % 4)
            name, expires, *_nonce = base64.urlsafe_b64decode(padded).decode("utf-8").split("|")
            return name, int(expires)
        except ValueError:
            return None

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode("ascii"), hashlib.sha256).hexdigest()


def _revoked_key(token: str) -> str:
    """A digest, never the token itself: whoever reads the store must not get a live cookie."""
    return f"{_REVOKED_PREFIX}:{hashlib.sha256(token.encode()).hexdigest()[:40]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.agent_auth")
    commands = parser.add_subparsers(dest="command", required=True)
    hash_command = commands.add_parser(
        "hash", help="print an AGENT_USERS item for a password read from stdin"
    )
    hash_command.add_argument("name", help="the agent's login name")
    args = parser.parse_args(argv)
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        parser.error("no password on stdin")
    print(f"{args.name}:{hash_password(password)}")


if __name__ == "__main__":
    main()
