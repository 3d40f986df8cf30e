from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from guichet.api import api
from guichet.notifications.views import service_worker

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME

urlpatterns = [
    path("", include("guichet.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("comptes/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("backoffice/partenariat/", include("guichet.partnership.urls")),
    path("backoffice/services/", include("guichet.services.urls")),
    path("backoffice/", include("guichet.cases.urls_backoffice")),
    path("demarches/", include("guichet.cases.urls_citizen")),
    path("api/v1/", api.urls),
    path("notifications/", include("guichet.notifications.urls")),
    path("infos/", include("guichet.localinfo.urls")),
    path("sw.js", service_worker, name="service_worker"),
    path("", include("guichet.publicspace.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
