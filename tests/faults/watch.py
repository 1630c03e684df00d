"""A live test client that also records the server's `status` notices."""

from tests.live.client import LiveClient


class WatchingClient(LiveClient):
    """`statuses` lists the `status` values the server sent, in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = []

    async def connect(self, since=None, timeout=10.0):
        welcome = await super().connect(since, timeout)
        # The reader task has not run yet: nothing after the welcome is missed.
        read = self.pieces.message

        def message(raw):
            whole = read(raw)
            if whole is not None and whole.get("type") == "status":
                self.statuses.append(whole["status"])
            return whole

        self.pieces.message = message
        return welcome

    @property
    def status(self):
        return self.statuses[-1] if self.statuses else "live"
