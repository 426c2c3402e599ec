"""Proactive notices: department events in, one short notice per citizen out, on their channel.

Events arrive signed (`events`), land in a durable inbox, become deliveries in the
`notice_deliveries` outbox (`outbox`, texts from `compose`, recipients from `subscriptions`
and `recipients`), and the supervised `notices` process (`worker`, `python -m notices`) sends
them on WeChat, Alipay or web chat (`senders`). Nothing here imports the dialogue or the gateway.
"""
