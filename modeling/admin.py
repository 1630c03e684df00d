"""Django admin: the reviewed model versions of each board.

A version is a record of a review, so its page is read-only but for the note:
the model as a tree (context -> aggregate -> command -> event -> policy, then
read models, actors, systems and hot spots), the checks it was frozen with,
what changed since the version before, and its JSON to download.

Freezing lives here rather than on the board's admin, so that `storming`
never imports `modeling`: the changelist links to a freeze page (choose a
board, or `freeze/<board id>/` for one), and the action "Freeze the current
model" freezes the boards of the selected versions again. "Compare two
versions" shows the diff of exactly two selected versions of one board.

The pages style themselves with classes from static/css/admin-model.css: the
site's Content-Security-Policy (whiteboard/csp.py) blocks `style` attributes,
and without its own rules the tree took Django's 160px list indent per level.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from storming.admin import BoardListFilter
from storming.errors import CommandError
from storming.models import Board

from . import services
from .api import export_download, json_download
from .checks import HELP
from .exporters import FORMATS
from .model import Model, content_hash
from .models import ModelVersion
from .outline import outline

EXPORTS = (
    ("python", gettext_lazy("Python package (zip)")),
    ("asyncapi", gettext_lazy("AsyncAPI (zip)")),
    ("mermaid", gettext_lazy("Mermaid (zip)")),
    ("markdown", gettext_lazy("Glossary (zip)")),
    ("svg", gettext_lazy("Picture of the board (SVG)")),
)
SEVERITIES = ("error", "warning", "hint")
STYLESHEET = "css/admin-model.css"
KIND_NAMES = {
    "read_model": "read model",
    "external_system": "external system",
    "hotspot": "hot spot",
}


def _tree_html(nodes):
    if not nodes:
        return ""
    items = format_html_join(
        "",
        "<li><small class='model-tree__kind'>{}</small> <strong>{}</strong>{}{}{}</li>",
        (
            (
                KIND_NAMES.get(node["kind"], node["kind"]),
                node["label"],
                format_html(" “{}”", node["name"])
                if node["name"] and node["name"] != node["label"]
                else "",
                format_html(" <em class='model-tree__note'>{}</em>", node["note"])
                if node["note"]
                else "",
                _tree_html(node["children"]),
            )
            for node in nodes
        ),
    )
    return format_html("<ul class='model-tree'>{}</ul>", items)


def findings_html(findings):
    if not findings:
        return _("No findings.")
    rows = format_html_join(
        "",
        "<tr><td class='finding-severity finding-severity--{}'>{}</td>"
        "<td class='finding-check'>{}</td><td>{}</td><td class='finding-fix'>{}</td>"
        "</tr>",
        (
            (
                f["severity"] if f["severity"] in SEVERITIES else "other",
                f["severity"],
                _check_label(f["check"]),
                f["message"],
                HELP[f["check"]].fix if f["check"] in HELP else "",
            )
            for f in findings
        ),
    )
    return format_html(
        "<table class='findings'><thead><tr><th>severity</th><th>check</th>"
        "<th>message</th><th>to fix</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def _check_label(check_id):
    """The check's id and title, its explanation on hover (`checks.HELP`)."""
    entry = HELP.get(check_id)
    if entry is None:
        # A version frozen with a check that has since gone.
        return check_id
    return format_html(
        "<abbr title='{}'>{}</abbr> {}", entry.explanation, check_id, entry.title
    )


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class FreezeForm(forms.Form):
    board = forms.ModelChoiceField(queryset=Board.objects.order_by("-updated_at"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        max_length=services.MAX_NOTE,
    )


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "board",
        "number",
        "seq",
        "created_at",
        "author_display",
        "contexts",
        "aggregates",
        "events",
        "commands",
        "errors",
        "warnings",
    )
    list_display_links = ("__str__",)
    list_select_related = ("board",)
    list_filter = (BoardListFilter, "created_at")
    search_fields = ("board__name", "note", "author_name", "=content_hash")
    ordering = ("-created_at", "-number")
    actions = ("freeze_boards", "compare_versions", "export_versions")
    change_list_template = "admin/modeling/modelversion/change_list.html"

    class Media:
        css = {"all": (STYLESHEET,)}

    fieldsets = (
        (None, {"fields": ("board", "number", "note", "download", "exports")}),
        (gettext_lazy("Model"), {"fields": ("model_tree",)}),
        (gettext_lazy("Checks"), {"fields": ("check_summary", "check_results")}),
        (
            gettext_lazy("Changes since the previous version"),
            {"fields": ("changes",)},
        ),
        (
            gettext_lazy("Details"),
            {
                "fields": (
                    "seq",
                    "author_display",
                    "created_at",
                    "schema_version",
                    "content_hash",
                    "element_counts",
                ),
            },
        ),
    )
    readonly_fields = (
        "board",
        "number",
        "download",
        "exports",
        "model_tree",
        "check_summary",
        "check_results",
        "changes",
        "seq",
        "author_display",
        "created_at",
        "schema_version",
        "content_hash",
        "element_counts",
    )

    # -- permissions: read-only but for the note --------------------------------------

    def has_add_permission(self, request):
        # Versions come from freezing a board's model, never from a form.
        return False

    def has_delete_permission(self, request, obj=None):
        # A record of a review; it goes with its board.
        return False

    def has_freeze_permission(self, request):
        return request.user.has_perm(services.FREEZE_PERMISSION)

    def save_model(self, request, obj, form, change):
        services.set_note(obj, form.cleaned_data["note"])

    # -- columns and fields -----------------------------------------------------------

    @admin.display(description=gettext_lazy("author"), ordering="author_name")
    def author_display(self, version):
        return version.author_name or "-"

    @admin.display(description="JSON")
    def download(self, version):
        url = reverse("admin:modeling_modelversion_json", args=[version.pk])
        filename, _text = services.version_file(version)
        return format_html(
            '<a href="{}" download>{}</a>',
            url,
            _("Download %(file)s") % {"file": filename},
        )

    @admin.display(description=gettext_lazy("export"))
    def exports(self, version):
        return format_html_join(
            " · ",
            '<a href="{}" download>{}</a>',
            (
                (
                    reverse("admin:modeling_modelversion_export", args=[version.pk, f]),
                    label,
                )
                for f, label in EXPORTS
            ),
        )

    @admin.display(description="context -> aggregate -> command -> event -> policy")
    def model_tree(self, version):
        nodes = outline(version.content)
        return _tree_html(nodes) if nodes else _("The model is empty.")

    @admin.display(description=gettext_lazy("summary"))
    def check_summary(self, version):
        counts = version.summary
        return _(
            "%(errors)s errors, %(warnings)s warnings, %(hints)s hints "
            "(phase %(phase)s)"
        ) % {
            "errors": counts["error"],
            "warnings": counts["warning"],
            "hints": counts["hint"],
            "phase": version.content.get("phase", "?"),
        }

    @admin.display(description=gettext_lazy("findings"))
    def check_results(self, version):
        return findings_html(version.findings)

    @admin.display(description=gettext_lazy("diff"))
    def changes(self, version):
        previous = version.previous()
        if previous is None:
            return _("This is the board's first version.")
        result = services.compare(previous, version)
        url = reverse("admin:modeling_modelversion_change", args=[previous.pk])
        return format_html(
            '{} <a href="{}">{}</a>:<pre class="model-diff">{}</pre>',
            _("Since"),
            url,
            previous.label,
            result["text"],
        )

    @admin.display(description=gettext_lazy("elements"))
    def element_counts(self, version):
        return ", ".join(
            f"{name.replace('_', ' ')}: {len(version.content.get(name, ()))}"
            for name in Model.COLLECTIONS
        )

    # -- extra pages ------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/json/",
                view(self.json_view),
                name="modeling_modelversion_json",
            ),
            path(
                "<path:object_id>/export/<str:format>/",
                view(self.export_view),
                name="modeling_modelversion_export",
            ),
            path(
                "freeze/", view(self.freeze_view), name="modeling_modelversion_freeze"
            ),
            path(
                "freeze/<uuid:board_id>/",
                view(self.freeze_view),
                name="modeling_modelversion_freeze_board",
            ),
            *super().get_urls(),
        ]

    def json_view(self, request, object_id):
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404("no such model version")
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        return json_download(version)

    def export_view(self, request, object_id, format):
        version = self.get_object(request, object_id)
        if version is None:
            raise Http404("no such model version")
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        if format not in FORMATS:
            raise Http404(f"no export format {format!r}")
        return export_download(version.board, format, version)

    def changelist_view(self, request, extra_context=None):
        board = request.GET.get(BoardListFilter.parameter_name)
        freeze_url = reverse("admin:modeling_modelversion_freeze")
        if board and Board.objects.filter(pk=_uuid_or_none(board)).exists():
            freeze_url = reverse(
                "admin:modeling_modelversion_freeze_board", args=[board]
            )
        context = {
            "freeze_url": freeze_url,
            "has_freeze_permission": self.has_freeze_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def freeze_view(self, request, board_id=None):
        """Freeze one board's model: choose the board (unless given) and a note."""
        if not self.has_freeze_permission(request):
            raise PermissionDenied
        board = get_object_or_404(Board, pk=board_id) if board_id else None
        form = FreezeForm(
            request.POST or None, initial={"board": board.pk} if board else None
        )
        if board is not None:
            form.fields["board"].widget = forms.HiddenInput()
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["board"]
            try:
                version, created = services.freeze(
                    chosen, request.user, form.cleaned_data["note"]
                )
            except CommandError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self._report_freeze(request, version, created)
                return HttpResponseRedirect(
                    reverse("admin:modeling_modelversion_change", args=[version.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Freeze the model of %(board)s") % {"board": board}
            if board
            else _("Freeze a model"),
            "board": board,
            "form": form,
            "preview": self._preview(board) if board else None,
        }
        return TemplateResponse(
            request, "admin/modeling/modelversion/freeze.html", context
        )

    def _preview(self, board):
        model, findings = services.live_model(board)
        described = services.describe(model, findings, board.language)
        latest = board.model_versions.order_by("-number").first()
        return {
            "seq": model.seq,
            "phase": model.phase,
            "counts": described["counts"],
            "summary": described["summary"],
            "latest": latest,
            "unchanged": latest is not None
            and latest.content_hash == content_hash(described["model"]),
        }

    def _report_freeze(self, request, version, created):
        if created:
            self.message_user(
                request,
                _("Froze %(version)s of “%(board)s” at seq %(seq)s.")
                % {
                    "version": version.label,
                    "board": version.board,
                    "seq": version.seq,
                },
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _(
                    "The model of “%(board)s” has not changed since %(version)s: "
                    "no new version."
                )
                % {"board": version.board, "version": version.label},
                messages.INFO,
            )

    # -- actions ----------------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Freeze the current model of these versions' boards"),
        permissions=["freeze"],
    )
    def freeze_boards(self, request, queryset):
        boards = Board.objects.filter(
            pk__in=queryset.values("board_id").distinct()
        ).order_by("name")
        for board in boards:
            try:
                version, created = services.freeze(board, request.user)
            except CommandError as error:
                self.message_user(request, f"{board}: {error.message}", messages.ERROR)
            else:
                self._report_freeze(request, version, created)

    @admin.action(description=gettext_lazy("Export the selected versions"))
    def export_versions(self, request, queryset):
        versions = queryset.select_related("board").order_by("board__name", "number")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export model versions"),
            "versions": [
                {
                    "version": version,
                    "url": reverse(
                        "admin:modeling_modelversion_change", args=[version.pk]
                    ),
                    "exports": [
                        (
                            label,
                            reverse(
                                "admin:modeling_modelversion_export",
                                args=[version.pk, f],
                            ),
                        )
                        for f, label in EXPORTS
                    ],
                }
                for version in versions
            ],
        }
        return TemplateResponse(
            request, "admin/modeling/modelversion/export.html", context
        )

    @admin.action(description=gettext_lazy("Compare two versions"))
    def compare_versions(self, request, queryset):
        versions = list(queryset.select_related("board").order_by("number")[:3])
        if len(versions) != 2:
            self.message_user(
                request, _("Select exactly two versions to compare."), messages.ERROR
            )
            return None
        old, new = versions
        if old.board_id != new.board_id:
            self.message_user(
                request, _("Select two versions of the same board."), messages.ERROR
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{old.board}: {old.label} -> {new.label}",
            "old": old,
            "new": new,
            "result": services.compare(old, new),
            "old_url": reverse("admin:modeling_modelversion_change", args=[old.pk]),
            "new_url": reverse("admin:modeling_modelversion_change", args=[new.pk]),
        }
        return TemplateResponse(
            request, "admin/modeling/modelversion/compare.html", context
        )
