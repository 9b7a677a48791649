"""Webhooks (DESIGN §8): subscriptions, and the worker's loop that delivers the outbox to them.

Events are outbox rows written in each command's transaction. The worker dispatches each new event
into one delivery per matching active subscription, then sends due deliveries: signed, with a
timeout, retried on the subscription's schedule, in order per package (and per transfer or
location) and subscription. Any number of workers may run: rows are claimed with
`FOR UPDATE SKIP LOCKED`.
"""
