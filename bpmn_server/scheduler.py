"""The clock: APScheduler wakes this process to fire due timers. The timers table is the truth.

Each server process runs one BackgroundScheduler with an in-memory job store (APScheduler must not
share a job store between schedulers) and a single worker thread, so that its jobs never overlap.
An interval job polls for due timers; after each poll a one-off date job is set for the next timer
due before the following poll, so that short timers fire on time. Which process fires a timer is
decided in the database (services/timers.py), so any number of processes may run a clock.

One clock per process: `start` again returns the running one, and a forked child (a gunicorn worker
forked after the master started one) starts its own. It stops at interpreter exit, or with `stop`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from models import utcnow

from . import logs

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO: twice a second of noise with a short poll.
logging.getLogger("apscheduler").setLevel(logging.WARNING)
_lock = threading.Lock()
_clock: Clock | None = None
_atexit_registered = False


class Clock:
    def __init__(self, app: Flask):
        self.app = app
        self.pid = os.getpid()
        self.poll = float(app.config["TIMER_POLL_SECONDS"])
        self.retention_days = app.config.get("HISTORY_RETENTION_DAYS")
        self.stopping = threading.Event()
        # History retention runs in its own thread: a long prune must not delay the timers.
        self.scheduler = BackgroundScheduler(timezone=dt.UTC, executors={"default": ThreadPoolExecutor(1),
                                                                         "retention": ThreadPoolExecutor(1),
                                                                         "deliveries": ThreadPoolExecutor(1),
                                                                         "batches": ThreadPoolExecutor(1)},
                                             job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": None})
        self.last_tick = time.monotonic()

    def start(self) -> None:
        self.scheduler.add_job(self.tick, "interval", seconds=self.poll, id="poll",
                               next_run_time=dt.datetime.now(dt.UTC))
        if self.retention_days:
            # First a minute after start (a server restarted often still prunes), then hourly.
            self.scheduler.add_job(self.prune, "interval", hours=1, id="retention", executor="retention",
                                   next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
        # camunda:historyTimeToLive of a process prunes its instances whether or not a global policy is set.
        self.scheduler.add_job(self.prune_by_process, "interval", hours=1, id="process-retention",
                               executor="retention", next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2))
        self.scheduler.add_job(self.prune_idempotency_keys, "interval", hours=1, id="idempotency-keys",
                               executor="retention", next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3))
        # Mails and webhooks in a thread of their own: a slow receiver must not delay the timers.
        self.scheduler.add_job(self.deliver, "interval", seconds=float(self.app.config.get("NOTIFY_POLL_SECONDS", 2)),
                               id="deliveries", executor="deliveries")
        # Bulk actions on instances in a thread of their own: a batch of thousands must not delay the timers.
        self.scheduler.add_job(self.run_batches, "interval", id="batches", executor="batches",
                               seconds=float(self.app.config.get("BATCH_POLL_SECONDS", 1)))
        self.scheduler.start()

    def running(self) -> bool:
        return self.pid == os.getpid() and self.scheduler.running

    def stop(self) -> None:
        """Stop polling and wait for the chunk of timers in progress to finish (one transaction)."""
        if self.running():
            self.stopping.set()
            self.scheduler.shutdown(wait=True)
            log.info("timer clock stopped")

    def healthy(self) -> bool:
        return self.running() and time.monotonic() - self.last_tick < max(30.0, self.poll * 10)

    def tick(self) -> None:
        from .services.timers import fire_due_timers, next_due

        self.last_tick = time.monotonic()
        logs.clear()  # the previous round's instance id must not leak onto this round's lines
        logs.USER.set("system")
        with self.app.app_context():
            try:
                # No `now`: each claim and each firing reads the wall clock, so lags are true. A full
                # batch is followed at once by the next one; a stopping clock ends after its chunk
                # (a few timers) and gives back the leases of the rest.
                fire_due_timers(batch=self.app.config["TIMER_BATCH"],
                                lease_seconds=self.app.config["TIMER_LEASE_SECONDS"], keep_going=self._going)
                upcoming = next_due(utcnow())
            except Exception:  # noqa: BLE001 - the clock must keep ticking through a bad round
                log.exception("timer poll failed")
                return
            finally:
                self.last_tick = time.monotonic()
        if upcoming is not None and self.scheduler.running:
            wait = (upcoming - utcnow()).total_seconds()
            if wait < self.poll:
                # Timers are claimed when `due_at <= now`: wake up just after it.
                self.scheduler.add_job(self.tick, "date", run_date=upcoming + dt.timedelta(milliseconds=5),
                                       id="soon", replace_existing=True)

    def _going(self) -> bool:
        """Asked before each chunk of a round: a long burst is a working clock, not a stuck one."""
        self.last_tick = time.monotonic()
        return not self.stopping.is_set()

    def prune(self) -> None:
        """The hourly history retention (services/retention.py), when BPMN_SERVER_HISTORY_RETENTION_DAYS is set."""
        from .services.retention import prune

        logs.clear()
        logs.USER.set("system")
        with self.app.app_context():
            try:
                prune(self.retention_days, keep_going=lambda: not self.stopping.is_set())
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("history retention failed")


    def deliver(self) -> None:
        """Send what the outbox holds (services/delivery.py)."""
        from .services.delivery import deliver_due

        logs.clear()
        logs.USER.set("system")
        with self.app.app_context():
            try:
                deliver_due(lease_seconds=float(self.app.config.get("NOTIFY_LEASE_SECONDS", 120)),
                            keep_going=lambda: not self.stopping.is_set())
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("notification delivery failed")

    def run_batches(self) -> None:
        """Work through the pending instances of running batches, a chunk per transaction
        (services/batch_runner.py); a stopping clock ends after its chunk, the rest waits for the next start."""
        from .services.batch_runner import run_batches

        logs.clear()
        logs.USER.set("system")
        with self.app.app_context():
            try:
                run_batches(keep_going=lambda: not self.stopping.is_set())
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("running batches failed")

    def prune_by_process(self) -> None:
        """The hourly pruning by each process's camunda:historyTimeToLive (services/retention.py)."""
        from .services.retention import prune_by_process

        logs.clear()
        logs.USER.set("system")
        with self.app.app_context():
            try:
                prune_by_process(keep_going=lambda: not self.stopping.is_set())
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("history time to live pruning failed")

    def prune_idempotency_keys(self) -> None:
        """The hourly removal of Idempotency-Key answers older than 24 hours (services/idempotency.py)."""
        from .services.idempotency import prune

        with self.app.app_context():
            try:
                prune()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("pruning idempotency keys failed")


def start(app: Flask) -> Clock:
    """Start this process's clock for `app` (once: a running clock for it is returned as it is)."""
    global _clock, _atexit_registered
    with _lock:
        if _clock is not None and _clock.running():
            if _clock.app is app:
                return _clock
            log.warning("replacing the timer clock of another app in this process")
            _clock.stop()
        clock = Clock(app)
        clock.start()
        _clock = clock
        app.extensions["bpmn_clock"] = clock
        if not _atexit_registered:
            atexit.register(stop)
            _atexit_registered = True
    log.info("timer clock started in process %d (poll every %.1f s)", clock.pid, clock.poll)
    return clock


def stop(app: Flask | None = None) -> None:
    """Stop this process's clock (only if it is `app`'s, when given). Safe to call twice."""
    global _clock
    with _lock:
        clock = _clock
        if clock is None or (app is not None and clock.app is not app):
            return
        _clock = None
    clock.stop()
