"""Every environment variable the processes read, with defaults that work offline on a laptop.

This is the only module that reads the environment: each package gets its section of
`Settings` (departments, forms, agents, channels...) and builds its own objects from it, so a
deployer finds every knob in one place. The README's configuration table mirrors this module;
keep them in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_FALSE_WORDS = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A variable whose value cannot be used; the message names the variable, never a secret."""


class _Environment:
    """Typed reads of one environment mapping, each failure naming its variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def text(self, name: str, default: str = "") -> str:
        return self._environ.get(name, default).strip()

    def integer(self, name: str, default: int) -> int:
        raw = self.text(name, str(default))
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None

    def number(self, name: str, default: float) -> float:
        raw = self.text(name, str(default))
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None

    def flag(self, name: str, default: bool) -> bool:
        raw = self._environ.get(name)
        if raw is None:
            return default
        return raw.strip().lower() not in _FALSE_WORDS

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Every non-empty `<prefix>...` variable by its full name."""
        return {
            name: value.strip()
            for name, value in self._environ.items()
            if name.startswith(prefix) and value.strip()
        }

    def suffixed(self, suffix: str) -> dict[str, str]:
        """Every non-empty `<KEY><suffix>` variable as {key in lower case: value}."""
        return {
            name.removesuffix(suffix).lower(): value.strip().rstrip("/")
            for name, value in self._environ.items()
            if name.endswith(suffix) and value.strip()
        }


@dataclass(frozen=True)
class DepartmentSettings:
    """Where each department's API lives and how patiently it is called.

    A department is found at `<KEY>_API_URL` (WATER_API_URL, HPF_API_URL, CABLE_TV_API_URL...)
    when set, else at the sandbox address: a new department needs a client, not a setting."""

    default_url: str = "http://127.0.0.1:8100"
    urls: Mapping[str, str] = field(default_factory=dict)
    timeout_seconds: float = 3.0
    read_retries: int = 1
    breaker_failures: int = 5
    # Short: a department that died fails fast (connection refused), so a trial every few seconds
    # costs little and a restarted department is used again within seconds, not half a minute.
    breaker_reset_seconds: float = 5.0
    # Sent as `Authorization: Bearer KEY` to every department API (DEPARTMENT_API_KEY)...
    api_key: str = field(default="", repr=False)
    # ...unless the department has its own credential, `<KEY>_API_TOKEN` (WATER_API_TOKEN...):
    # one leaked credential then opens one department, not all of them.
    api_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)

    def url_for(self, key: str) -> str:
        return self.urls.get(key.lower(), self.default_url)

    def credential_for(self, key: str) -> str:
        return self.api_tokens.get(key.lower(), self.api_key)


@dataclass(frozen=True)
class FormSettings:
    """Bounds a deployer may tune: how far ahead bookings go, how long free text may be."""

    booking_days_ahead: int = 7
    text_min_chars: int = 4
    text_max_chars: int = 500


@dataclass(frozen=True)
class GuideSettings:
    """kb_wait_seconds: how long one reply waits for a knowledge base still loading; it must
    stay below RASA_TIMEOUT_SECONDS, or the citizen gets "busy" instead of the polite "not
    available now". out_of_scope_min_score: Rasa already judged an out_of_scope message
    off-topic, so the retriever must score at least this to offer choices instead of the
    out-of-scope answer (weather questions scored up to 0.36 in testing, real ones far above)."""

    kb_wait_seconds: float = 5.0
    out_of_scope_min_score: float = 0.45


@dataclass(frozen=True)
class AgentSettings:
    """The hotline agents' console: accounts, sessions and the login lockout (0 = no limit)."""

    users: str = ""
    session_secret: str = field(default="", repr=False)
    session_hours: float = 12.0
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_max_failures_per_address: int = 5
    login_lock_minutes: float = 15.0


