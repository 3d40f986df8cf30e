"""The sharing of a draft: its collaborators' page (the owner invites and revokes, a
collaborator marks it ready for the owner's signature), its history, the page of an
invitation's link, and the panel shown on the draft's pages (``sharing.services``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft
from guichet.cases.policies import draft_policy
from guichet.cases.selectors import draft_get
from guichet.catalogue.registry import manifest_for
from guichet.core.edges import rate_limit
from guichet.sharing.models import CaseDraftCollaborator
from guichet.sharing.policies import draft_invitation_policy
from guichet.sharing.selectors import (
    draft_collaborators_list,
    draft_history,
    draft_invitation_get,
)
from guichet.sharing.services import (
    InvitationRefused,
    draft_collaborator_invite,
    draft_collaborator_revoke,
    draft_invitation_accept,
    draft_ready_mark,
)


def collaborator_role(draft: CaseDraft) -> str:
    """The role of the people invited to ``draft``: its service's (a mandated architect for a
    planning application), else a co-writer."""
    manifest = manifest_for(draft.version.definition.key)
    role = manifest.draft_collaborator_role if manifest is not None else ""
    return role or CaseDraftCollaborator.Role.CO_WRITER


def sharing_panel(request, draft: CaseDraft, where: str) -> str:
    """What a draft's page and review show of its sharing (``cases.views.common``'s panel;
    nothing for a draft without an account): who prepares it, the link to its collaborators'
    page, and on the review, for a collaborator, the button that says it is ready."""
    if draft.owner_id is None:
        return ""
    role = CaseDraftCollaborator.Role(collaborator_role(draft))
    invited = draft_collaborators_list(actor=request.user, draft=draft)  # one query
    collaborators = [c for c in invited if c.revoked_at is None]
    return render_to_string(
        "sharing/_draft_sharing.html",
        {
            "draft": draft,
            "is_owner": draft.owner_id == request.user.pk,
            "role_label": role.label,
            "collaborators": collaborators,
            "review": where == "review",
        },
        request=request,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_collaborators(request, token):
    draft = draft_get(actor=request.user, token=token, session_tokens=[])
    is_owner = draft_policy.is_owner(request.user, draft)
    errors: dict[str, str] = {}
    email = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "invite":
                email = request.POST.get("email", "")
                rate_limit(request, "draft_invite")
                collaborator, _token = draft_collaborator_invite(
                    actor=request.user, draft=draft, email=email, role=collaborator_role(draft)
                )
                messages.success(
                    request, _("Invitation envoyée à %(email)s.") % {"email": collaborator.email}
                )
                return redirect("sharing:draft_collaborators", token=draft.token)
            if action == "revoke":
                pk = request.POST.get("collaborator", "")
                draft_collaborator_revoke(
                    actor=request.user,
                    draft=draft,
                    collaborator_id=int(pk) if pk.isdigit() else 0,
                )
                messages.success(request, _("Accès retiré."))
                return redirect("sharing:draft_collaborators", token=draft.token)
            if action == "ready":
                draft_ready_mark(actor=request.user, draft=draft)
                messages.success(
                    request,
                    _("Le demandeur est prévenu : il relira la demande et l'enverra."),
                )
                return redirect("sharing:draft_collaborators", token=draft.token)
        except CaseInputError as exc:
            errors = exc.errors
        else:
            return redirect("sharing:draft_collaborators", token=draft.token)
    role = CaseDraftCollaborator.Role(collaborator_role(draft))
    return render(
        request,
        "sharing/draft_collaborators.html",
        {
            "draft": draft,
            "definition": draft.version.definition,
            "is_owner": is_owner,
            "role_label": role.label,
            "collaborators": draft_collaborators_list(actor=request.user, draft=draft),
            "history": draft_history(actor=request.user, draft=draft),
            "errors": errors,
            "email": email,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def draft_invitation(request, token: str):
    """The link of an invitation: signed in with the invited address, accept it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    invitation = draft_invitation_get(actor=request.user, token=token)
    refusal = draft_invitation_policy.refusal(request.user, invitation)
    if request.method == "POST" and not refusal:
        try:
            draft = draft_invitation_accept(actor=request.user, token=token)
        except InvitationRefused as exc:  # changed meanwhile
            refusal = exc.message
        else:
            messages.success(request, _("Invitation acceptée : vous pouvez compléter la demande."))
            return redirect("cases:draft", token=draft.token)
    return render(
        request,
        "sharing/draft_invitation.html",
        {"invitation": None if refusal else invitation, "refusal": refusal},
        status=403 if refusal else 200,
    )
