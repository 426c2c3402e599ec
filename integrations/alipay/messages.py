"""What arrives at the Alipay gateway and what we answer: form parsing, the biz_content XML
of life-account messages, and the XML bodies Alipay expects back."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml
from defusedxml import DefusedXmlException

CHECK_SERVICE = "alipay.service.check"
MESSAGE_SERVICE = "alipay.mobile.public.message.notify"
GREETING = "你好"
NOT_TEXT_REPLY = "目前只能看懂文字消息，请直接输入您要办的事，或回复“菜单”查看能办什么。"
# Menu keys configured in the life account's menu, mapped to what a citizen would type for
# them: the brain treats a typed "/intent" it never offered as plain text, so a menu tap
# must arrive as words it understands.
MENU_TEXTS = {
    "query_bill": "我的账单",
    "pay_bill": "我要缴费",
    "book_appointment": "帮我挂个号",
    "list_appointments": "我的预约",
    "file_complaint": "我要投诉",
    "query_complaint": "投诉进度",
    "human_handoff": "转人工",
    "help": "菜单",
}
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}


class MalformedMessage(ValueError):
    """The request is not a well-formed Alipay gateway call."""


def normalise_charset(charset: str | None) -> str:
    return _CHARSETS.get((charset or "").strip().lower(), "utf-8")


def parse_form(body: bytes) -> tuple[dict[str, str], str]:
    """The form params decoded with the charset the request itself declares, and that charset."""
    try:
        raw = body.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedMessage("form body is not URL-encoded") from None
    charset = normalise_charset(dict(parse_qsl(raw, encoding="latin-1")).get("charset"))
    try:
        params = dict(parse_qsl(raw, keep_blank_values=True, encoding=charset, errors="strict"))
    except UnicodeDecodeError:
        raise MalformedMessage(f"form body is not valid {charset}") from None
    return params, charset


@dataclass(frozen=True)
class LifeMessage:
    """One citizen message or event from the life account."""

    user_id: str
    msg_type: str
    event_type: str = ""
    content: str = ""
    action_param: str = ""
    msg_id: str = ""
    create_time: str = ""

    @property
    def dedupe_key(self) -> str:
        """Alipay retries with the same MsgId; events without one are told apart by time."""
        return self.msg_id or f"{self.user_id}:{self.create_time}:{self.event_type}"

    def brain_text(self) -> str | None:
        """What the brain should hear for this message, or None when nothing should be said."""
        if self.msg_type == "text":
            return self.content
        if self.msg_type != "event":
            return None
        if self.event_type == "follow":
            return GREETING
        if self.event_type == "click":
            return MENU_TEXTS.get(self.action_param.strip(), MENU_TEXTS["help"])
        return None


def _text(root: Element, *paths: str) -> str:
    for path in paths:
        node = root.find(path)
        if node is not None and node.text:
            return node.text.strip()
    return ""


def parse_biz_content(biz_content: str) -> LifeMessage:
    """The XML of a life-account message; DTDs and entities are refused."""
    try:
        root = SafeXml.fromstring(_DECLARATION.sub("", biz_content, count=1))
    except (SafeXml.ParseError, DefusedXmlException):
        raise MalformedMessage("biz_content is not acceptable XML") from None
    user_id = _text(root, "FromAlipayUserId", "FromUserId")
    msg_type = _text(root, "MsgType").lower()
    if not user_id or not msg_type:
        raise MalformedMessage("biz_content lacks the sender or the message type")
    return LifeMessage(
        user_id=user_id,
        msg_type=msg_type,
        event_type=_text(root, "EventType").lower(),
        content=_text(root, "Text/Content", "Content"),
        action_param=_text(root, "ActionParam"),
        msg_id=_text(root, "MsgId"),
        create_time=_text(root, "CreateTime"),
    )


def verifygw_body(app_public_key_base64: str, verified: bool = True) -> str:
    """The body Alipay's gateway check expects: the outcome of our check of its signature,
    then the app public key."""
    outcome = (
        "<success>true</success>"
        if verified
        else "<success>false</success><error_code>VERIFY_FAILED</error_code>"
    )
    return f"{outcome}<biz_content>{app_public_key_base64}</biz_content>"


def ack_body(user_id: str, app_id: str) -> str:
    """The acknowledgement that stops Alipay from retrying a message."""
    return (
        "<XML>"
        f"<ToUserId><![CDATA[{user_id}]]></ToUserId>"
        f"<AppId><![CDATA[{app_id}]]></AppId>"
        f"<CreateTime>{int(time.time() * 1000)}</CreateTime>"
        "<MsgType><![CDATA[ack]]></MsgType>"
        "</XML>"
    )
