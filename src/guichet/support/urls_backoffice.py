from django.urls import path

from guichet.support import views_console, views_help

app_name = "support_bo"

urlpatterns = [
    path("articles/", views_help.editor_articles, name="articles"),
    path("articles/nouveau/", views_help.editor_article_create, name="article_create"),
    path("articles/<slug:slug>/modifier/", views_help.editor_article_edit, name="article_edit"),
    path(
        "articles/<slug:slug>/versions/<int:number>/",
        views_help.editor_version_preview,
        name="article_version",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/publier/",
        views_help.editor_version_publish,
        name="article_publish",
    ),
    path("", views_console.console_page, name="console"),
    path("personnes/<uuid:uuid>/", views_console.person, name="person"),
    path("personnes/<uuid:uuid>/<str:act>/", views_console.person_act, name="person_act"),
    path("tickets/", views_console.ticket_queue, name="tickets"),
    path("tickets/<str:reference>/repondre/", views_console.ticket_reply, name="ticket_reply"),
    path(
        "tickets/<str:reference>/transmettre/",
        views_console.ticket_escalate,
        name="ticket_escalate",
    ),
    path("satisfaction/", views_console.satisfaction_results, name="satisfaction"),
    path("conditions/", views_console.terms_publish, name="terms_publish"),
]
