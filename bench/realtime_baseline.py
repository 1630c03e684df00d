"""The baseline of `bench/realtime.py`: a plain Channels broadcast app.

One consumer that joins one group on connect (named by its path, so that
each benchmark scenario has its own) and `group_send`s every text frame it
receives to that group (the sender included); each member of the group sends
it on as it came. The in-memory channel layer with Channels' defaults
(capacity 100 per channel: past that, the message is dropped for that
member; Channels 4.3 only logs a `ChannelFull` "never retrieved" task error).
No database, no auth: the cheapest a Channels app fanning out per delivery
gets. Served by daphne:

    cd /work/main && .venv/bin/python -m daphne -b 127.0.0.1 -p 8100 \\
        bench.realtime_baseline:application
"""

import re

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter


class BroadcastConsumer(AsyncWebsocketConsumer):
    """Joins the group named by the last part of its path (`/ws/<name>/`)."""

    async def connect(self):
        name = self.scope["path"].strip("/").rsplit("/", 1)[-1]
        self.group = "board." + (re.sub(r"[^A-Za-z0-9_.-]", "", name)[:80] or "all")
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.channel_layer.group_send(
                self.group, {"type": "relay", "text": text_data}
            )

    async def relay(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter({"websocket": BroadcastConsumer.as_asgi()})
