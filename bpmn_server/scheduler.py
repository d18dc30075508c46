"""The clock: APScheduler wakes this process to fire due timers. The timers table is the truth.

Each server process runs its own BackgroundScheduler with an in-memory job store (APScheduler must
not share a job store between schedulers). An interval job polls for due timers; after each poll a
one-off date job is set for the next timer due before the following poll, so short timers fire on time.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import time

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from models import utcnow

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, app: Flask):
        self.app = app
        self.poll = float(app.config["TIMER_POLL_SECONDS"])
        self.scheduler = BackgroundScheduler(timezone=dt.UTC,
                                             job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": None})
        self.last_tick = time.monotonic()

    def start(self) -> None:
        self.scheduler.add_job(self.tick, "interval", seconds=self.poll, id="poll",
                               next_run_time=dt.datetime.now(dt.UTC))
        self.scheduler.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def healthy(self) -> bool:
        return self.scheduler.running and time.monotonic() - self.last_tick < max(30.0, self.poll * 10)

    def tick(self) -> None:
        from .services.timers import fire_due_timers, next_due

        self.last_tick = time.monotonic()
        with self.app.app_context():
            try:
                fire_due_timers(utcnow(), batch=self.app.config["TIMER_BATCH"],
                                lease_seconds=self.app.config["TIMER_LEASE_SECONDS"])
                upcoming = next_due()
            except Exception:  # noqa: BLE001 - the clock must keep ticking through a bad poll
                log.exception("timer poll failed")
                return
        if upcoming is not None:
            wait = (upcoming - utcnow()).total_seconds()
            if 0 < wait < self.poll:
                self.scheduler.add_job(self.tick, "date", run_date=upcoming + dt.timedelta(milliseconds=5),
                                       id="soon", replace_existing=True)


def start(app: Flask) -> Clock:
    clock = Clock(app)
    clock.start()
    app.extensions["bpmn_clock"] = clock
    log.info("timer clock started (poll every %.1f s)", clock.poll)
    return clock