@dataclass(frozen=True)
class WeChatSettings:
    """An empty token leaves the WeChat channel unconfigured (/wechat answers 503)."""

    token: str = field(default="", repr=False)
    app_id: str = ""
    app_secret: str = field(default="", repr=False)
    encoding_aes_key: str = field(default="", repr=False)
    api_base: str = "https://api.weixin.qq.com"
    reply_deadline_seconds: float = 4.0
    timestamp_window_seconds: float = 300.0
    max_body_bytes: int = 64 * 1024
    api_timeout_seconds: float = 5.0


@dataclass(frozen=True)
class AlipaySettings:
    """Raw Alipay values; `integrations.alipay.config` checks and parses them (keys, modes).
    An empty app id leaves the channel and Alipay payment unconfigured."""

    app_id: str = ""
    app_private_key: str = field(default="", repr=False)
    public_key: str = field(default="", repr=False)
    gateway_url: str = ""
    use_sandbox_gateway: bool = False
    notify_url: str = ""
    return_url: str = ""
    timeout_seconds: str = "5"
    pay_mode: str = "precreate"
    # User-info authorisation (auth_user): where Alipay sends the user back; empty: not offered.
    auth_redirect_url: str = ""
    auth_page_url: str = "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm"


@dataclass(frozen=True)
class KnowledgeBaseSettings:
    """The KB_* variables by name ({"KB_MODEL": ...}); `knowledge_base.config` owns their
    meaning and defaults, since they follow the retriever's calibration."""

    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HotspotSettings:
    """Complaint hotspots (`hotspots/`, README "Complaint hotspots"): the window, the heat's
    half-life and growth weight, and the clustering's weights and distance threshold, the
    defaults measured on hotspots/eval/dev.yml (`python -m hotspots tune`). A hotspot needs
    `min_tickets` tickets; a new ticket joining one is merged and the citizen told so."""

    window_days: float = 7.0
    half_life_hours: float = 24.0
    growth_weight: float = 0.5
    distance_threshold: float = 0.53
    place_weight: float = 0.2
    time_weight: float = 0.0
    min_tickets: int = 2
    check_timeout_seconds: float = 3.0


