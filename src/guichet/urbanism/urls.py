from django.urls import path

from guichet.urbanism import views, views_backoffice

app_name = "urbanism"

urlpatterns = [
    path("simulateur/", views.simulator, name="simulator"),
    path("registre/<slug:slug>/", views.register, name="register"),
    path("registre/<slug:slug>/rss.xml", views.register_rss, name="register_rss"),
    path("registre/<slug:slug>/donnees.csv", views.register_csv, name="register_csv"),
    path("registre/<slug:slug>/donnees.geojson", views.register_geojson, name="register_geojson"),
    path("dossiers/<str:reference>/<slug:kind>.pdf", views.document, name="document"),
    path("dossiers/<str:reference>/affichage/", views.display_declare_view, name="display"),
    path(
        "dossiers/<str:reference>/modificatif/",
        views.modification_start_view,
        name="modification",
    ),
    path("dossiers/<str:reference>/transfert/", views.transfer_consent_view, name="transfer"),
    path("transferts/<uuid:token>/", views.transfer_accept_view, name="transfer_accept"),
    # the planning team's back-office
    path("instruction/", views_backoffice.queue, name="agent_queue"),
    path("instruction/modele/", views_backoffice.template_edit, name="agent_template"),
    path("instruction/<str:reference>/", views_backoffice.application, name="agent_application"),
    path(
        "instruction/<str:reference>/<slug:step>/",
        views_backoffice.application_step,
        name="agent_step",
    ),
    path(
        "instruction/<str:reference>/documents/<slug:kind>.pdf",
        views_backoffice.agent_document,
        name="agent_document",
    ),
    path("instruction/<str:reference>/export.zip", views_backoffice.export, name="agent_export"),
]
