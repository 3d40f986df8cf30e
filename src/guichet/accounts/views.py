"""The citizen's account pages: profile, sessions, data export, deletion."""

import json

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.accounts import selectors, services
from guichet.accounts.forms import DeleteAccountForm, DependantForm, ProfileForm


def _ip(request) -> str | None:
    return get_adapter().get_client_ip(request)


@login_required
def profile(request):
    user = request.user
    profile = selectors.profile_of(user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "address_line1": profile.address_line1,
        "address_line2": profile.address_line2,
        "postal_code": profile.postal_code,
        "city": profile.city,
        "address_lat": profile.address_lat,
        "address_lon": profile.address_lon,
        "residence": profile.residence_id,
    }
    for index, number in enumerate(profile.phone_numbers or [], start=1):
        initial[f"phone_{index}"] = number
    form = ProfileForm(request.POST or None, initial=initial, profile=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            actor=user, user=user, data=form.cleaned_data, phone_numbers=form.phone_numbers()
        )
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("accounts:profile")
    context = {
        "form": form,
        "profile": profile,
        "email": EmailAddress.objects.get_primary(user),
        "phone_fields": [form[f"phone_{i}"] for i in range(1, 5)],
        "mfa_required": selectors.mfa_required_for(user),
        "has_second_factor": selectors.has_second_factor(user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def sessions(request):
    rows = list(selectors.sessions_of(request.user))
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "current_key": request.session.session_key},
    )


@login_required
@require_POST
def session_end(request, session_id: int):
    session = selectors.session_get_for(actor=request.user, session_id=session_id)
    is_current = session.session_key == request.session.session_key
    services.session_end(actor=request.user, session=session, ip_address=_ip(request))
    if is_current:
        logout(request)
        return redirect("/")
    messages.success(request, _("La session a été fermée."))
    return redirect("accounts:sessions")


@login_required
def data_export(request):
    if request.method != "POST":
        return render(request, "accounts/export.html")
    document = services.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{stamp}.json"'
    return response


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        ip = _ip(request)
        logout(request)
        services.account_delete(actor=user, user=user, ip_address=ip)
        messages.success(request, _("Votre compte et vos données ont été supprimés."))
        return redirect("/")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
def dependants(request):
    """The people the user acts for: children, represented adults, people they help."""
    return render(
        request,
        "accounts/dependants.html",
        {"dependants": selectors.dependants_of(request.user).select_related("account")},
    )


@login_required
def dependant_add(request):
    form = DependantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dependant = services.dependant_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("%(name)s a été ajouté(e).") % {"name": dependant.full_name}
            )
            return redirect("accounts:dependants")
    return render(
        request,
        "accounts/dependant_form.html",
        {"form": form, "dependant": None},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def dependant_edit(request, dependant_id: int):
    dependant = selectors.dependant_get_for(actor=request.user, dependant_id=dependant_id)
    initial = {
        "first_name": dependant.first_name,
        "last_name": dependant.last_name,
        "birth_date": dependant.birth_date,
        "relationship": dependant.relationship,
    }
    form = DependantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dependant_update(actor=request.user, dependant=dependant, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Les informations sont enregistrées."))
            return redirect("accounts:dependants")
    return render(
        request,
        "accounts/dependant_form.html",
        {"form": form, "dependant": dependant},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def dependant_remove(request, dependant_id: int):
    dependant = selectors.dependant_get_for(actor=request.user, dependant_id=dependant_id)
    if request.method == "POST":
        name = dependant.full_name
        services.dependant_delete(actor=request.user, dependant=dependant)
        messages.success(
            request, _("%(name)s ne fait plus partie de votre liste.") % {"name": name}
        )
        return redirect("accounts:dependants")
    return render(request, "accounts/dependant_remove.html", {"dependant": dependant})
