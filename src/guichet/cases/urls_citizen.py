from django.urls import path

from guichet.cases.views import citizen as views

app_name = "cases"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mes-demandes/", views.my_cases, name="my_cases"),
    path("suivi/", views.tracking, name="tracking"),
    path("rattacher/<str:token>/", views.case_claim_page, name="claim"),
    path("brouillons/<uuid:token>/", views.draft_page, name="draft"),
    path("brouillons/<uuid:token>/recapitulatif/", views.draft_review, name="draft_review"),
    path("brouillons/<uuid:token>/<str:page_key>/", views.draft_page, name="draft_page"),
    path("recu/<str:reference>/", views.receipt, name="receipt"),
    path("demandes/<str:reference>/", views.case_page, name="case"),
    path("demandes/<str:reference>/message/", views.case_message, name="message"),
    path("demandes/<str:reference>/transition/", views.case_transition_citizen, name="transition"),
    path("demandes/<str:reference>/pieces/<int:pk>/", views.case_attachment, name="attachment"),
    path("<str:key>/", views.service_start, name="start"),
]
