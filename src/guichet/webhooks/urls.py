from django.urls import path

from guichet.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_endpoints, name="endpoints"),
    path("<int:pk>/secret/", views.webhook_endpoint_secret, name="secret"),
    path("<int:pk>/reactiver/", views.webhook_endpoint_enable_view, name="enable"),
]
