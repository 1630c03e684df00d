"""Token buckets: how many frames a connection may send, and how fast."""

import math
import time

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
