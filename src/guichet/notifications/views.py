"""Pages: notification centre, preferences, subscriptions, web push, agent broadcasts."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.core.policies import PolicyDenied
from guichet.notifications import forms, selectors, services
from guichet.notifications.models import Channel
from guichet.notifications.permissions import broadcast_organisations
from guichet.notifications.push import vapid_keys
from guichet.notifications.topics import topic_get


@login_required
@require_GET
def notification_list(request):
    notifications = selectors.notifications_for(actor=request.user).defer(
        "body_html",
        "sms_text",
        "contact",  # the e-mail's parts: the list shows the text
    )
    page = Paginator(notifications, 20).get_page(request.GET.get("page"))
    unread = selectors.unread_count(actor=request.user)
    return render(
        request,
        "notifications/list.html",
        # the header's badge reuses the count
        {"page": page, "unread": unread, "unread_notifications_known": unread},
    )


@login_required
@require_POST
def notification_open(request, public_id):
    """Mark read, then go to what the notification is about (or back to the list)."""
    notification = selectors.notification_get_for(actor=request.user, public_id=public_id)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request):
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(
        request, _("%(count)s notification(s) marquée(s) comme lue(s).") % {"count": count}
    )
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    table = selectors.preferences_table(actor=request.user)
    contact_form = forms.ContactForm(
        request.POST or None, initial={"mobile_phone": selectors.mobile_phone_of(user=request.user)}
    )
    if request.method == "POST" and contact_form.is_valid():
        choices = {}
        for row in table:
            for cell in row["channels"]:
                name = f"{row['topic'].key}:{cell['channel']}"
                choices[(row["topic"].key, cell["channel"])] = name in request.POST
        try:
            services.contact_settings_update(
                actor=request.user, mobile_phone=contact_form.cleaned_data["mobile_phone"]
            )
        except ValidationError as exc:
            contact_form.add_error("mobile_phone", exc.message_dict["mobile_phone"])
        else:
            services.preferences_update(actor=request.user, choices=choices)
            messages.success(request, _("Vos préférences sont enregistrées."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "table": table,
            "channels": list(Channel),
            "contact_form": contact_form,
            "vapid_public_key": vapid_keys()["public"],
            "push_count": request.user.push_subscriptions.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request):
    form = forms.SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_create(
                actor=request.user,
                topic=data["topic"],
                commune=data["commune"] if data["where"] == "commune" else None,
                lat=data.get("lat"),
                lon=data.get("lon"),
                radius_m=data.get("radius_m"),
                label=data.get("label") or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Abonnement enregistré."))
            return redirect("notifications:subscriptions")
    return render(
        request,
        "notifications/subscriptions.html",
        {
            "form": form,
            "subscriptions": [
                (s, topic_get(s.topic).label)
                for s in selectors.subscriptions_for(actor=request.user)
            ],
        },
    )


@login_required
@require_POST
def subscription_delete(request, id):
    subscription = selectors.subscription_get_for(actor=request.user, id=id)
    services.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("Abonnement supprimé."))
    return redirect("notifications:subscriptions")


def _json_body(request) -> dict | None:
    """The JSON object of the body, or None (not JSON: a form post's body was already read)."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RawPostDataException):
        return None
    return data if isinstance(data, dict) else None


@login_required
@require_POST
def push_subscribe(request):
    """Save the browser's PushSubscription (JSON as produced by ``subscription.toJSON()``).
    CSRF-protected: the page's script sends the token in ``X-CSRFToken``."""
    data = _json_body(request)
    if data is None:
        return HttpResponseBadRequest(_("Requête invalide."))
    keys = data.get("keys") or {}
    try:
        services.push_subscription_save(
            actor=request.user,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"status": "ok"}, status=201)


@login_required
@require_POST
def push_unsubscribe(request):
    data = _json_body(request)
    if data is None:
        return HttpResponseBadRequest(_("Requête invalide."))
    deleted = services.push_subscription_delete(
        actor=request.user, endpoint=str(data.get("endpoint") or "")
    )
    return JsonResponse({"deleted": deleted})


# --- Agents: broadcast alerts ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def broadcast_new(request):
    organisations = broadcast_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    form = forms.BroadcastForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = None
        if data.get("radius_m"):
            area = (data["lat"], data["lon"], data["radius_m"])
        try:
            broadcast = services.broadcast_create(
                actor=request.user,
                organisation=data["organisation"],
                commune=data["commune"],
                topic=data["topic"],
                title=data["title"],
                body=data["body"],
                channels=data["channels"],
                area=area,
            )
        except PolicyDenied:  # a commune (or an organisation) the form did not offer
            form.add_error("commune", _("Votre organisation n'est pas en charge de cette commune."))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Alerte « %(title)s » enregistrée : elle part vers les abonnés.")
                % {"title": broadcast.title},
            )
            return redirect("notifications:broadcasts")
    return render(request, "notifications/broadcast_form.html", {"form": form})


@login_required
@require_GET
def broadcast_list(request):
    if not broadcast_organisations(request.user):
        raise PermissionDenied
    return render(
        request,
        "notifications/broadcast_list.html",
        {"broadcasts": selectors.broadcasts_for(actor=request.user)[:100]},
    )
