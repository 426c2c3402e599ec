"""The hook the complaint filing calls once a ticket is stored: merge it into an open hotspot
and give the sentence for the citizen. It never fails the filing: any error or a check slower
than HOTSPOT_CHECK_TIMEOUT_SECONDS is logged and the reply goes out without the sentence."""

from __future__ import annotations

import asyncio
import logging

from common.settings import load_settings
from departments.complaints import ComplaintClient, Ticket
from hotspots.service import shared_service

logger = logging.getLogger(__name__)
MERGED = "已有{others}位市民反映同一问题，已合并督办。"


async def merged_notice(complaints: ComplaintClient, ticket: Ticket) -> str | None:
    """ "已有N位市民反映同一问题，已合并督办。" when the ticket joined an open hotspot, else None."""
    try:
        settings = load_settings()
        service = shared_service(settings.hotspots, settings.assistant_database_url)
        merge = await asyncio.wait_for(
            service.merge(complaints, ticket), settings.hotspots.check_timeout_seconds
        )
    except Exception as error:  # the ticket is filed; the hotspot check is a bonus
        logger.warning("hotspot check skipped for %s: %s", ticket.ticket_id, type(error).__name__)
        return None
    if merge is None:
        return None
    logger.info("ticket %s merged into hotspot %s", ticket.ticket_id, merge.hotspot.id)
    return MERGED.format(others=merge.others)
