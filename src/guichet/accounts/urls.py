from django.urls import path

from guichet.accounts import views, views_franceconnect

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("sessions-actives/", views.sessions, name="sessions"),
    path("sessions-actives/<int:session_id>/fermer/", views.session_end, name="session_end"),
    path("mes-donnees/", views.data_export, name="export"),
    path("supprimer/", views.account_delete, name="delete"),
    path("franceconnect/", views_franceconnect.login, name="franceconnect_login"),
    path("franceconnect/retour/", views_franceconnect.callback, name="franceconnect_callback"),
    path("franceconnect/lier/", views_franceconnect.link, name="franceconnect_link"),
    path(
        "franceconnect/deconnecte/",
        views_franceconnect.logged_out,
        name="franceconnect_logged_out",
    ),
]
