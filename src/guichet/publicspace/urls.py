from django.urls import include, path, re_path

from guichet.publicspace import open311_views

app_name = "publicspace"

FMT = r"\.(?P<fmt>xml|json)$"

open311_patterns = [
    re_path(r"^discovery" + FMT, open311_views.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, open311_views.services, name="open311_services"),
    re_path(
        r"^services/(?P<code>[-\w]+)" + FMT,
        open311_views.service_definition,
        name="open311_service_definition",
    ),
    re_path(r"^(?P<rest>.*)$", open311_views.not_found),
]

urlpatterns = [
    path("open311/v2/", include(open311_patterns)),
]
