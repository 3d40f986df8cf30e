"""Every check of a submission before anything is written: the service's published version,
the commune's offer, the form's fields and files, the manifest's ``prepare``, routing and a
partner key's scope."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.cases.attachments import files_checked
from guichet.cases.errors import CaseInputError, already_submitted
from guichet.cases.models import CaseDraft, PartnerApiKey
from guichet.cases.partner_keys import partner_key_scope_refusal
from guichet.cases.policies import draft_policy
from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.catalogue.registry import ServiceInput, ServiceManifest, manifests_for
from guichet.catalogue.schema import clean_fields, iter_fields, unknown_keys
from guichet.catalogue.selectors import definition_for_filing, offered_in_commune, version_cached
from guichet.core.policies import policy_exempt
from guichet.core.uploads import CleanFile
from guichet.territory.models import Organisation, Team
from guichet.territory.selectors import commune_at, competence_routing

if TYPE_CHECKING:
    from guichet.cases.submission import FirstMessage


def _location_from_data(version: ServiceVersion, data: dict) -> tuple[float, float] | None:
    for _page, field in iter_fields(version.form):
        if field["type"] == "location" and data.get(field["key"]):
            return data[field["key"]]["lat"], data[field["key"]]["lon"]
    return None


def _route(
    *, definition: ServiceDefinition, commune: Organisation | None, subject: str = ""
) -> tuple[Organisation, Team, dict[str, str]]:
    """The organisation and team in charge, and the rule's reason (``competence_routing``)."""
    routing = competence_routing(subject=subject or definition.key, commune=commune)
    if routing is None:
        raise CaseInputError(
            {"commune": _("Aucune organisation ne traite ce service pour cette commune.")},
            code="no_competence",
        )
    return routing


@dataclass
class CheckedSubmission:
    """A submission whose input passed every check, ready to record."""

    actor: Any
    definition: ServiceDefinition
    version: ServiceVersion
    channel: str
    requester: Any
    contact: dict[str, str]
    commune: Organisation | None
    location: tuple[float, float] | None
    address: str
    partner_key: PartnerApiKey | None
    draft: CaseDraft | None
    beneficiary: Any
    cleaned: dict[str, Any]
    clean_files: dict[str, list[CleanFile]]
    organisation: Organisation
    team: Team
    now: datetime
    first_message: FirstMessage | None
    #: each manifest that records rows with the case, with what its ``prepare`` made
    recorders: list[tuple[ServiceManifest, ServiceInput | None]]
    gapless: bool
    #: what routed it (the competence subject) and the rule's reason, told to the person
    routing_subject: str = ""
    routing_reason: dict[str, str] = dataclass_field(default_factory=dict)

    @property
    def year(self) -> int:
        return timezone.localtime(self.now).year


