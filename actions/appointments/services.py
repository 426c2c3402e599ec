"""What a citizen's words name: which clinic or hall, which hall service item.

Names and aliases of hospitals, clinics and halls are resolved by the booking platform
itself (`/appointments/v1/resolve`), so a new clinic needs no code here. Service items are
matched here by keywords, deterministically, because the platform only knows their ids.
"""

from __future__ import annotations

import re

from departments.appointments import Resolution

RESOURCE_ID = re.compile(r"^(H\d{2}-[A-Z]{2,3}|G\d{2})$")
SERVICE_KEYWORDS = {
    "passport": ("护照",),
    "hk_macao_permit": ("港澳", "通行证"),
    "id_card": ("身份证",),
    "household_registration": ("户口", "户籍", "落户"),
    "residence_permit": ("居住证",),
    "business_license": ("营业执照", "个体户", "开公司", "办执照"),
    "marriage_registration": ("结婚", "离婚", "婚姻"),
    "social_security_card": ("社保卡",),
    "housing_fund_withdrawal": ("公积金",),
    "property_registration": ("不动产", "房产证", "过户"),
}
"""Checked in order: "港澳通行证" must win over the "身份证" a citizen may add."""
GUIDE_TOPICS = {
    "passport": "passport.apply",
    "hk_macao_permit": "hk_macao_permit.apply",
    "id_card": "id_card.replace_lost",
    "household_registration": "household.move_in",
    "residence_permit": "residence_permit.apply",
    "business_license": "business.license",
    "marriage_registration": "marriage.register",
    "social_security_card": "social_security.card_lost",
    "housing_fund_withdrawal": "housing_fund.withdraw",
    "property_registration": "property.registration",
}
"""The knowledge-base guide of each hall service item, for "要带什么材料" mid-booking."""
HOSPITAL_GUIDE_TOPIC = "health.hospital_registration"
_TOPIC_SERVICES = {topic.partition(".")[0]: service for service, topic in GUIDE_TOPICS.items()}
_TOPIC_SERVICES["social_security"] = "social_security_card"
_TOPIC_SERVICES["business"] = "business_license"


def service_from_text(text: str) -> str | None:
    for service, words in SERVICE_KEYWORDS.items():
        if any(word in text for word in words):
            return service
    return None


def service_from_entities(values: list[str]) -> str | None:
    """A hall service id from a button, or the knowledge-base topic NLU tagged (passport.apply)."""
    for value in values:
        if value in SERVICE_KEYWORDS:
            return value
        topic_service = _TOPIC_SERVICES.get(value.partition(".")[0])
        if topic_service:
            return topic_service
    return None


def resource_from_ids(values: list[str]) -> str | None:
    """A clinic or hall id carried by a button payload or an NLU synonym (H01-NK, G01)."""
    return next((value for value in values if RESOURCE_ID.match(value)), None)


def hospital_from_ids(values: list[str]) -> str | None:
    return next((value for value in values if re.fullmatch(r"H\d{2}", value)), None)


def resolved_resource(resolution: Resolution) -> tuple[str | None, str | None]:
    """(resource id, hospital id): one clinic or hall when the words name exactly one best
    match; otherwise the hospital named, if any, so the citizen only picks the clinic."""
    hospital = resolution.hospitals[0].hospital_id if resolution.hospitals else None
    if resolution.clinics:
        first = resolution.clinics[0]
        same_name = [c for c in resolution.clinics if c.name == first.name]
        if len(same_name) == 1 or hospital is not None:
            return first.clinic_id, first.hospital_id
        return None, hospital
    if resolution.halls and hospital is None:
        return resolution.halls[0].hall_id, None
    return None, hospital
