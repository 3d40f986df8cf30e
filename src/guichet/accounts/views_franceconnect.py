"""FranceConnect login, account linking (after confirmation) and logout."""

import secrets

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guichet.accounts import franceconnect, services
from guichet.accounts.franceconnect import FranceConnectError, FranceConnectIdentity
from guichet.accounts.models import FranceConnectIdentity as Link
from guichet.core.audit import audit_log

SESSION_FLOW = "franceconnect_flow"
SESSION_PENDING = "franceconnect_pending"
SESSION_ID_TOKEN = "franceconnect_id_token"


def _callback_uri(request) -> str:
    return request.build_absolute_uri(reverse("accounts:franceconnect_callback"))


def _require_enabled():
    if not franceconnect.enabled():
        raise Http404


def login(request):
    _require_enabled()
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    state, nonce = franceconnect.new_state(), franceconnect.new_state()
    request.session[SESSION_FLOW] = {"state": state, "nonce": nonce, "next": next_url}
    try:
        url = franceconnect.authorization_url(
            redirect_uri=_callback_uri(request), state=state, nonce=nonce
        )
    except FranceConnectError:
        messages.error(request, _("FranceConnect est indisponible. Réessayez plus tard."))
        return redirect("account_login")
    return redirect(url)


def _refuse(request, reason: str):
    audit_log(
        actor=None,
        action="accounts.franceconnect_refused",
        ip_address=get_adapter().get_client_ip(request),
        data={"reason": reason[:200]},
    )
    messages.error(
        request,
        _(
            "La connexion avec FranceConnect n'a pas abouti. Réessayez, ou connectez-vous avec "
            "votre adresse e-mail."
        ),
    )
    return redirect("account_login")


def callback(request):
    _require_enabled()
    flow = request.session.pop(SESSION_FLOW, None)
    state = request.GET.get("state", "")
    if not flow or not secrets.compare_digest(state, flow["state"]):
        return _refuse(request, "state mismatch")
    if "error" in request.GET or not request.GET.get("code"):
        return _refuse(request, request.GET.get("error", "no code"))
    try:
        identity = franceconnect.exchange(
            code=request.GET["code"], redirect_uri=_callback_uri(request), nonce=flow["nonce"]
        )
    except FranceConnectError as error:
        return _refuse(request, str(error))
    return _sign_in(request, identity, flow.get("next") or None)


def _sign_in(request, identity: FranceConnectIdentity, next_url: str | None):
    ip = get_adapter().get_client_ip(request)
    link = Link.objects.select_related("user").filter(sub=identity.sub).first()
    if link is not None:
        user = link.user
        services.franceconnect_certify(user=user, identity=identity)
        Link.objects.filter(pk=link.pk).update(last_login_at=timezone.now())
    else:
        existing = EmailAddress.objects.filter(email__iexact=identity.email).first()
        if existing is not None:
            if not existing.verified:
                messages.error(
                    request,
                    _(
                        "Un compte utilise déjà cette adresse e-mail sans l'avoir vérifiée. "
                        "Connectez-vous à ce compte et vérifiez l'adresse, puis réessayez."
                    ),
                )
                return redirect("account_login")
            request.session[SESSION_PENDING] = {
                "identity": identity.__dict__,
                "user_id": existing.user_id,
                "next": next_url,
            }
            return redirect("accounts:franceconnect_link")
        if not identity.email:
            return _refuse(request, "no email")
        user = services.franceconnect_signup(identity=identity, ip_address=ip)
    request.session[SESSION_ID_TOKEN] = identity.id_token
    return perform_login(request, user, redirect_url=next_url)


def link(request):
    """An account already uses the e-mail FranceConnect gave: link only if the user says so."""
    _require_enabled()
    pending = request.session.get(SESSION_PENDING)
    if not pending:
        return redirect("account_login")
    identity = FranceConnectIdentity(**pending["identity"])
    if request.method == "POST":
        request.session.pop(SESSION_PENDING, None)
        if request.POST.get("action") != "link":
            messages.info(request, _("Votre compte n'a pas été lié à FranceConnect."))
            return redirect("account_login")
        from guichet.accounts.models import User

        user = User.objects.get(pk=pending["user_id"])
        services.franceconnect_link(
            user=user, identity=identity, ip_address=get_adapter().get_client_ip(request)
        )
        request.session[SESSION_ID_TOKEN] = identity.id_token
        return perform_login(request, user, redirect_url=pending.get("next"))
    return render(request, "accounts/franceconnect_link.html", {"email": identity.email})


def logged_out(request):
    messages.success(request, _("Vous êtes déconnecté de la plateforme et de FranceConnect."))
    return redirect("/")
