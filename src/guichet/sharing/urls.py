from django.urls import path

from guichet.sharing import views

app_name = "sharing"

# Mounted under ``demarches/`` before the engine's citizen urls (whose
# ``brouillons/<token>/<page_key>/`` would take the collaborators' page).
urlpatterns = [
    path(
        "brouillons/<uuid:token>/collaborateurs/",
        views.draft_collaborators,
        name="draft_collaborators",
    ),
    path("invitations/<str:token>/", views.draft_invitation, name="draft_invitation"),
]
