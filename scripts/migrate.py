"""Creates every `assistant_*` table that is missing, for a deployment that prepares its
database before starting the processes (they would otherwise create their tables on first use).

    .venv/bin/python scripts/migrate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.agent_feedback import FeedbackStore
from bot.handoff.desk import HandoffDesk
from common.database import create_tables, shared_engine
from common.settings import load_settings
from departments.bindings import BindingStore
from integrations.alipay.orders import OrderStore
from notices.contacts import ContactStore
from notices.outbox import NoticeStore
from notices.subscriptions import SubscriptionStore

STORES = (BindingStore, OrderStore, HandoffDesk, FeedbackStore, NoticeStore, SubscriptionStore, ContactStore)


def main() -> None:
    engine = shared_engine(load_settings().assistant_database_url)
    for store in STORES:
        create_tables(engine, store.tables)
        for model in store.tables:
            print(f"{model.__tablename__}: ready")


if __name__ == "__main__":
    main()
