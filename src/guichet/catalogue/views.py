"""The service editor: JSON editing with validation and a live preview of the citizen form,
import/export, publication, availability per commune. Designers only (Membership.Role.DESIGNER)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.catalogue.editing import EditError, apply_operation
from guichet.catalogue.rendering import widgets
from guichet.catalogue.schema import FIELD_TYPES, DefinitionError, validate_document
from guichet.catalogue.selectors import (
    definition_get_for_designer,
    definitions_for_designer,
    organisations_for_designer,
    version_get_for_designer,
)
from guichet.catalogue.services import (
    service_availability_set,
    service_export,
    service_import,
    service_version_publish,
)
from guichet.territory.selectors import communes

MAX_JSON = 512 * 1024


def _parse(text: str) -> tuple[object | None, list[str]]:
    if len(text) > MAX_JSON:
        return None, [_("Le document dépasse 512 Ko.")]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [
            _("JSON invalide, ligne %(line)s colonne %(col)s : %(msg)s")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ]


def _preview(document) -> list[dict]:
    """The citizen form's pages, rendered from a (valid) document."""
    return [
        {"title": page["title"], "widgets": widgets(page["fields"], {}, {}, scope={})}
        for page in document["form"]["pages"]
    ]


@login_required
def definition_list(request):
    return render(
        request,
        "services/list.html",
        {
            "definitions": definitions_for_designer(actor=request.user).prefetch_related(
                "versions"
            ),
        },
    )


@login_required
def definition_import(request):
    organisations = organisations_for_designer(actor=request.user)
    errors: list[str] = []
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = (
            upload.read(MAX_JSON + 1).decode("utf-8", "replace")
            if upload
            else request.POST.get("document", "")
        )
        organisation = organisations.filter(pk=request.POST.get("organisation") or 0).first()
        document, errors = _parse(text)
        if organisation is None:
            errors.append(_("Choisissez l'organisation éditrice."))
        if not errors:
            try:
                version = service_import(
                    actor=request.user, organisation=organisation, document=document
                )
            except DefinitionError as exc:
                errors = exc.errors
            except PermissionDenied as exc:
                errors = [str(exc)]
            else:
                messages.success(
                    request, _("Service importé (version %s, brouillon).") % version.number
                )
                return redirect("services:version", pk=version.pk)
    return render(
        request,
        "services/import.html",
        {
            "organisations": organisations,
            "errors": errors,
            "text": text,
        },
        status=400 if errors else 200,
    )


@login_required
def version_edit(request, pk):
    version = version_get_for_designer(actor=request.user, pk=pk)
    definition = version.definition
    document = service_export(version=version)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        text = request.POST.get("document", "")
        parsed, errors = _parse(text)
        if not errors:
            errors = validate_document(parsed)
        if not errors:
            document = parsed
            if request.POST.get("action") == "save":
                try:
                    saved = service_import(
                        actor=request.user, organisation=definition.organisation, document=parsed
                    )
                except (DefinitionError, PermissionDenied) as exc:
                    errors = getattr(exc, "errors", [str(exc)])
                else:
                    messages.success(request, _("Brouillon enregistré."))
                    return redirect("services:version", pk=saved.pk)
        status = 400 if errors else 200
    return render(
        request,
        "services/edit.html",
        {
            "version": version,
            "definition": definition,
            "text": text,
            "errors": errors,
            "preview": _preview(document) if not errors else [],
            "versions": definition.versions.all(),
            "communes": communes(),
            "available": set(definition.communes.values_list("pk", flat=True)),
            "structure": document if not errors else service_export(version=version),
            "field_types": FIELD_TYPES.items(),
            "page_moves": [("up", _("Monter la page")), ("down", _("Descendre la page"))],
        },
        status=status,
    )


@login_required
@require_POST
def version_operation(request, pk):
    """One structured edit (add, order, configure pages, fields, conditions, statuses,
    transitions): applied to the document, validated as a whole, saved as the draft."""
    version = version_get_for_designer(actor=request.user, pk=pk)
    try:
        document = apply_operation(
            service_export(version=version), request.POST.get("op", ""), request.POST
        )
        saved = service_import(
            actor=request.user, organisation=version.definition.organisation, document=document
        )
    except EditError as exc:
        messages.error(request, str(exc))
        return redirect("services:version", pk=version.pk)
    except (DefinitionError, PermissionDenied) as exc:
        for error in getattr(exc, "errors", [str(exc)]):
            messages.error(request, error)
        return redirect("services:version", pk=version.pk)
    messages.success(request, _("Brouillon mis à jour."))
    return redirect("services:version", pk=saved.pk)


@login_required
def version_export(request, pk):
    version = version_get_for_designer(actor=request.user, pk=pk)
    response = JsonResponse(
        service_export(version=version), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{version.definition.key}-v{version.number}.json"'
    )
    return response


@login_required
@require_POST
def version_publish(request, pk):
    version = version_get_for_designer(actor=request.user, pk=pk)
    try:
        service_version_publish(actor=request.user, version=version)
        messages.success(request, _("Version %s publiée.") % version.number)
    except (DefinitionError, PermissionDenied) as exc:
        for error in getattr(exc, "errors", [str(exc)]):
            messages.error(request, error)
    return redirect("services:version", pk=version.pk)


@login_required
@require_POST
def definition_availability(request, pk):
    definition = definition_get_for_designer(actor=request.user, pk=pk)
    chosen = list(
        communes().filter(pk__in=[int(v) for v in request.POST.getlist("communes") if v.isdigit()])
    )
    try:
        service_availability_set(
            actor=request.user,
            definition=definition,
            communes=chosen,
            is_active="is_active" in request.POST,
        )
    except (DefinitionError, PermissionDenied) as exc:
        for error in getattr(exc, "errors", [str(exc)]):
            messages.error(request, error)
    else:
        messages.success(request, _("Disponibilité enregistrée."))
    return redirect("services:version", pk=definition.versions.first().pk)