@policy_exempt("checks the input of case_submit, which is open to everyone; writes nothing")
def submission_checked(
    *,
    actor,
    definition: ServiceDefinition | str,
    data: dict[str, Any],
    channel: str,
    files: dict[str, list] | None,
    requester,
    contact: dict[str, str] | None,
    commune: Organisation | None,
    location: tuple[float, float] | None,
    address: str,
    partner_key: PartnerApiKey | None,
    portal: bool,
    draft: CaseDraft | None,
    subject: str,
    beneficiary,
    first_message: FirstMessage | None,
) -> CheckedSubmission:
    """Every check of ``case_submit``'s input, the service's own (its manifest's
    ``prepare``) included; writes nothing. Raises CaseInputError."""
    # The definition as it is now (the caller's object may be stale); its published version
    # from the per-process cache (published versions are immutable). In the same query,
    # whether the commune given by the caller offers the service (checked below unless a
    # location puts the case in another commune).
    current: tuple[Any, ...] | None
    if isinstance(definition, str):
        # A key (the API): the channel's catalogue decides (a cached read).
        found = definition_for_filing(key=definition, portal=portal, commune=commune)
        if found is None:
            raise CaseInputError(
                {"__all__": _("Service inconnu : « %s ».") % definition}, code="unknown_service"
            )
        definition, offered = found
        current = (definition.current_version_id, definition.is_active)
        if commune is not None:
            current += (offered,)
    else:
        rows = ServiceDefinition.objects.filter(pk=definition.pk)
        if commune is not None:
            rows = rows.annotate(offered=offered_in_commune(commune, portal=portal))
        current = rows.values_list(
            "current_version_id", "is_active", *(["offered"] if commune is not None else [])
        ).first()
    version_id, is_active = (current or (None, False))[:2]
    # with a commune, the last column is whether the service is offered there
    offered_in = {commune.pk: current[-1]} if current and commune is not None else {}
    version = version_cached(version_id) if version_id else None
    if not is_active or version is None or not version.is_published:
        raise CaseInputError({"__all__": _("Ce service n'est pas ouvert.")}, code="unknown_service")
    data = dict(data or {})
    files = dict(files or {})
    draft_files: dict[str, int] = {}
    if draft is not None:
        if not CaseDraft.objects.filter(pk=draft.pk).exists():
            raise already_submitted()
        # the owner's act (they sign the form's commitments), never a collaborator's
        draft_policy.require_act(actor, draft, "submit")
        for att in draft.attachments.all():
            draft_files[att.field_key] = draft_files.get(att.field_key, 0) + 1
    errors: dict[str, str] = {}
    manifests = manifests_for(definition.key)
    recorders: list[tuple[ServiceManifest, ServiceInput | None]] = []
    for manifest in manifests:
        prepared = None
        if manifest.prepare:
            prepared = manifest.prepare(
                data=data, files=files, location=location, requester=requester
            )
            data, files = prepared.data, prepared.files
            errors.update(prepared.errors)
            subject = subject or prepared.subject
        if manifest.record:
            recorders.append((manifest, prepared))
    for key in unknown_keys(version.form, data):
        errors[key] = _("Champ inconnu pour ce service.")
    clean_files, file_errors = files_checked(version, files)
    errors.update(file_errors)
    counts = {k: len(v) + draft_files.get(k, 0) for k, v in clean_files.items()}
    for key, n in draft_files.items():
        counts.setdefault(key, n)
    cleaned, field_errors = clean_fields(version.form, data, files=counts)
    for key, message in field_errors.items():  # a refused file keeps its own message
        errors.setdefault(key, message)
    contact = {k: (v or "").strip() for k, v in (contact or {}).items()}
    # A partner's key answers for the cases it files: the person's contact details are then
    # optional (Open311 GeoReport v2 makes e-mail and phone optional).
    if (
        requester is None
        and partner_key is None
        and not (contact.get("email") or contact.get("phone"))
    ):
        errors["contact_email"] = _(
            "Sans compte, indiquez une adresse e-mail ou un téléphone pour être recontacté."
        )
    if contact.get("email"):
        from django.core.validators import validate_email

        try:
            validate_email(contact["email"])
        except ValidationError:
            errors["contact_email"] = _("Saisissez une adresse e-mail valide.")
    if contact.get("sms_consent"):  # followed by SMS: a mobile number, kept in E.164
        from guichet.notifications.sms import mobile_number

        mobile = mobile_number(contact.get("phone", ""))
        if mobile is None:
            errors["contact_phone"] = _(
                "Pour le suivi par SMS, indiquez un numéro de mobile, par exemple 06 12 34 56 78."
            )
        else:
            contact["phone"] = mobile
    location = location or _location_from_data(version, cleaned)
    if location is not None:
        located = commune_at(lat=location[0], lon=location[1])
        if located is None:
            errors["location"] = _("Ce lieu est en dehors du territoire de la Métropole.")
        else:
            commune = located
    if commune is not None and not errors:
        offered = offered_in.get(commune.pk)
        if offered is None:  # a commune found from the location
            offered = (
                ServiceDefinition.objects.filter(pk=definition.pk)
                .filter(offered_in_commune(commune, portal=portal))
                .exists()
            )
        if not offered:
            errors["commune"] = _("Ce service n'est pas proposé dans la commune %s.") % commune.name
    if beneficiary is not None and (requester is None or beneficiary.owner_id != requester.pk):
        errors["beneficiary"] = _("Choisissez une personne que vous représentez.")
    if errors:
        raise CaseInputError(errors)
    organisation, team, reason = _route(definition=definition, commune=commune, subject=subject)
    if partner_key is not None:
        # After routing, before any number is taken: the key's organisation bounds what it
        # files, whatever the payload's commune, location or address.
        refusal = partner_key_scope_refusal(partner_key, commune=commune, organisation=organisation)
        if refusal:
            raise CaseInputError({"__all__": refusal}, code="out_of_scope")

    return CheckedSubmission(
        actor=actor,
        definition=definition,
        version=version,
        channel=channel,
        requester=requester,
        contact=contact,
        commune=commune,
        location=location,
        address=address,
        partner_key=partner_key,
        draft=draft,
        beneficiary=beneficiary,
        cleaned=cleaned,
        clean_files=clean_files,
        organisation=organisation,
        team=team,
        now=timezone.now(),
        first_message=first_message,
        recorders=recorders,
        gapless=any(m.gapless_references for m in manifests),
        routing_subject=subject or definition.key,
        routing_reason=reason,
    )
