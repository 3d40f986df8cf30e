from django.urls import path

from guichet.localinfo import views

app_name = "localinfo"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.publisher, name="commune"),
    path("<slug:slug>/actualites.rss", views.news_rss, name="news_rss"),
    path("<slug:slug>/agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("<slug:slug>/actualites/<int:id>/", views.news_detail, name="news"),
    path("<slug:slug>/agenda/<int:id>/", views.event_detail, name="event"),
    path("<slug:slug>/lieux/<uuid:public_id>/", views.place_detail, name="place"),
]