@dataclass(frozen=True)
class Settings:
    """A snapshot of the configuration; `load_settings()` reads it from the environment."""

    gateway_host: str = "0.0.0.0"
    gateway_port: int = 8000
    gateway_max_body_bytes: int = 64 * 1024
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    action_server_url: str = "http://127.0.0.1:5055"
    sandbox_url: str = "http://127.0.0.1:8100"
    sandbox_faults_enabled: bool = False
    database_url: str = ""
    redis_url: str = ""
    state_dir: Path = field(default=PROJECT_ROOT / ".run")
    model_cache_dir: Path = field(default=Path.home() / ".cache" / "citizen-assistant" / "models")
    log_level: str = "INFO"
    complaint_router_model: str = ""
    hotline: str = "12345"
    handoff_after_failures: int = 2
    handoff_idle_minutes: float = 30.0
    departments: DepartmentSettings | None = None
    forms: FormSettings = field(default_factory=FormSettings)
    guides: GuideSettings = field(default_factory=GuideSettings)
    agents: AgentSettings = field(default_factory=AgentSettings)
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    alipay: AlipaySettings = field(default_factory=AlipaySettings)
    knowledge_base: KnowledgeBaseSettings = field(default_factory=KnowledgeBaseSettings)
    gateway_workers: int = 1
    rasa_workers: int = 1
    rasa_instances: int = 1
    # Rasa's CPU priority once serving (scripts/stack.py): below the light processes'.
    rasa_nice: int = 5
    action_server_workers: int = 1
    conversation_retention_days: float = 30.0
    # Shared secrets between the processes, and the operators' token: empty = not required
    # (the ops endpoints are then off). See README, Security.
    rasa_auth_token: str = field(default="", repr=False)
    action_server_token: str = field(default="", repr=False)
    sandbox_api_key: str = field(default="", repr=False)
    ops_token: str = field(default="", repr=False)
    handoff_retention_days: float = 90.0
    forwarded_allow_ips: str = ""
    hotspots: HotspotSettings = field(default_factory=HotspotSettings)
    identity: IdentitySettings = field(default_factory=lambda: IdentitySettings())
    sms: SmsSettings = field(default_factory=lambda: SmsSettings())
    notices: NoticeSettings = field(default_factory=lambda: NoticeSettings())
    # Supervisors of the 12345 centre (the audit log, /api/ops/*): `name:salt_hex:hash_hex` items.
    supervisor_users: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.departments is None:
            # Departments default to this snapshot's sandbox, so Settings(sandbox_url=...) in a
            # test points every department there.
            object.__setattr__(self, "departments", DepartmentSettings(default_url=self.sandbox_url))

    @property
    def department_settings(self) -> DepartmentSettings:
        assert self.departments is not None
        return self.departments

    @property
    def sandbox_database_url(self) -> str:
        """SQLite inside the state directory unless DATABASE_URL points at a real server."""
        return self.database_url or f"sqlite:///{self.state_dir / 'sandbox.db'}"

    @property
    def assistant_database_url(self) -> str:
        """The assistant's own records (bindings, orders, handoffs); its tables are prefixed
        `assistant_`, so one PostgreSQL database can hold them beside the sandbox's."""
        return self.database_url or f"sqlite:///{self.state_dir / 'assistant.db'}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = _Environment(os.environ if environ is None else environ)
    sandbox_url = env.text("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/")
    return Settings(
        gateway_host=env.text("GATEWAY_HOST", "0.0.0.0"),
        gateway_port=env.integer("GATEWAY_PORT", 8000),
        gateway_max_body_bytes=env.integer("GATEWAY_MAX_BODY_BYTES", 64 * 1024),
        rasa_url=env.text("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        rasa_timeout_seconds=env.number("RASA_TIMEOUT_SECONDS", 10.0),
        action_server_url=env.text("ACTION_SERVER_URL", "http://127.0.0.1:5055").rstrip("/"),
        sandbox_url=sandbox_url,
        sandbox_faults_enabled=env.flag("SANDBOX_FAULTS_ENABLED", False),
        database_url=env.text("DATABASE_URL"),
        redis_url=env.text("REDIS_URL"),
        state_dir=Path(env.text("STATE_DIR", str(PROJECT_ROOT / ".run"))),
        model_cache_dir=Path(env.text("MODEL_CACHE_DIR", str(Settings().model_cache_dir))).expanduser(),
        log_level=env.text("LOG_LEVEL", "INFO").upper(),
        complaint_router_model=env.text("COMPLAINT_ROUTER_MODEL"),
        hotline=env.text("HOTLINE_NUMBER", "12345"),
        handoff_after_failures=env.integer("HANDOFF_AFTER_FAILURES", 2),
        handoff_idle_minutes=env.number("HANDOFF_IDLE_MINUTES", 30.0),
        departments=DepartmentSettings(
            default_url=sandbox_url,
            urls=env.suffixed("_API_URL"),
            timeout_seconds=env.number("DEPARTMENT_TIMEOUT_SECONDS", 3.0),
            read_retries=env.integer("DEPARTMENT_READ_RETRIES", 1),
            breaker_failures=env.integer("DEPARTMENT_BREAKER_FAILURES", 5),
            breaker_reset_seconds=env.number("DEPARTMENT_BREAKER_RESET_SECONDS", 5.0),
            api_key=env.text("DEPARTMENT_API_KEY"),
            api_tokens=env.suffixed("_API_TOKEN"),
        ),
        forms=FormSettings(
            booking_days_ahead=env.integer("FORM_BOOKING_DAYS_AHEAD", 7),
            text_min_chars=env.integer("FORM_TEXT_MIN_CHARS", 4),
            text_max_chars=env.integer("FORM_TEXT_MAX_CHARS", 500),
        ),
        guides=GuideSettings(
            kb_wait_seconds=env.number("GUIDES_KB_WAIT_SECONDS", 5.0),
            out_of_scope_min_score=env.number("GUIDES_OUT_OF_SCOPE_MIN_SCORE", 0.45),
        ),
        agents=AgentSettings(
            users=env.text("AGENT_USERS"),
            session_secret=env.text("AGENT_SESSION_SECRET"),
            session_hours=env.number("AGENT_SESSION_HOURS", 12.0),
            cookie_secure=env.flag("AGENT_COOKIE_SECURE", False),
            login_max_failures=env.integer("AGENT_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_address=env.integer("AGENT_LOGIN_MAX_FAILURES_PER_IP", 5),
            login_lock_minutes=env.number("AGENT_LOGIN_LOCK_MINUTES", 15.0),
        ),
        wechat=WeChatSettings(
            token=env.text("WECHAT_TOKEN"),
            app_id=env.text("WECHAT_APP_ID"),
            app_secret=env.text("WECHAT_APP_SECRET"),
            encoding_aes_key=env.text("WECHAT_ENCODING_AES_KEY"),
            api_base=env.text("WECHAT_API_BASE", WeChatSettings.api_base).rstrip("/"),
            reply_deadline_seconds=env.number("WECHAT_REPLY_DEADLINE_SECONDS", 4.0),
            timestamp_window_seconds=env.number("WECHAT_TIMESTAMP_WINDOW_SECONDS", 300.0),
            max_body_bytes=env.integer("WECHAT_MAX_BODY_BYTES", 64 * 1024),
            api_timeout_seconds=env.number("WECHAT_API_TIMEOUT_SECONDS", 5.0),
        ),
        alipay=AlipaySettings(
            app_id=env.text("ALIPAY_APP_ID"),
            app_private_key=env.text("ALIPAY_APP_PRIVATE_KEY"),
            public_key=env.text("ALIPAY_PUBLIC_KEY"),
            gateway_url=env.text("ALIPAY_GATEWAY_URL"),
            use_sandbox_gateway=env.flag("ALIPAY_SANDBOX", False),
            notify_url=env.text("ALIPAY_NOTIFY_URL"),
            return_url=env.text("ALIPAY_RETURN_URL"),
            timeout_seconds=env.text("ALIPAY_TIMEOUT_SECONDS", "5"),
            pay_mode=env.text("ALIPAY_PAY_MODE", "precreate").lower(),
            auth_redirect_url=env.text("ALIPAY_AUTH_REDIRECT_URL"),
            auth_page_url=env.text("ALIPAY_AUTH_PAGE_URL", AlipaySettings.auth_page_url),
        ),
        knowledge_base=KnowledgeBaseSettings(values=env.prefixed("KB_")),
        gateway_workers=env.integer("GATEWAY_WORKERS", 1),
        rasa_workers=env.integer("RASA_WORKERS", 1),
        rasa_instances=env.integer("RASA_INSTANCES", 1),
        rasa_nice=env.integer("RASA_NICE", 5),
        action_server_workers=env.integer("ACTION_SERVER_WORKERS", 1),
        conversation_retention_days=env.number("CONVERSATION_RETENTION_DAYS", 30.0),
        rasa_auth_token=env.text("RASA_AUTH_TOKEN"),
        action_server_token=env.text("ACTION_SERVER_TOKEN"),
        sandbox_api_key=env.text("SANDBOX_API_KEY"),
        ops_token=env.text("OPS_TOKEN"),
        handoff_retention_days=env.number("HANDOFF_RETENTION_DAYS", 90.0),
        forwarded_allow_ips=env.text("FORWARDED_ALLOW_IPS"),
        hotspots=HotspotSettings(
            window_days=env.number("HOTSPOT_WINDOW_DAYS", 7.0),
            half_life_hours=env.number("HOTSPOT_HALF_LIFE_HOURS", 24.0),
            growth_weight=env.number("HOTSPOT_GROWTH_WEIGHT", 0.5),
            distance_threshold=env.number("HOTSPOT_DISTANCE_THRESHOLD", 0.53),
            place_weight=env.number("HOTSPOT_PLACE_WEIGHT", 0.2),
            time_weight=env.number("HOTSPOT_TIME_WEIGHT", 0.0),
            min_tickets=env.integer("HOTSPOT_MIN_TICKETS", 2),
            check_timeout_seconds=env.number("HOTSPOT_CHECK_TIMEOUT_SECONDS", 3.0),
        ),
        identity=IdentitySettings(
            verification_hours=env.number("VERIFICATION_HOURS", 12.0),
            code_minutes=env.number("VERIFICATION_CODE_MINUTES", 5.0),
            max_attempts=env.integer("VERIFICATION_MAX_ATTEMPTS", 5),
            resend_seconds=env.number("VERIFICATION_RESEND_SECONDS", 60.0),
        ),
        sms=SmsSettings(
            api_key=env.text("SMS_API_KEY"),
            api_secret=env.text("SMS_API_SECRET"),
            template_id=env.text("SMS_TEMPLATE_ID", SmsSettings.template_id),
        ),
        supervisor_users=env.text("SUPERVISOR_USERS"),
        notices=_notice_settings(env),
    )


@dataclass(frozen=True)
class IdentitySettings:
    """Who counts as verified: how long a verification lasts per channel user, and the one-time
    SMS code's lifetime, wrong attempts before it is void, and the wait before another is sent."""

    verification_hours: float = 12.0
    code_minutes: float = 5.0
    max_attempts: int = 5
    resend_seconds: float = 60.0


@dataclass(frozen=True)
class SmsSettings:
    """The SMS gateway's credentials (requests are signed with HMAC-SHA256 over the body) and the
    verification-code template; the gateway's address is SMS_API_URL like any department's."""

    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    template_id: str = "SMS_VERIFY_CODE"


@dataclass(frozen=True)
class NoticeSettings:
    """Proactive notices (`notices/`, README "Proactive notices"): the departments' webhook
    secret and where the sandbox posts its events, polling, quiet hours, lead times, retries,
    rate limits and the platform templates a city applied for (`kind=template_id,...`)."""

    webhook_secret: str = field(default="", repr=False)
    webhook_url: str = ""
    webhook_window_seconds: float = 300.0
    poll_seconds: float = 0.0
    quiet_hours: str = "22:00-08:00"
    bill_days_before: int = 3
    appointment_lead_hours: float = 24.0
    send_interval_seconds: float = 2.0
    bill_scan_minutes: float = 60.0
    max_attempts: int = 5
    retry_seconds: float = 30.0
    user_max_per_day: int = 10
    channel_max_per_minute: int = 600
    wechat_templates: str = ""
    wechat_subscribe_templates: str = ""
    alipay_templates: str = ""


def _notice_settings(env: _Environment) -> NoticeSettings:
    gateway_port = env.integer("GATEWAY_PORT", 8000)
    return NoticeSettings(
        webhook_secret=env.text("NOTICE_WEBHOOK_SECRET"),
        webhook_url=env.text("NOTICE_WEBHOOK_URL", f"http://127.0.0.1:{gateway_port}/api/notices/events"),
        webhook_window_seconds=env.number("NOTICE_WEBHOOK_WINDOW_SECONDS", 300.0),
        poll_seconds=env.number("NOTICE_POLL_SECONDS", 0.0),
        quiet_hours=env.text("NOTICE_QUIET_HOURS", NoticeSettings.quiet_hours),
        bill_days_before=env.integer("NOTICE_BILL_DAYS_BEFORE", 3),
        appointment_lead_hours=env.number("NOTICE_APPOINTMENT_LEAD_HOURS", 24.0),
        send_interval_seconds=env.number("NOTICE_SEND_INTERVAL_SECONDS", 2.0),
        bill_scan_minutes=env.number("NOTICE_BILL_SCAN_MINUTES", 60.0),
        max_attempts=env.integer("NOTICE_MAX_ATTEMPTS", 5),
        retry_seconds=env.number("NOTICE_RETRY_SECONDS", 30.0),
        user_max_per_day=env.integer("NOTICE_USER_MAX_PER_DAY", 10),
        channel_max_per_minute=env.integer("NOTICE_CHANNEL_MAX_PER_MINUTE", 600),
        wechat_templates=env.text("NOTICE_WECHAT_TEMPLATES"),
        wechat_subscribe_templates=env.text("NOTICE_WECHAT_SUBSCRIBE_TEMPLATES"),
        alipay_templates=env.text("NOTICE_ALIPAY_TEMPLATES"),
    )
