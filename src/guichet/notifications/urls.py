from django.urls import path

from guichet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<uuid:public_id>/ouvrir/", views.notification_open, name="open"),
    path("tout-lire/", views.notification_mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("abonnements/", views.subscriptions, name="subscriptions"),
    path("abonnements/<int:id>/supprimer/", views.subscription_delete, name="subscription_delete"),
    path("push/abonnement/", views.push_subscribe, name="push_subscribe"),
    path("push/desabonnement/", views.push_unsubscribe, name="push_unsubscribe"),
    path("alertes/", views.broadcast_list, name="broadcasts"),
    path("alertes/nouvelle/", views.broadcast_new, name="broadcast_new"),
]
