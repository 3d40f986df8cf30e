from django.urls import path

from guichet.wallet import views

app_name = "wallet"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("ajouter/", views.document_add, name="add"),
    path("<int:pk>/", views.document_detail, name="document"),
    path("<int:pk>/fichier/", views.document_file, name="file"),
    path("<int:pk>/supprimer/", views.document_delete, name="delete"),
]
