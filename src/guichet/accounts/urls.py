from django.urls import path

from guichet.accounts import views, views_franceconnect

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("personnes/", views.dependants, name="dependants"),
    path("personnes/ajouter/", views.dependant_add, name="dependant_add"),
    path("personnes/<int:dependant_id>/modifier/", views.dependant_edit, name="dependant_edit"),
    path("personnes/<int:dependant_id>/retirer/", views.dependant_remove, name="dependant_remove"),
    path("sessions-actives/", views.sessions, name="sessions"),
    path("sessions-actives/<int:session_id>/fermer/", views.session_end, name="session_end"),
    path("mes-donnees/", views.data_export, name="export"),
    path("supprimer/", views.account_delete, name="delete"),
    path("franceconnect/", views_franceconnect.login, name="franceconnect_login"),
    path("franceconnect/retour/", views_franceconnect.callback, name="franceconnect_callback"),
    path("franceconnect/lier/", views_franceconnect.link, name="franceconnect_link"),
    path(
        "franceconnect/lier/confirmer/<str:token>/",
        views_franceconnect.link_confirm,
        name="franceconnect_link_confirm",
    ),
    path(
        "franceconnect/deconnecte/",
        views_franceconnect.logged_out,
        name="franceconnect_logged_out",
    ),
]
