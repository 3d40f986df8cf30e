from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from guichet.accounts.middleware import admin_login_second_factor
from guichet.api import api
from guichet.core.permissions import admin_site_has_permission

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
# The admin login goes through allauth's: same throttling, same MFA step, same audit.
admin.site.login = secure_admin_login(admin_login_second_factor(admin.site.login))
# Staff reach the admin only with a second factor passed, like every other power.
admin.site.has_permission = admin_site_has_permission

# The database or Redis down answers 503 (core/edges.py), even from a middleware.
handler500 = "guichet.core.views.server_error"

urlpatterns = [
    path("", include("guichet.core.urls")),
    # /healthz, /readyz, /metrics (operations app).
    path("", include("guichet.operations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Short names kept for templates that use them: allauth's login and logout views.
    path("comptes/connexion/", allauth_views.login, name="login"),
    path("comptes/deconnexion/", allauth_views.logout, name="logout"),
    path("comptes/", include("guichet.accounts.urls")),
    path("comptes/", include("allauth.urls")),
    # OpenID Connect provider: our thin layer first (PKCE for all, consent per claim, refresh
    # token families), then allauth's endpoints (discovery, JWKS, userinfo, logout...).
    path("", include("guichet.identity.urls")),
    path("", include("allauth.idp.urls")),
    path("admin/", admin.site.urls),
    path("backoffice/partenariat/", include("guichet.partnership.urls")),
    path("backoffice/services/", include("guichet.catalogue.urls")),
    path("backoffice/audit/", include("guichet.core.urls_audit")),
    path("backoffice/assistance/", include("guichet.support.urls_backoffice")),
    path("backoffice/webhooks/", include("guichet.webhooks.urls")),
    path("backoffice/", include("guichet.cases.urls_backoffice")),
    path("demarches/", include("guichet.sharing.urls")),  # before the engine's draft pages
    path("demarches/", include("guichet.cases.urls_citizen")),
    path("mon-espace/documents/", include("guichet.wallet.urls")),
    path("mon-espace/", include("guichet.portal.urls")),
    path("mdmph/", include("guichet.disability.urls")),
    path("api/v1/", api.urls),
    path("notifications/", include("guichet.notifications.urls")),
    path("infos/", include("guichet.localinfo.urls")),
    path("aide/", include("guichet.support.urls")),
    path("", include("guichet.portal.urls_pwa")),  # manifest, /sw.js, /hors-ligne/
    path("", include("guichet.publicspace.urls")),
    path("urbanisme/", include("guichet.urbanism.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
