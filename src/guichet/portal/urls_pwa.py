"""The portal's addresses at the site root: the home page, and the installable app's
(the worker's scope is its folder)."""

from django.urls import path

from guichet.portal import pwa, views

app_name = "pwa"

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("hors-ligne/", pwa.offline, name="offline"),
]
