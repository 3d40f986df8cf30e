from django.urls import include, path, re_path

from guichet.publicspace import open311_views, views

app_name = "publicspace"

FMT = r"\.(?P<fmt>xml|json)$"
# "/?": a client that appends "/services.xml" to the discovery URL ".../v2/" still lands here
S = r"^(?:/)?"  # (written so, not "^/?": the leading slash is deliberate, urls.W002)

open311_patterns = [
    re_path(S + r"discovery" + FMT, open311_views.discovery, name="open311_discovery"),
    re_path(S + r"services" + FMT, open311_views.services, name="open311_services"),
    re_path(
        S + r"services/(?P<code>[-\w]+)" + FMT,
        open311_views.service_definition,
        name="open311_service_definition",
    ),
    re_path(S + r"requests" + FMT, open311_views.requests, name="open311_requests"),
    re_path(
        S + r"requests/(?P<rid>[-\w]+)" + FMT, open311_views.request_detail, name="open311_request"
    ),
    re_path(S + r"tokens/(?P<token>[-\w]+)" + FMT, open311_views.token, name="open311_token"),
    re_path(
        S + r"servicerequestupdates" + FMT,
        open311_views.service_request_updates,
        name="open311_updates",
    ),
    re_path(r"^(?P<rest>.*)$", open311_views.not_found),
]

report_patterns = [
    path("", views.report_list, name="list"),
    path("carte.geojson", views.report_geojson, name="geojson"),
    path("signaler/", views.report_start, name="start"),
    path("signaler/<slug:code>/", views.report_create, name="create"),
    path("signaler/<slug:code>/proches/", views.report_nearby, name="nearby"),
    path("alertes/", views.alerts, name="alerts"),
    path("photos/<int:pk>/<str:size>/", views.photo, name="photo"),
    path("questionnaire/<str:token>/", views.questionnaire, name="questionnaire"),
    path("agents/", views.agent_list, name="agent_list"),
    path("agents/tableau-de-bord/", views.agent_dashboard, name="agent_dashboard"),
    path("agents/<str:reference>/", views.agent_report, name="agent_report"),
    path("<str:reference>/", views.report_detail, name="detail"),
    path("<str:reference>/suivre/", views.report_follow, name="follow"),
]

urlpatterns = [
    path("open311/v2/", include(open311_patterns)),
    path("signalements/", include(report_patterns)),
]
