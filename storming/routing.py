"""Websocket routes. The board consumer (`/ws/boards/<id>/`) lands with the
live-board work; until then the router refuses every websocket."""

websocket_urlpatterns = []
