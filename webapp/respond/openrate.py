"""A rate limit on open-link submissions per client address, kept in memory only.

The open link's own limit (``open_link_limit`` per browser) is a cookie: a fresh browser, a
private window or a cleared cookie gets a fresh allowance. This adds a second limit that a
padder cannot reset as easily: at most :data:`MAX_PER_ADDRESS` submissions through the open
link from one client address within :data:`WINDOW_MINUTES` minutes
(``SAMEN_OPEN_LINK_MAX_PER_ADDRESS``, also from the environment, and
``SAMEN_OPEN_LINK_WINDOW_MINUTES`` in the app config). Beyond it the send step answers 429
with a friendly page, and nothing is stored. Every send through the open link that gets this
far counts, whether or not the response is then stored.

The default is generous on purpose: the open link is for staff without e-mail, who often
answer on a ward computer or the staff Wi-Fi, behind one shared address. It does not make
padding impossible (many addresses: mobile data, other networks); it makes padding slow and
visible in effort. The release rule (:mod:`webapp.results.openlink`) is the real defence.

**Privacy**, as :mod:`webapp.auth.throttle`: an address is kept only as an HMAC under a random
key made when the process starts, with the monotonic-clock times of its recent submissions,
in memory, for at most the window; never written to disk or a log, never in the database,
never next to a unit, a survey or an answer. A restart forgets everything. Each gunicorn
worker keeps its own counts (so a client may get up to the number of workers times the limit).
Behind a reverse proxy set ``SAMEN_TRUSTED_PROXIES``, or every client has the proxy's address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from flask import current_app

__all__ = ["MAX_PER_ADDRESS", "WINDOW_MINUTES", "OpenLinkRate", "open_link_rate"]

#: Submissions through the open link from one client address within the window.
MAX_PER_ADDRESS = 60
#: The window in which submissions count, in minutes.
WINDOW_MINUTES = 60
#: Addresses kept at most; beyond this the ones with no recent submission are dropped first.
MAX_RECORDS = 50_000
_EXTENSION = "samen_open_link_rate"


class OpenLinkRate:
    """Recent open-link submissions per client address (HMAC-keyed, in memory).

    Parameters
    ----------
    per_address : int
        Submissions allowed from one address within ``window`` seconds.
    window : float
        Seconds in which submissions count.
    clock : callable
        Seconds on a monotonic clock (default :func:`time.monotonic`); tests replace it.

    Raises
    ------
    ValueError
        When ``per_address`` is below 1 or ``window`` is not positive.
    """

    def __init__(
        self,
        per_address: int = MAX_PER_ADDRESS,
        window: float = WINDOW_MINUTES * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(per_address, bool) or int(per_address) < 1:
            raise ValueError(f"per_address must be at least 1, got {per_address!r}")
        if not window > 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.per_address = int(per_address)
        self.window = float(window)
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._records: dict[bytes, deque[float]] = {}
        self._lock = threading.Lock()

    def _digest(self, address: str) -> bytes:
        message = address.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def take(self, address: str | None) -> bool:
        """Count one submission from ``address``; False (and not counted) when over the limit.

        Without an address (a test client, a Unix socket) the submission is allowed.
        """
        if not address:
            return True
        now = self.clock()
        key = self._digest(address)
        with self._lock:
            times = self._records.get(key)
            if times is None:
                self._make_room(now)
                times = self._records[key] = deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.per_address:
                return False
            times.append(now)
            return True

    def _make_room(self, now: float) -> None:
        if len(self._records) < MAX_RECORDS:
            return
        horizon = now - self.window
        for key in [k for k, times in self._records.items() if not times or times[-1] <= horizon]:
            del self._records[key]
        while len(self._records) >= MAX_RECORDS:  # many addresses at once: drop the oldest
            del self._records[next(iter(self._records))]

    def __len__(self) -> int:
        """Addresses currently kept (for tests)."""
        return len(self._records)


_CREATE = threading.Lock()


def open_link_rate() -> OpenLinkRate:
    """The current app's :class:`OpenLinkRate` (one per app and process, made when first used)."""
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        with _CREATE:
            found = current_app.extensions.get(_EXTENSION)
            if found is None:
                config = current_app.config
                found = OpenLinkRate(
                    per_address=int(
                        config.get("SAMEN_OPEN_LINK_MAX_PER_ADDRESS", MAX_PER_ADDRESS)
                    ),
                    window=float(config.get("SAMEN_OPEN_LINK_WINDOW_MINUTES", WINDOW_MINUTES))
                    * 60,
                )
                current_app.extensions[_EXTENSION] = found
    return found
