from django.urls import path

from guichet.identity import views

app_name = "identity"

urlpatterns = [
    # Same paths as allauth's, matched first (see guichet/urls.py).
    path("identity/o/authorize", views.authorization, name="authorize"),
    path("identity/o/api/token", views.token, name="token"),
    path("identity/o/api/revoke", views.revoke, name="revoke"),
    path("identity/o/api/userinfo", views.userinfo, name="userinfo"),
    path("comptes/services-connectes/", views.consents, name="consents"),
    path(
        "comptes/services-connectes/<str:client_id>/retirer/",
        views.consent_revoke,
        name="consent_revoke",
    ),
]
