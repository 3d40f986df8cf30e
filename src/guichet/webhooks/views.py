"""The back-office page of an organisation's webhook endpoints: list with state and recent
attempts, creation and secret regeneration (the secret is shown once, in that answer only),
re-enabling after automatic disabling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.territory.selectors import organisations_of
from guichet.webhooks.forms import WebhookEndpointForm
from guichet.webhooks.services import (
    WebhookEndpointError,
    endpoints_for,
    recent_attempts_of,
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_endpoint_regenerate_secret,
)


def _organisations(user):
    return list(organisations_of(user))


def _page(request, *, form=None, shown_secret=None, status=200):
    endpoints = list(endpoints_for(request.user).order_by("organisation__name", "key"))
    recent = {}
    for attempt in recent_attempts_of(endpoints):
        recent.setdefault(attempt.delivery.endpoint_id, [])
        if len(recent[attempt.delivery.endpoint_id]) < 10:
            recent[attempt.delivery.endpoint_id].append(attempt)
    for endpoint in endpoints:
        endpoint.recent_attempts = recent.get(endpoint.pk, [])
    return render(
        request,
        "webhooks/endpoints.html",
        {
            "endpoints": endpoints,
            "form": form or WebhookEndpointForm(organisations=_organisations(request.user)),
            "shown_secret": shown_secret,
        },
        status=status,
    )


def _endpoint(request, pk: int):
    endpoint = endpoints_for(request.user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("no such endpoint")
    return endpoint


@login_required
def webhook_endpoints(request):
    if request.method != "POST":
        return _page(request)
    organisations = _organisations(request.user)
    form = WebhookEndpointForm(request.POST, organisations=organisations)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    organisation = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
    try:
        endpoint = webhook_endpoint_create(
            actor=request.user,
            organisation=organisation,
            key=form.cleaned_data["key"],
            url=form.cleaned_data["url"],
        )
    except WebhookEndpointError as exc:
        form.add_error(None, str(exc))
        return _page(request, form=form, status=400)
    return _page(request, shown_secret=(endpoint, endpoint.secret))


@login_required
@require_POST
def webhook_endpoint_secret(request, pk: int):
    endpoint = _endpoint(request, pk)
    secret = webhook_endpoint_regenerate_secret(actor=request.user, endpoint=endpoint)
    return _page(request, shown_secret=(endpoint, secret))


@login_required
@require_POST
def webhook_endpoint_enable_view(request, pk: int):
    endpoint = _endpoint(request, pk)
    webhook_endpoint_enable(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Point d'accès réactivé : ses envois en attente partent."))
    return redirect("webhooks:endpoints")
