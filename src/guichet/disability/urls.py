from django.urls import path

from guichet.disability import views

app_name = "disability"

urlpatterns = [
    path("", views.my_files, name="my_files"),
    path("deposer/", views.filing, name="filing"),
    path("brouillons/<uuid:token>/", views.filing, name="draft"),
    path("dossiers/<str:reference>/", views.file_page, name="file"),
    path("dossiers/<str:reference>/observations/", views.plan_comment_view, name="plan_comment"),
    path("dossiers/<str:reference>/pieces/", views.pieces_send_view, name="pieces_send"),
    path(
        "dossiers/<str:reference>/pieces/<int:pk>/",
        views.piece_download,
        name="piece_download",
    ),
    path("dossiers/<str:reference>/recours/", views.appeal_view, name="appeal"),
    path("instruction/", views.agent_queue, name="agent_queue"),
    path("instruction/<str:reference>/", views.agent_file, name="agent_file"),
    path(
        "instruction/<str:reference>/transition/",
        views.agent_transition,
        name="agent_transition",
    ),
    path("instruction/<str:reference>/pieces/<int:pk>/", views.agent_piece, name="agent_piece"),
]
