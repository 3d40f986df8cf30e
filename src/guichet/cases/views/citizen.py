"""The citizen side: catalogue, multi-page forms with drafts, receipt, case page, messages,
anonymous follow-up by tracking code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.accounts.selectors import dependants_of
from guichet.cases.claims import ClaimError, case_claim, case_for_claim
from guichet.cases.drafts import draft_save
from guichet.cases.errors import CaseInputError
from guichet.cases.forms import MessageForm, TrackingForm
from guichet.cases.models import Channel
from guichet.cases.policies import TrackingCodeHolder, draft_policy
from guichet.cases.selectors import (
    attachment_get_for_citizen,
    case_get_by_tracking,
    case_get_for_citizen,
    cases_for_citizen_list,
    draft_get,
    drafts_listed_for,
    timeline_for_citizen,
)
from guichet.cases.submission import case_submit, draft_submission_replayed
from guichet.cases.views.common import (
    case_data_rows,
    display_value,
    draft_panels,
    message_post,
    uploaded_files,
)
from guichet.catalogue.registry import case_templates, citizen_url_for, is_restricted, manifest_for
from guichet.catalogue.rendering import parse_post, widgets
from guichet.catalogue.schema import clean_fields, condition_holds, iter_fields
from guichet.catalogue.selectors import (
    catalogue_for_portal,
    service_communes,
    service_get_published,
)
from guichet.core.edges import rate_limit
from guichet.core.idempotency import IdempotencyKeyError, new_idempotency_key
from guichet.portal.pwa import idempotency_conflict
from guichet.territory.models import Organisation
from guichet.territory.selectors import commune_by_slug, communes
from guichet.wallet.selectors import wallet_choices_for_fields

SESSION_DRAFTS = "cases_drafts"
SESSION_TRACKING = "cases_tracking"
SESSION_RECEIPT = "cases_receipt"


def catalogue(request):
    commune = None
    if request.GET.get("commune"):
        commune = commune_by_slug(request.GET["commune"])
    return render(
        request,
        "cases/citizen/catalogue.html",
        {
            "services": catalogue_for_portal(commune=commune),
            "communes": communes().exclude(offer=Organisation.Offer.RESTRICTED),
            "commune": commune,
        },
    )


def _prefill(version, user) -> dict:
    if not user.is_authenticated:
        return {}
    profile = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": f"{user.first_name} {user.last_name}".strip(),
    }
    return {
        f["key"]: profile[f["prefill"]]
        for _p, f in iter_fields(version.form)
        if f.get("prefill") in profile and profile[f["prefill"]]
    }


def _has_location(version) -> bool:
    return any(f["type"] == "location" for _p, f in iter_fields(version.form))


def service_start(request, key):
    """The service's page: description, commune choice, then a draft is opened. A service
    with its own filing form (its manifest's ``filing_url``) sends there instead."""
    definition = service_get_published(key=key, portal=True)
    manifest = manifest_for(definition.key)
    if manifest is not None and manifest.filing_url:
        return redirect(manifest.filing_url)
    communes = service_communes(definition=definition, portal=True)
    if request.method == "POST":
        commune = communes.filter(slug=request.POST.get("commune", "")).first()
        if commune is None and not _has_location(definition.current_version):
            messages.error(request, _("Choisissez votre commune."))
        else:
            draft = draft_save(
                actor=request.user,
                version=definition.current_version,
                data=_prefill(definition.current_version, request.user),
                page="",
                commune=commune,
            )
            request.session.setdefault(SESSION_DRAFTS, []).append(str(draft.token))
            request.session.modified = True
            return redirect("cases:draft", token=draft.token)
    return render(
        request,
        "cases/citizen/start.html",
        {
            "definition": definition,
            "communes": communes,
            "needs_commune": not _has_location(definition.current_version),
        },
    )


def _draft(request, token):
    return draft_get(
        actor=request.user, token=token, session_tokens=request.session.get(SESSION_DRAFTS, [])
    )


def _visible_pages(version, data) -> list[dict]:
    return [p for p in version.form["pages"] if condition_holds(p.get("show_if"), data)]


def _draft_files(draft) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    for att in draft.attachments.all():
        files.setdefault(att.field_key, []).append(att.original_name)
    return files


def draft_page(request, token, page_key=None):
    draft = _draft(request, token)
    version = draft.version
    if not version.definition.is_active or version.definition.current_version_id != version.pk:
        messages.error(request, _("Ce service a changé : recommencez votre demande."))
        return redirect("cases:catalogue")
    pages = _visible_pages(version, draft.data)
    keys = [p["key"] for p in pages]
    page_key = page_key or draft.page or keys[0]
    if page_key not in keys:
        raise Http404("page")
    page = pages[keys.index(page_key)]
    errors: dict[str, str] = {}
    values = draft.data
    status = 200
    if request.method == "POST":
        posted = parse_post(page["fields"], request.POST)
        values = {**draft.data, **posted}
        files = uploaded_files(request, page["fields"], wallet=True)
        counts = {k: len(v) for k, v in _draft_files(draft).items()}
        for k, v in files.items():
            counts[k] = counts.get(k, 0) + len(v)
        action = request.POST.get("action", "next")
        if action != "previous" and action != "save":
            _cleaned, errors = clean_fields(version.form, values, pages=[page_key], files=counts)
        try:
            draft = draft_save(
                actor=request.user,
                version=version,
                data=values,
                page=page_key,
                draft=draft,
                files=files,
            )
        except CaseInputError as exc:
            errors.update(exc.errors)
        if not errors:
            if action == "save":
                messages.success(request, _("Brouillon enregistré : vous pourrez le reprendre."))
                return redirect("cases:draft_page", token=draft.token, page_key=page_key)
            pages = _visible_pages(version, values)
            keys = [p["key"] for p in pages]
            index = keys.index(page_key) if page_key in keys else 0
            if action == "previous":
                return redirect(
                    "cases:draft_page", token=draft.token, page_key=keys[max(index - 1, 0)]
                )
            if index + 1 < len(keys):
                return redirect("cases:draft_page", token=draft.token, page_key=keys[index + 1])
            return redirect("cases:draft_review", token=draft.token)
        status = 400
    return render(
        request,
        "cases/citizen/page.html",
        {
            "draft": draft,
            "panels": draft_panels(request, draft, "page"),
            "definition": version.definition,
            "page": page,
            "step": keys.index(page_key) + 1,
            "steps": len(keys),
            "is_first": keys.index(page_key) == 0,
            "widgets": widgets(
                page["fields"],
                values,
                errors,
                scope=values,
                files=_draft_files(draft),
                wallet=wallet_choices_for_fields(actor=request.user, fields=page["fields"]),
            ),
            "errors": errors,
        },
        status=status,
    )


def draft_review(request, token):
    """The summary, contact details for anonymous requests, and the submission.

    The form carries an idempotency key (the offline-drafts script may send it again when the
    device is back online): a retry redirects to the first receipt, even though the draft is
    gone by then."""
    key = request.POST.get("idempotency_key", "") if request.method == "POST" else ""
    contact = {}
    beneficiary_choice = request.POST.get("beneficiary", "")
    if request.method == "POST":
        contact = {k: request.POST.get(f"contact_{k}", "") for k in ("name", "email", "phone")}
    requester = request.user if request.user.is_authenticated else None
    if key:
        try:
            replay = draft_submission_replayed(
                actor=request.user,
                channel=Channel.WEB,
                idempotency_key=key,
                draft_token=token,
                requester=requester,
                contact=None if requester else contact,
                beneficiary_id=beneficiary_choice,
            )
        except IdempotencyKeyError as exc:
            return idempotency_conflict(request, exc)
        if replay is not None:
            return redirect("cases:receipt", reference=replay.case.reference)
    draft = _draft(request, token)
    version = draft.version
    definition = version.definition
    errors: dict[str, str] = {}
    dependants = list(dependants_of(request.user)) if request.user.is_authenticated else []
    if request.method == "POST":
        if not request.user.is_authenticated:
            rate_limit(request, "case_submit_anonymous")  # 429 before anything is written
        beneficiary = next((d for d in dependants if str(d.pk) == beneficiary_choice), None)
        try:
            if beneficiary_choice and beneficiary is None:
                raise CaseInputError(
                    {"beneficiary": _("Choisissez une personne que vous représentez.")}
                )
            submission = case_submit(
                actor=request.user,
                definition=definition,
                data=draft.data,
                channel=Channel.WEB,
                requester=requester,
                contact=None if requester else contact,
                commune=draft.commune,
                portal=True,
                draft=draft,
                beneficiary=beneficiary,
                idempotency_key=key,
            )
            if submission.replayed:  # a concurrent twin filed it while we loaded the draft
                return redirect("cases:receipt", reference=submission.case.reference)
        except IdempotencyKeyError as exc:
            return idempotency_conflict(request, exc)
        except CaseInputError as exc:
            errors = exc.errors
        else:
            case = submission.case
            if submission.tracking_code:
                request.session.setdefault(SESSION_TRACKING, {})[case.reference] = (
                    submission.tracking_code
                )
                request.session[SESSION_RECEIPT] = {case.reference: submission.tracking_code}
                request.session.modified = True
            return redirect("cases:receipt", reference=case.reference)
    visible = {p["key"] for p in _visible_pages(version, draft.data)}
    files = _draft_files(draft)
    rows = []
    for page, field in iter_fields(version.form):
        if page["key"] not in visible or field["type"] == "title":
            continue
        if not condition_holds(field.get("show_if"), draft.data):
            continue
        text = (
            (", ".join(files.get(field["key"], [])) or "—")
            if field["type"] == "file"
            else (display_value(field, draft.data.get(field["key"])))
        )
        rows.append(
            {
                "page": page,
                "label": field["label"],
                "text": text,
                "error": errors.get(field["key"], ""),
            }
        )
    return render(
        request,
        "cases/citizen/review.html",
        {
            "draft": draft,
            "panels": draft_panels(request, draft, "review"),
            "may_submit": draft_policy.can_act(request.user, draft, "submit"),
            "definition": definition,
            "rows": rows,
            "errors": errors,
            "contact": contact,
            "dependants": dependants,
            "beneficiary_choice": beneficiary_choice,
            # A failed submission saved nothing, so the same key can serve the next attempt.
            "idempotency_key": key or new_idempotency_key(),
            "general_errors": [
                v for k, v in errors.items() if k in ("__all__", "commune", "location")
            ],
        },
        status=400 if errors else 200,
    )


def _citizen_case(request, reference):
    if request.user.is_authenticated:
        try:
            return case_get_for_citizen(actor=request.user, reference=reference)
        except Http404:
            pass
    code = request.session.get(SESSION_TRACKING, {}).get(reference)
    if code:
        return case_get_by_tracking(reference=reference, code=code)
    raise Http404("case")


def _citizen_actor(request, case):
    """Who acts on ``case`` from the citizen's pages: their account when it is theirs, else
    the holder of the tracking code this session proved (``_citizen_case`` found it so)."""
    if request.user.is_authenticated and case.requester_id == request.user.pk:
        return request.user
    if request.session.get(SESSION_TRACKING, {}).get(case.reference):
        return TrackingCodeHolder(case.pk)
    return request.user


def receipt(request, reference):
    case = _citizen_case(request, reference)
    tracking_code = request.session.get(SESSION_RECEIPT, {}).get(reference, "")
    return render(
        request, "cases/citizen/receipt.html", {"case": case, "tracking_code": tracking_code}
    )


MY_CASES_PER_PAGE = 20


@login_required
def my_cases(request):
    """Every case of the citizen, newest first, a page at a time (a citizen may have hundreds):
    the list reads only the columns it shows, the statuses' labels come from the cached
    published versions."""
    page = Paginator(cases_for_citizen_list(actor=request.user), MY_CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    drafts = list(drafts_listed_for(actor=request.user))
    return render(
        request,
        "cases/citizen/my_cases.html",
        {
            "page": page,
            "drafts": [d for d in drafts if d.owner_id == request.user.pk],
            "drafts_for_others": [d for d in drafts if d.owner_id != request.user.pk],
        },
    )


def case_page(request, reference):
    case = _citizen_case(request, reference)
    own_page = citizen_url_for(case)
    if own_page:  # a specialised service's own page (disability files)
        return redirect(own_page)
    return render(
        request,
        "cases/citizen/case.html",
        {
            "case": case,
            "rows": case_data_rows(case),
            "timeline": timeline_for_citizen(case),
            "messages_list": case.messages.prefetch_related("attachments"),
            "documents": case.attachments.filter(public=True, generated=True),
            "message_form": MessageForm(),
            "extra_templates": case_templates(case.definition.key),
            "audience": "citizen",
            "submitter_transitions": _submitter_transitions(case, request.user),
        },
    )


def _submitter_transitions(case, user):
    from guichet.cases.workflow import available_transitions

    if not user.is_authenticated or case.requester_id != user.pk:
        return []
    return available_transitions(case, user)


@require_POST
def case_message(request, reference):
    case = _citizen_case(request, reference)
    if is_restricted(case.definition.key):  # its own doors only (no health data by mail)
        raise Http404("case")
    actor = _citizen_actor(request, case)
    sent = _("Votre message a été envoyé.")
    message_post(request, case, actor=actor, from_citizen=True, sent=sent)
    return redirect("cases:case", reference=case.reference)


@login_required
@require_POST
def case_transition_citizen(request, reference):
    from guichet.cases.handling import case_transition
    from guichet.cases.workflow import WorkflowError

    case = case_get_for_citizen(actor=request.user, reference=reference)
    if is_restricted(case.definition.key):  # its own doors only
        raise Http404("case")
    try:
        case_transition(
            actor=request.user,
            case=case,
            transition=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Votre demande a été mise à jour."))
    except WorkflowError as exc:
        messages.error(request, exc.message)
    return redirect("cases:case", reference=case.reference)


def case_attachment(request, reference, pk):
    case = _citizen_case(request, reference)
    attachment = attachment_get_for_citizen(case=case, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


def tracking(request):
    form = TrackingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        # Per address and strict: the code is 50 bits, guessable only without a limit.
        rate_limit(request, "tracking_lookup")
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"].strip().upper()
        try:
            case = case_get_by_tracking(reference=reference, code=form.cleaned_data["code"])
        except Http404:
            form.add_error(None, _("Aucune demande ne correspond à cette référence et ce code."))
            status = 404
        else:
            request.session.setdefault(SESSION_TRACKING, {})[case.reference] = form.cleaned_data[
                "code"
            ]
            request.session.modified = True
            return redirect("cases:case", reference=case.reference)
    return render(request, "cases/citizen/tracking.html", {"form": form}, status=status)


@login_required
def case_claim_page(request, token):
    """A case filed for the person by a partner, with their e-mail as contact: shown, then
    attached to their account on confirmation if they verified that address (``cases.claims``)."""
    case = case_for_claim(token)
    error = ""
    if request.method == "POST":
        try:
            case = case_claim(actor=request.user, token=token)
        except ClaimError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("La demande %s est rattachée à votre compte.") % case.reference
            )
            return redirect("cases:case", reference=case.reference)
    return render(
        request,
        "cases/citizen/claim.html",
        {"case": case, "error": error},
        status=403 if error else 200,
    )
