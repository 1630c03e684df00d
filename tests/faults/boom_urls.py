"""The app's URLs plus plain Django views (not DRF) that fail, to reach
Django's handler500 the way a failing middleware would."""

from django.db import OperationalError
from django.urls import path

from whiteboard import urls


def database_down(request):
    raise OperationalError("connection refused")


def bug(request):
    raise KeyError("a bug")


urlpatterns = [
    path("api/boom/database/", database_down),
    path("api/boom/bug/", bug),
    path("boom/bug/", bug),
    *urls.urlpatterns,
]
handler500 = urls.handler500
handler404 = urls.handler404
