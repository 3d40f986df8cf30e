from django.urls import path

from guichet.catalogue import views

app_name = "services"

urlpatterns = [
    path("", views.definition_list, name="list"),
    path("importer/", views.definition_import, name="import"),
    path("versions/<int:pk>/", views.version_edit, name="version"),
    path("versions/<int:pk>/export.json", views.version_export, name="export"),
    path("versions/<int:pk>/modifier/", views.version_operation, name="operation"),
    path("versions/<int:pk>/publier/", views.version_publish, name="publish"),
    path("<int:pk>/disponibilite/", views.definition_availability, name="availability"),
]
