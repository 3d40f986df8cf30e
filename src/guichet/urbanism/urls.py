from django.urls import path

from guichet.urbanism import views

app_name = "urbanism"

urlpatterns = [
    path("simulateur/", views.simulator, name="simulator"),
]
