"""FranceConnect login, account linking (after proof of the account) and logout.

A FranceConnect identity never seen before whose e-mail is a local account's is neither linked
nor signed in on that e-mail alone: the identity waits in the session (``SESSION_PENDING``)
until the person proves the account is theirs, by signing in to it (password, then second
factor when enrolled: allauth's login) or by a single-use link mailed to the account's
address and opened in the same browser within ``LINK_EMAIL_MINUTES``.
"""

import hashlib
import secrets
from datetime import timedelta

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
from guichet.accounts.models import User
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


LINK_EMAIL_MINUTES = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _pending(request) -> tuple[dict, FranceConnectIdentity, User] | None:
    pending = request.session.get(SESSION_PENDING)
    if not pending:
        return None
    user = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        request.session.pop(SESSION_PENDING, None)
        return None
    return pending, FranceConnectIdentity(**pending["identity"]), user


def _complete_link(request, user: User, identity: FranceConnectIdentity, proof: str) -> bool:
    request.session.pop(SESSION_PENDING, None)
    try:
        services.franceconnect_link(
            user=user,
            identity=identity,
            proof=proof,
            ip_address=get_adapter().get_client_ip(request),
        )
    except services.FranceConnectLinkRefused as refusal:
        messages.error(request, str(refusal))
        return False
    request.session[SESSION_ID_TOKEN] = identity.id_token
    messages.success(request, _("Votre compte est lié à FranceConnect."))
    return True


def _send_link_email(request, pending: dict, user: User) -> None:
    token = secrets.token_urlsafe(32)
    pending["email_token"] = _hash(token)
    pending["email_expires"] = (timezone.now() + timedelta(minutes=LINK_EMAIL_MINUTES)).timestamp()
    request.session[SESSION_PENDING] = pending
    url = request.build_absolute_uri(reverse("accounts:franceconnect_link_confirm", args=[token]))
    get_adapter().send_mail(
        "accounts/email/franceconnect_link",
        user.email,
        {"url": url, "minutes": LINK_EMAIL_MINUTES, "identity": pending["identity"]},
    )
    audit_log(
        actor=None,
        action="accounts.franceconnect_link_mailed",
        obj=user,
        ip_address=get_adapter().get_client_ip(request),
    )


def link(request):
    """A local account already uses the e-mail FranceConnect gave: the person proves the
    account is theirs (sign in to it, or a link sent to its address) before it is linked."""
    _require_enabled()
    found = _pending(request)
    if found is None:
        return redirect("account_login")
    pending, identity, user = found
    signed_in_as_owner = request.user.is_authenticated and request.user.pk == user.pk
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            request.session.pop(SESSION_PENDING, None)
            messages.info(request, _("Votre compte n'a pas été lié à FranceConnect."))
            return redirect("account_login")
        if action == "link" and signed_in_as_owner:
            _complete_link(request, user, identity, proof="password")
            return redirect(pending.get("next") or reverse("accounts:profile"))
        if action == "email" and not request.user.is_authenticated:
            # one mail per FranceConnect login while its link is valid: no mail bombing
            if pending.get("email_expires", 0) <= timezone.now().timestamp():
                _send_link_email(request, pending, user)
            messages.info(
                request,
                _(
                    "Un lien vous a été envoyé par e-mail. Ouvrez-le dans ce navigateur dans "
                    "les %(minutes)s minutes."
                )
                % {"minutes": LINK_EMAIL_MINUTES},
            )
            return redirect("accounts:franceconnect_link")
    login_url = reverse("account_login") + "?next=" + reverse("accounts:franceconnect_link")
    return render(
        request,
        "accounts/franceconnect_link.html",
        {
            "email": identity.email,
            "signed_in_as_owner": signed_in_as_owner,
            "signed_in_as_other": request.user.is_authenticated and not signed_in_as_owner,
            "login_url": login_url,
        },
    )


def link_confirm(request, token: str):
    """The link mailed to the account: valid once, for ``LINK_EMAIL_MINUTES``, and only in the
    browser that started the FranceConnect login (the pending identity is in its session), so
    a link forwarded to or opened by someone else links nothing. A GET only shows the button
    (mail scanners open links). Signing in afterwards still asks for the second factor."""
    _require_enabled()
    found = _pending(request)
    valid = (
        found is not None
        and bool(found[0].get("email_token"))
        and secrets.compare_digest(found[0]["email_token"], _hash(token))
        and timezone.now().timestamp() < found[0].get("email_expires", 0)
    )
    if not valid:
        messages.error(
            request,
            _(
                "Ce lien n'est pas valable : il a expiré, a déjà servi, ou n'a pas été ouvert "
                "dans le navigateur où vous avez utilisé FranceConnect."
            ),
        )
        return redirect("account_login")
    pending, identity, user = found
    if request.method == "POST" and request.POST.get("action") == "link":
        if not _complete_link(request, user, identity, proof="email"):
            return redirect("account_login")
        return perform_login(request, user, redirect_url=pending.get("next"))
    return render(request, "accounts/franceconnect_link_confirm.html", {"email": user.email})


def logged_out(request):
    messages.success(request, _("Vous êtes déconnecté de la plateforme et de FranceConnect."))
    return redirect("/")
