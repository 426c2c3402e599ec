"""Alipay's user-info authorisation (auth_user): an Alipay user who agrees to share their
certified identity is verified by the platform, as a linked WeChat user is, without an SMS code.

The verification step offered to an Alipay user carries a link to Alipay's authorisation page.
Its `state` is a random single-use token kept in the assistant database for a few minutes, never
the user id: identifiers stay out of URLs. Alipay sends the user back to
ALIPAY_AUTH_REDIRECT_URL (`GET /alipay/auth`) with an auth_code; the gateway trades it for an
access token (alipay.system.oauth.token), reads the certified id number
(alipay.user.info.share), checks that the user who agreed is the user who asked, and verifies
that channel user as the citizen the population registry holds for the id number.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore
from common.identity import id_number_problem
from common.settings import Settings, load_settings
from departments.base import DepartmentError
from departments.identity import Identity
from departments.registry import Departments, departments
from integrations.alipay.client import AlipayApi, AlipayApiError
from integrations.alipay.config import SENDER_PREFIX, AlipayConfig, AlipayConfigError, load_alipay_config

logger = logging.getLogger(__name__)
STATE_MINUTES = 10
AuthStatus = Literal["verified", "expired", "mismatch", "not_certified", "not_registered", "unavailable"]
PAGES: dict[AuthStatus, str] = {
    "verified": "验证成功。请回到生活号，再发一次您要办的事。",
    "expired": "这个授权链接已失效。请回到生活号重新发起查询，再点新的链接。",
    "mismatch": "授权的支付宝账号与发起查询的账号不一致，未完成验证。",
    "not_certified": "您的支付宝账号未完成实名认证，无法用授权验证。请回到生活号改用短信验证码。",
    "not_registered": "没有找到与您实名信息对应的市民登记。请回到生活号改用短信验证码，或拨打12345。",
    "unavailable": "支付宝或市民信息系统暂时繁忙，请稍后再试，或回到生活号改用短信验证码。",
}


class AuthRequestRow(AssistantBase):
    __tablename__ = "assistant_alipay_auth_requests"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuthRequestStore(AssistantStore):
    tables = (AuthRequestRow,)

    def _create(self, sender_id: str, now: datetime) -> str:
        state = secrets.token_urlsafe(24)
        with self._sessions.begin() as session:
            session.add(
                AuthRequestRow(
                    state=state, sender_id=sender_id, expires_at=now + timedelta(minutes=STATE_MINUTES)
                )
            )
        return state

    def _consume(self, state: str, now: datetime) -> str | None:
        """The sender who asked, once: the row goes whether it is still valid or not."""
        with self._sessions.begin() as session:
            row = session.scalars(select(AuthRequestRow).where(AuthRequestRow.state == state)).first()
            if row is None:
                return None
            session.delete(row)
            expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
            return row.sender_id if expires_at > now else None


@dataclass(frozen=True)
class AuthOutcome:
    status: AuthStatus
    sender_id: str = ""

    @property
    def page_text(self) -> str:
        return PAGES[self.status]


class UserAuthorization:
    def __init__(
        self,
        config: AlipayConfig,
        api: AlipayApi,
        store: AuthRequestStore,
        identity: Identity,
        registry: Departments,
    ) -> None:
        self._config = config
        self._api = api
        self._store = store
        self._identity = identity
        self._registry = registry

    @property
    def offered(self) -> bool:
        return bool(self._config.auth_redirect_url)

    async def link_for(self, sender_id: str) -> str | None:
        """The authorisation page for this Alipay user, or None (another channel, not offered)."""
        if not self.offered or not sender_id.startswith(f"{SENDER_PREFIX}:"):
            return None
        state = await self._store._run(self._store._create, sender_id, datetime.now(UTC))
        query = urlencode(
            {
                "app_id": self._config.app_id,
                "scope": "auth_user",
                "redirect_uri": self._config.auth_redirect_url,
                "state": state,
            }
        )
        return f"{self._config.auth_page_url}?{query}"

    async def complete(self, auth_code: str, state: str) -> AuthOutcome:
        sender_id = await self._store._run(self._store._consume, state, datetime.now(UTC)) if state else None
        if sender_id is None or not auth_code:
            return AuthOutcome("expired")
        try:
            user_id, token = await self._api.oauth_token(auth_code)
            if f"{SENDER_PREFIX}:{user_id}" != sender_id:
                logger.warning("Alipay authorisation by another user than the one who asked; refused")
                return AuthOutcome("mismatch")
            info = await self._api.user_info(token)
            id_number = str(info.get("cert_no", "")).upper()
            if info.get("is_certified") != "T" or id_number_problem(id_number) is not None:
                return AuthOutcome("not_certified")
            citizen = await self._registry.population.find_by_id_number(id_number)
        except (AlipayApiError, DepartmentError) as error:
            logger.warning("Alipay authorisation could not be completed: %s", error)
            return AuthOutcome("unavailable")
        if citizen is None:
            return AuthOutcome("not_registered")
        await self._identity.vouch(sender_id, citizen.citizen_id, "alipay_auth")
        logger.info("an Alipay user was verified by the platform's authorisation")
        return AuthOutcome("verified", sender_id)


def build_user_authorization(
    config: AlipayConfig,
    api: AlipayApi | None = None,
    settings: Settings | None = None,
    registry: Departments | None = None,
) -> UserAuthorization:
    settings = settings or load_settings()
    registry = registry or Departments(settings.department_settings)
    return UserAuthorization(
        config,
        api or AlipayApi(config),
        AuthRequestStore(settings.assistant_database_url),
        Identity(registry=registry, settings=settings.identity),
        registry,
    )


@cache
def default_user_authorization() -> UserAuthorization | None:
    """The action server's, built on first use; None when Alipay or its authorisation is off."""
    try:
        config = load_alipay_config()
    except AlipayConfigError:
        return None
    if config is None or not config.auth_redirect_url:
        return None
    return build_user_authorization(config, registry=departments())


async def authorisation_link(sender_id: str) -> str | None:
    """For the verification step: the link an Alipay user may follow instead of an SMS code."""
    authorization = default_user_authorization()
    return await authorization.link_for(sender_id) if authorization else None
