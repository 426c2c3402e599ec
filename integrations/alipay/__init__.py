"""Alipay channel (生活号 messages) and bill payment through Alipay.

`channel.mount_alipay` puts `POST /alipay` on the gateway; `payments.create_payment_order`
is what the action server calls to hand a citizen a payment link.
"""
