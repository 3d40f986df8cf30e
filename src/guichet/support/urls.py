from django.urls import path

from guichet.support import views, views_help

app_name = "support"

urlpatterns = [
    path("", views_help.help_index, name="index"),
    path("recherche/", views_help.help_search, name="search"),
    path("themes/<str:theme>/", views_help.help_theme, name="theme"),
    path("articles/<slug:slug>/", views_help.help_article, name="article"),
    path("articles/<slug:slug>/avis/", views_help.help_feedback, name="feedback"),
    path("contact/", views.contact, name="contact"),
    path("contact/envoye/<str:reference>/", views.contact_sent, name="contact_sent"),
    path("avis/<str:token>/", views.satisfaction_answer, name="satisfaction"),
    path("avis-demande/<str:reference>/", views.satisfaction_for_case, name="satisfaction_case"),
    path("conditions/", views.terms_page, name="terms"),
    path("conditions/accepter/", views.terms_accept, name="terms_accept"),
    path("confidentialite/", views.privacy_page, name="privacy"),
    path("conditions/<int:pk>/", views.terms_document, name="terms_document"),
    path("registre-des-traitements/", views.register_page, name="register"),
    path("mon-historique/", views.account_history, name="history"),
]
