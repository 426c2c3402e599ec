"""Who a channel user is: identity levels before personal records are shown.

- Anonymous: guides, FAQ, and what a payment app shows anyone with a utility account number.
- Verified: a WeChat/Alipay user the city links to a citizen (the platform vouches for them),
  an Alipay user who agreed to share their certified identity (`integrations/alipay/user_auth.py`),
  or a channel user who typed the one-time code sent by SMS to the phone the population
  registry holds for the citizen they named. A verification lasts VERIFICATION_HOURS per
  channel user (sender id) and is kept in the assistant's database (`assistant_verifications`).

A code is never sent to a number the user typed unless the registry holds it, and the answer
never says whether the number is registered: an unknown number gets a challenge that no code
can pass, and the same reply. A code expires (VERIFICATION_CODE_MINUTES), is void after
VERIFICATION_MAX_ATTEMPTS wrong tries, and another is sent only after
VERIFICATION_RESEND_SECONDS (`assistant_verification_codes`, codes stored as hashes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore
from common.identity import id_number_problem, is_valid_phone, normalise_plate
from common.settings import IdentitySettings, load_settings
from common.text_normalization import normalize_identifier
from departments.bill_types import BILL_TYPES
from departments.population import Citizen
from departments.registry import Departments, departments

logger = logging.getLogger(__name__)
SENT_REPLY = "如果该号码登记在册，验证码已发送到登记的手机上（{minutes}分钟内有效）。"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class Verification(AssistantBase):
    __tablename__ = "assistant_verifications"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerificationCode(AssistantBase):
    __tablename__ = "assistant_verification_codes"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    # Empty when the number named nobody: the challenge exists (same reply) but cannot pass.
    citizen_id: Mapped[str] = mapped_column(String(32))
    subject_digest: Mapped[str] = mapped_column(String(64))
    code_digest: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


StartStatus = Literal["sent", "already_sent", "throttled"]
CheckStatus = Literal["verified", "wrong", "void", "expired"]


@dataclass(frozen=True)
class CheckResult:
    status: CheckStatus
    citizen_id: str = ""
    remaining: int = 0


class VerificationStore(AssistantStore):
    tables = (Verification, VerificationCode)

    # --- verifications -------------------------------------------------------------------
    def _verified(self, sender_id: str, now: datetime) -> str | None:
        with self._sessions() as session:
            row = session.get(Verification, sender_id)
            if row is None or _aware(row.expires_at) <= now:
                return None
            return row.citizen_id

    def _verify(self, sender_id: str, citizen_id: str, method: str, now: datetime, hours: float) -> None:
        with self._sessions.begin() as session:
            session.merge(
                Verification(
                    sender_id=sender_id,
                    citizen_id=citizen_id,
                    method=method,
                    verified_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )

    def _forget(self, sender_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(Verification).where(Verification.sender_id == sender_id))
            session.execute(delete(VerificationCode).where(VerificationCode.sender_id == sender_id))

    # --- codes ---------------------------------------------------------------------------
    def _pending(self, sender_id: str) -> VerificationCode | None:
        with self._sessions() as session:
            return session.get(VerificationCode, sender_id)

    def _save_code(self, row: VerificationCode) -> None:
        with self._sessions.begin() as session:
            session.merge(row)

    def _try_code(self, sender_id: str, code: str, now: datetime, max_attempts: int) -> CheckResult:
        with self._sessions.begin() as session:
            row = session.scalars(
                select(VerificationCode).where(VerificationCode.sender_id == sender_id).with_for_update()
            ).first()
            if row is None or _aware(row.expires_at) <= now:
                if row is not None:
                    session.delete(row)
                return CheckResult("expired")
            expected = row.code_digest
            if row.citizen_id and hmac.compare_digest(_digest(sender_id, code), expected):
                session.delete(row)
                return CheckResult("verified", citizen_id=row.citizen_id)
            row.attempts += 1
            if row.attempts >= max_attempts:
                session.delete(row)
                return CheckResult("void")
            return CheckResult("wrong", remaining=max_attempts - row.attempts)


@cache
def verification_store() -> VerificationStore:
    return VerificationStore(load_settings().assistant_database_url)


def normalise_subject(text: str) -> str | None:
    """An id number or a phone number in what the citizen typed, else None."""
    compact = re.sub(r"[\s-]", "", normalize_identifier(text)).upper()
    for candidate in re.findall(r"\d{17}[\dX]|1[3-9]\d{9}", compact):
        if len(candidate) == 18 and id_number_problem(candidate) is None:
            return candidate
        if len(candidate) == 11 and is_valid_phone(candidate):
            return candidate
    return None


def code_in(text: str) -> str | None:
    found = CODE.findall(normalize_identifier(text))
    return found[-1] if len(found) == 1 or (found and len(set(found)) == 1) else None


class Identity:
    """The verification service of one process: the store, the departments and the limits."""

    def __init__(
        self,
        store: VerificationStore | None = None,
        registry: Departments | None = None,
        settings: IdentitySettings | None = None,
    ) -> None:
        self._store = store
        self._registry = registry
        self.settings = settings or load_settings().identity

    @property
    def store(self) -> VerificationStore:
        return self._store or verification_store()

    @property
    def registry(self) -> Departments:
        return self._registry or departments()

    def sent_reply(self) -> str:
        return SENT_REPLY.format(minutes=round(self.settings.code_minutes))

    async def verified_citizen(self, sender_id: str) -> Citizen | None:
        """The citizen this channel user is verified as, or None (anonymous). Raises
        DepartmentError when the population registry cannot answer now."""
        linked = await self.registry.population.find_by_channel_user(sender_id)
        if linked is not None:
            return linked
        citizen_id = await self.store._run(self.store._verified, sender_id, datetime.now(UTC))
        if citizen_id is None:
            return None
        return await self.registry.population.find_by_citizen_id(citizen_id)

    async def start(self, sender_id: str, subject: str) -> StartStatus:
        """Sends a code to the registered phone of the citizen `subject` names (an id number or
        a phone), if any. The caller answers the same whatever happened but a throttle."""
        now = datetime.now(UTC)
        subject_digest = _digest(sender_id, subject)
        pending = await self.store._run(self.store._pending, sender_id)
        if pending is not None:
            age = (now - _aware(pending.sent_at)).total_seconds()
            if age < self.settings.resend_seconds:
                return "already_sent" if pending.subject_digest == subject_digest else "throttled"
        population = self.registry.population
        citizen = (
            await population.find_by_phone(subject)
            if len(subject) == 11
            else await population.find_by_id_number(subject)
        )
        code = f"{secrets.randbelow(10**6):06d}"
        if citizen is not None:
            await self.registry.sms.send(
                citizen.phone, {"code": code, "minutes": str(round(self.settings.code_minutes))}
            )
            logger.info("verification code sent for a registered citizen")
        else:
            logger.info("verification asked for a number nobody registered; no SMS sent")
        row = VerificationCode(
            sender_id=sender_id,
            citizen_id=citizen.citizen_id if citizen else "",
            subject_digest=subject_digest,
            code_digest=_digest(sender_id, code) if citizen else "",
            sent_at=now,
            expires_at=now + timedelta(minutes=self.settings.code_minutes),
            attempts=0,
        )
        await self.store._run(self.store._save_code, row)
        return "sent"

    async def check(self, sender_id: str, code: str) -> CheckResult:
        now = datetime.now(UTC)
        result = await self.store._run(self.store._try_code, sender_id, code, now, self.settings.max_attempts)
        if result.status == "verified":
            await self.store._run(
                self.store._verify, sender_id, result.citizen_id, "sms", now, self.settings.verification_hours
            )
        return result

    async def vouch(self, sender_id: str, citizen_id: str, method: str) -> None:
        """A platform vouched for this channel user (Alipay's user-info authorisation): verified
        as the citizen for the same bounded time as after an SMS code."""
        now = datetime.now(UTC)
        await self.store._run(
            self.store._verify, sender_id, citizen_id, method, now, self.settings.verification_hours
        )

    async def forget(self, sender_id: str) -> None:
        await self.store._run(self.store._forget, sender_id)


@dataclass(frozen=True)
class OwnRecords:
    """What a verified citizen may look up: their own identifiers only."""

    citizen: Citizen
    fund_accounts: tuple[str, ...]
    plates: tuple[str, ...]

    def owns(self, bill_type: str, identifier: str) -> bool:
        kind = BILL_TYPES[bill_type].kind
        if kind == "social_security":
            return identifier.upper() == self.citizen.id_number.upper()
        if kind == "housing_fund":
            return identifier.upper() in {self.citizen.id_number.upper(), *self.fund_accounts}
        if kind == "traffic":
            return (normalise_plate(identifier) or identifier) in self.plates
        return True

    def default_for(self, bill_type: str) -> str | None:
        kind = BILL_TYPES[bill_type].kind
        if kind == "social_security":
            return self.citizen.id_number
        if kind == "housing_fund":
            return self.fund_accounts[0] if self.fund_accounts else None
        if kind == "traffic":
            return self.plates[0] if self.plates else None
        return None


async def own_records(citizen: Citizen, registry: Departments | None = None) -> OwnRecords:
    registry = registry or departments()
    fund = await registry.housing_fund.account_for_citizen_or_none(citizen.citizen_id)
    plates = await registry.population.vehicle_plates(citizen.citizen_id)
    return OwnRecords(
        citizen=citizen,
        fund_accounts=(fund.account_number,) if fund is not None else (),
        plates=tuple(plates),
    )


def is_personal(bill_type: str) -> bool:
    """Records only a verified citizen sees: all but the utility bills (amount due to anyone
    holding the account number, as a payment app shows)."""
    row = BILL_TYPES.get(bill_type)
    return row is not None and row.kind != "billed"


@cache
def identity() -> Identity:
    return Identity()
