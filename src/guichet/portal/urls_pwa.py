"""The installable app's addresses, all at the site root (the worker's scope is its folder)."""

from django.urls import path

from guichet.portal import pwa

app_name = "pwa"

urlpatterns = [
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("hors-ligne/", pwa.offline, name="offline"),
]
