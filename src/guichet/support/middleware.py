"""Terms of use: a signed-in person who has not accepted the platform's terms in force is sent
to the acceptance page; until they accept, the services are closed to them (their account is
kept: they can still read the terms, sign out, export their data or delete their account).

Per request it costs a cache read (the id of the terms in force) and a session read: the
acceptance is looked up in the database only when the session has not seen this version."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from guichet.support.selectors import current_terms_id, has_accepted

SESSION_KEY = "support_terms_ok"
OPEN_PREFIXES = ("/static/", "/media/", "/api/", "/healthz", "/i18n/", "/.well-known/")
OPEN_URL_NAMES = (
    "support:terms_accept",
    "support:terms",
    "support:privacy",
    "support:terms_document",
    "support:register",
    "account_logout",
    "logout",
    "accounts:delete",
    "accounts:export",
)


class TermsAcceptanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: frozenset[str] | None = None

    def _open(self, path: str) -> bool:
        if path.startswith(OPEN_PREFIXES):
            return True
        if self._open_paths is None:
            paths = set()
            for name in OPEN_URL_NAMES:
                if name == "support:terms_document":
                    continue
                paths.add(reverse(name))
            self._open_paths = frozenset(paths)
        return path in self._open_paths or path.startswith(reverse("support:terms"))

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            current = current_terms_id()
            if (
                current
                and request.session.get(SESSION_KEY) != current
                and not self._open(request.path)
            ):
                from guichet.support.models import TermsDocument

                document = TermsDocument(pk=current)
                if has_accepted(actor=user, document=document):
                    request.session[SESSION_KEY] = current
                else:
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('support:terms_accept')}?{query}")
        return self.get_response(request)
