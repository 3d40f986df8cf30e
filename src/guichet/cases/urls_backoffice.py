from django.urls import path

from guichet.cases.views import backoffice as views

app_name = "cases_bo"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("lot/", views.bulk, name="bulk"),
    path("filtres/", views.saved_filter_add, name="saved_filter_add"),
    path("saisir/", views.file_for_citizen, name="file"),
    path("usagers/", views.citizen_view, name="citizen"),
    path("pieces/<int:pk>/", views.attachment_download, name="attachment"),
    path("demandes/<str:reference>/", views.case_detail, name="case"),
    path("demandes/<str:reference>/transition/", views.case_transition_view, name="transition"),
    path("demandes/<str:reference>/attribuer/", views.case_assign_view, name="assign"),
    path("demandes/<str:reference>/echeance/", views.case_deadline_view, name="deadline"),
    path("demandes/<str:reference>/reorienter/", views.case_reroute_view, name="reroute"),
    path("demandes/<str:reference>/note/", views.case_note_view, name="note"),
    path("demandes/<str:reference>/recepisse/", views.case_receipt, name="receipt"),
    path("demandes/<str:reference>/recepisse.pdf", views.case_receipt_pdf_view, name="receipt_pdf"),
    path("demandes/<str:reference>/message/", views.case_message_view, name="message"),
]
