"""Token buckets: how many frames a connection may send, and how fast; and
per client address, how many sign-ups and guest joins."""

import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .errors import CommandError, message

# A batch costs one command per this many commands in it: a group move of
# 2,000 stickies is one gesture, not 2,000 clicks.
BATCH_SHARE = 50


def command_cost(command) -> float:
    """What a command takes from the commands bucket."""
    if command.name == "batch" and isinstance(command.data, dict):
        inner = command.data.get("commands")
        if isinstance(inner, list):
            return float(max(1, math.ceil(len(inner) / BATCH_SHARE)))
    return 1.0


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up.

    `take` answers at once, without sleeping: a refused frame is dropped by
    the caller, so a flooding client costs little and slows no one else.
    """

    def __init__(self, rate, burst, clock=time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()

    def _refill(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, cost=1.0) -> bool:
        self._refill()
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def retry_after(self, cost=1.0) -> float:
        """Seconds until `take(cost)` would succeed."""
        self._refill()
        return max(0.0, (cost - self.tokens) / self.rate)


class Limits:
    """One connection's buckets, from the `LIVE_LIMITS` setting."""

    DEFAULTS = {"frames": (120, 240), "commands": (30, 120), "ephemeral": (60, 60)}

    def __init__(self, config=None, clock=time.monotonic):
        config = {**self.DEFAULTS, **(config or {})}
        self.frames = TokenBucket(*config["frames"], clock=clock)
        self.commands = TokenBucket(*config["commands"], clock=clock)
        self.ephemeral = TokenBucket(*config["ephemeral"], clock=clock)
        self.clock = clock
        self._last_notice = None

    def should_notify(self, interval=1.0) -> bool:
        """At most one `rate_limited` reply per `interval` for dropped
        ephemeral frames, so the replies cannot become a flood themselves."""
        now = self.clock()
        if self._last_notice is None or now - self._last_notice >= interval:
            self._last_notice = now
            return True
        return False


# -- per client address: sign-ups and guest joins ---------------------------------

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}
PERIODS.update({"d": 86400, "day": 86400})


def parse_rate(text):
    """'10/hour' as (10, 3600); '' or '0' or 'off' as None (no limit)."""
    text = (text or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    count, _slash, period = text.partition("/")
    period = period.strip() or "s"
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period[len(digits) :]
    if unit not in PERIODS or not count.strip().isdigit():
        raise ValueError(f"a rate is 'N/period' (s, m, h or d), not {text!r}")
    return int(count), int(digits or 1) * PERIODS[unit]


def client_address(meta) -> str:
    """The caller's address, from a request's META: REMOTE_ADDR, or behind a
    proxy the header it sets (setting CLIENT_IP_HEADER, e.g. X-Real-IP);
    trust that header only when the proxy overwrites it."""
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = meta.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value.strip():
            # The proxy's own idea of the client: the last entry it added.
            return value.split(",")[-1].strip()[:64]
    return meta.get("REMOTE_ADDR") or "unknown"


def scope_address(scope) -> str:
    """`client_address` for a websocket's ASGI scope."""
    meta = {"REMOTE_ADDR": (scope.get("client") or ("unknown",))[0]}
    for name, value in scope.get("headers", ()):
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        meta[key] = value.decode("latin-1")
    return client_address(meta)


def axes_client_ip(request, *args):
    """django-axes counts failed logins per the same address (its
    AXES_CLIENT_IP_CALLABLE); None when it is no IP address, which the
    database's address column (PostgreSQL's inet) would refuse."""
    address = client_address(request.META)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class AddressThrottle:
    """At most N of something per client address in each window of a period
    (setting `setting`, as '10/hour'), counted in Django's cache: shared by the
    server processes only when the cache is (the default is per process)."""

    def __init__(self, scope, setting, what):
        self.scope = scope
        self.setting = setting
        self.what = what

    def wait(self, address, clock=time.time) -> float | None:
        """Count one more; None if it is allowed, else the seconds to wait."""
        rate = parse_rate(getattr(settings, self.setting, ""))
        if rate is None:
            return None
        count, seconds = rate
        now = clock()
        window = int(now // seconds)
        key = f"throttle:{self.scope}:{window}:{address}"
        cache.add(key, 0, timeout=seconds + 1)
        try:
            taken = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds + 1)
            taken = 1
        if taken <= count:
            return None
        return max(1.0, math.ceil((window + 1) * seconds - now))

    def check(self, address):
        """Raise `rate_limited` (429) when `address` is over the limit."""
        wait = self.wait(address)
        if wait is not None:
            minutes = math.ceil(wait / 60)
            text = ngettext_lazy(
                "too many %(what)s from your network; try again in %(minutes)s minute",
                "too many %(what)s from your network; try again in %(minutes)s minutes",
                "minutes",
            )
            raise CommandError(
                "rate_limited",
                message(text, what=self.what, minutes=minutes),
                retry_after=wait,
            )


SIGNUPS = AddressThrottle("signup", "SIGNUP_RATE", _("sign-ups"))
GUEST_JOINS = AddressThrottle("guest-join", "GUEST_JOIN_RATE", _("guests joining"))
