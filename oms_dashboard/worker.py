"""`flask oms worker`: webhook delivery and the periodic automatic reschedule (DESIGN §8, docs/webhooks.md).

One loop: dispatch new outbox events into deliveries, send the due deliveries, and every
`OMS_RESCHEDULE_MINUTES` retry the packages waiting for stock. When a pass found nothing to do it
waits a moment (interruptibly). SIGTERM or SIGINT stops it: no new request is started, the ones in
flight finish (each is bounded by `OMS_WEBHOOK_TIMEOUT_SECONDS`) and the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from flask import Flask

from .extensions import db
from .services.rescheduling import reschedule_waiting_packages
from .services.webhooks.delivery import DeliveryPool, dispatch_events

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
# Due deliveries looked at in one round.
ROUND_LIMIT = 200


class Worker:
    def __init__(
        self,
        app: Flask,
        *,
        reschedule: bool = True,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.reschedule = reschedule
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.stopping = threading.Event()
        self.reschedule_every = app.config["RESCHEDULE_MINUTES"] * 60
        # The first reschedule runs at start-up (catching up on whatever a stopped worker missed).
        self.next_reschedule = clock()
        # Sends run in these threads across rounds: a round never waits for a receiver.
        self.pool = DeliveryPool(
            app,
            threads=app.config["WORKER_THREADS"],
            timeout=float(app.config["WEBHOOK_TIMEOUT_SECONDS"]),
            stop=self.stopping,
        )

    def stop(self, *_signal_args) -> None:
        """Stop claiming work; the loop ends once the requests in flight have finished."""
        if not self.stopping.is_set():
            log.info("stopping: finishing the webhook requests in flight")
        self.stopping.set()

    def run_once(self) -> bool:
        """One round of the loop, without waiting for the requests it starts: True when it did something
        (dispatched events, or requests finished since the last round); then the next round starts at once."""
        with self.app.app_context():
            try:
                busy = bool(dispatch_events())
                if not self.stopping.is_set():
                    self.pool.new_round()
                    self.pool.submit_due(limit=ROUND_LIMIT)
                busy |= bool(self.pool.take_sent())
                if self.reschedule and not self.stopping.is_set() and self.clock() >= self.next_reschedule:
                    self.next_reschedule = self.clock() + self.reschedule_every
                    self.run_reschedule()
                return busy
            finally:
                db.session.remove()

    def run_reschedule(self) -> None:
        outcomes = reschedule_waiting_packages()
        done = sum(outcome.rescheduled for outcome in outcomes)
        if outcomes:
            log.info("automatic reschedule: %d of %d waiting packages rescheduled", done, len(outcomes))

    def handle_signals(self) -> None:
        """SIGTERM and SIGINT stop the loop (call from the main thread, before `run`)."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> int:
        """Loop until stopped; 0 when it stopped cleanly."""
        try:
            while not self.stopping.is_set():
                try:
                    busy = self.run_once()
                except Exception:  # the database went away, …: log, wait, try again
                    log.exception("worker round failed")
                    busy = False
                if not busy:
                    self.stopping.wait(self.idle_seconds)
        finally:
            self.close()
        return 0

    def close(self) -> None:
        """Stop, and wait for the requests in flight (each bounded by the timeout)."""
        self.stopping.set()
        self.pool.close()
