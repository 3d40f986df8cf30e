from django.urls import path

from guichet.partnership import views

app_name = "partnership"

urlpatterns = [
    path("contributions/", views.contributions_table, name="contributions"),
    path(
        "contributions/<int:year>/<str:insee>.pdf",
        views.contribution_notice,
        name="contribution_notice",
    ),
]
