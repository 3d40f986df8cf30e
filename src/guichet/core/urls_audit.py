from django.urls import path

from guichet.core import audit_views as views

app_name = "audit"

urlpatterns = [
    path("", views.access_log, name="access_log"),
    path("export.csv", views.access_log_csv, name="access_log_csv"),
]
