"""A record source that blocks while a flag file exists (set BLOCKING_SOURCE_FLAG): a build
started on it stays mid-way (its temp file open) until the test removes the flag or kills it."""

from __future__ import annotations

import os
import time

from requests_app.production.records import DemoRecordSource


class BlockingSource(DemoRecordSource):
    def records(self, *args):
        flag = os.environ.get("BLOCKING_SOURCE_FLAG", "")
        while flag and os.path.exists(flag):
            time.sleep(0.1)
        return super().records(*args)
