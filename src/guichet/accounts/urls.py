from django.urls import path

from guichet.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("sessions-actives/", views.sessions, name="sessions"),
    path("sessions-actives/<int:session_id>/fermer/", views.session_end, name="session_end"),
    path("mes-donnees/", views.data_export, name="export"),
    path("supprimer/", views.account_delete, name="delete"),
]
