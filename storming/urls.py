from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("boards/new/", views.board_create, name="board-create"),
    path("boards/<uuid:board_id>/", views.board_page, name="board"),
    path("boards/<uuid:board_id>/join/", views.board_join, name="board-join"),
    path(
        "boards/<uuid:board_id>/settings/", views.board_settings, name="board-settings"
    ),
    path("boards/<uuid:board_id>/phase/", views.board_phase, name="board-phase"),
    path("boards/<uuid:board_id>/invite/", views.board_invite, name="board-invite"),
    path("boards/<uuid:board_id>/delete/", views.board_delete, name="board-delete"),
]
