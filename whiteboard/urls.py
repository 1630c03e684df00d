from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from modeling import api as model_api
from storming.api import BoardViewSet


class APIRoot(APIRootView):
    """Open on purpose: an index of links, which tells no one anything."""

    permission_classes = [AllowAny]


router = DefaultRouter()
router.APIRootView = APIRoot
router.register("boards", BoardViewSet, basename="board")

# The model's routes: explicit paths before the router's, so that they resolve.
model_urls = [
    path("model/", model_api.LiveModel.as_view(), name="board-model"),
    path("export/", model_api.Export.as_view(), name="board-export"),
    path(
        "export/preview/",
        model_api.ExportPreview.as_view(),
        name="board-export-preview",
    ),
    path("versions/", model_api.VersionList.as_view(), name="board-versions"),
    path("versions/diff/", model_api.VersionDiff.as_view(), name="board-version-diff"),
    path(
        "versions/<int:number>/",
        model_api.VersionDetail.as_view(),
        name="board-version",
    ),
    path(
        "versions/<int:number>/json/",
        model_api.VersionJSON.as_view(),
        name="board-version-json",
    ),
    path(
        "versions/<int:number>/export/",
        model_api.VersionExport.as_view(),
        name="board-version-export",
    ),
]


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page declares: the SVG answers.

    Not a permanent redirect, which browsers would keep even if the static
    file's address changed."""
    return redirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/boards/<uuid:board_id>/", include(model_urls)),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="api-docs",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switch (POST, remembered for the person) and the board
    # page's strings in the request's language (locale/*/djangojs.po).
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("storming.urls")),
]

# /api/ paths answer errors in the API's JSON shape, 500 and 503 included.
handler500 = "storming.api_errors.handler500"
handler404 = "storming.api_errors.handler404"
