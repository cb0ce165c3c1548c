"""Small helpers shared by several test modules."""

from __future__ import annotations

import time
from typing import Any


def client_when_ready(timeout: float) -> Any:
    """``bdp.clusters.dask_client()`` retried every second until the scheduler that
    ``DASK_SCHEDULER_ADDRESS`` names answers (a separately started one takes a few seconds)."""
    from bdp.clusters import ClusterError, dask_client

    deadline = time.monotonic() + timeout
    while True:
        try:
            return dask_client()
        except ClusterError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
