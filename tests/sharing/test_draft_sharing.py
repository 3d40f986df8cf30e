"""A draft completed with the people its owner invites (a mandated architect for a planning
application): the invitation's link, who may accept it, what a collaborator may do, the
owner's history and revocation, and the submission that stays the owner's."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from guichet.cases.drafts import draft_save
from guichet.cases.models import Case, CaseDraft, CaseEvent, Channel
from guichet.cases.policies import draft_policy
from guichet.cases.submission import case_submit
from guichet.core.policies import PolicyDenied, forget_policy_answers
from guichet.notifications.models import Notification
from guichet.sharing.models import CaseDraftCollaborator, CaseDraftEvent
from guichet.sharing.services import (
    InvitationRefused,
    draft_collaborator_invite,
    draft_collaborator_revoke,
    draft_invitation_accept,
)
from tests.factories import pdf_bytes
from tests.factories.accounts import CitizenFactory
from tests.factories.cases import case_draft, published_service, service_document

pytestmark = pytest.mark.django_db

PAGE1 = {"f_theme": "etat_civil", "f_objet": "CONFIDENTIEL-OBJET", "f_message": "Un secret."}
ARCHITECT_EMAIL = "archi.mandataire@example.org"


@pytest.fixture
def architect(db):
    return CitizenFactory(first_name="Alma", last_name="Archi", email=ARCHITECT_EMAIL)


@pytest.fixture
def draft(place, contact):
    return case_draft(
        definition=contact,
        owner=place.citizen,
        data={"objet": "CONFIDENTIEL-OBJET", "email": place.citizen.email},
        commune=place.commune,
    )


def _invite(draft, owner, email=ARCHITECT_EMAIL):
    return draft_collaborator_invite(actor=owner, draft=draft, email=email)


def _fresh(user):
    """The same person in a new request (the policy's answers are cached per actor)."""
    forget_policy_answers(user)
    return user


def _link_of(message) -> str:
    found = re.search(r"/demarches/invitations/[^/\s]+/", message.body)
    assert found, message.body
    return found.group(0)


def test_invite_accept_complete_and_the_owner_submits(
    client, place, contact, architect, django_capture_on_commit_callbacks
):
    owner_client = client
    owner_client.force_login(place.citizen)
    response = owner_client.post(
        reverse("cases:start", args=["contact"]), {"commune": place.commune.slug}
    )
    draft = CaseDraft.objects.get(owner=place.citizen)
    assert response.status_code == 302
    owner_client.post(
        reverse("cases:draft_page", args=[draft.token, "demande"]), {**PAGE1, "action": "save"}
    )
    sharing = reverse("sharing:draft_collaborators", args=[draft.token])
    page = owner_client.get(reverse("cases:draft_page", args=[draft.token, "demande"]))
    assert "Inviter un co-rédacteur" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(sharing, {"action": "invite", "email": ARCHITECT_EMAIL})
    assert response.status_code == 302
    invitation = mail.outbox[-1]
    assert invitation.to == [ARCHITECT_EMAIL]
    assert "Contacter ma mairie" in invitation.subject
    # nothing of the draft but its service's name
    for message_text in (invitation.subject, invitation.body):
        assert "CONFIDENTIEL" not in message_text and "secret" not in message_text
    link = _link_of(invitation)
    stored = CaseDraftCollaborator.objects.get(draft=draft)
    assert link.rstrip("/").rsplit("/", 1)[1] not in stored.token_hash  # kept hashed only

    from django.test import Client

    architect_client = Client()
    assert architect_client.get(link).status_code == 302  # sign in first
    architect_client.force_login(architect)
    page = architect_client.get(link)
    assert page.status_code == 200 and "Accepter l'invitation" in page.content.decode()
    response = architect_client.post(link)
    assert response["Location"] == reverse("cases:draft", args=[draft.token])
    # the draft is in the architect's space
    space = unescape(architect_client.get(reverse("cases:my_cases")).content.decode())
    assert "Dossiers que je prépare pour d'autres" in space and "Claude Usager" in space
    dashboard = unescape(architect_client.get(reverse("portal:dashboard")).content.decode())
    assert "Dossiers que je prépare pour d'autres" in dashboard
    # they complete a page and add a PDF piece
    response = architect_client.post(
        reverse("cases:draft_page", args=[draft.token, "demande"]),
        {
            **PAGE1,
            "f_objet": "Objet complété",
            "action": "save",
            "f_piece": SimpleUploadedFile("plan-masse.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.data["objet"] == "Objet complété"
    assert draft.attachments.get().uploaded_by == architect
    # the collaborator cannot submit: the review offers "ready" instead, a POST is refused
    review_url = reverse("cases:draft_review", args=[draft.token])
    review = architect_client.get(review_url).content.decode()
    assert "Envoyer ma demande" not in review and "Prêt pour la signature" in review
    assert architect_client.post(review_url).status_code in (403, 404)
    assert not Case.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        architect_client.post(sharing, {"action": "ready"})
    assert Notification.objects.filter(recipient=place.citizen, url__contains=str(draft.token))
    # the owner sees who did what
    history = owner_client.get(sharing).content.decode()
    assert "Alma Archi" in history and "plan-masse.pdf" in history
    kinds = list(CaseDraftEvent.objects.filter(draft=draft).values_list("kind", "actor"))
    assert ("piece_added", architect.pk) in kinds and ("page_saved", architect.pk) in kinds
    assert ("ready", architect.pk) in kinds
    # the owner submits; the case keeps who prepared it
    owner_client.post(
        reverse("cases:draft_page", args=[draft.token, "coordonnees"]),
        {"f_email": place.citizen.email, "action": "next"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(review_url)
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:receipt", args=[case.reference])
    assert case.requester == place.citizen
    prepared = case.events.get(kind=CaseEvent.Kind.PREPARED)
    assert "Alma Archi" in prepared.summary and "co-rédacteur" in prepared.summary
    assert not CaseDraftCollaborator.objects.exists()  # gone with the draft


def test_an_account_with_another_address_cannot_accept(client, place, draft, architect):
    _collaborator, token = _invite(draft, place.citizen)
    client.force_login(place.other_citizen)
    link = reverse("sharing:draft_invitation", args=[token])
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 403
        body = response.content.decode()
        assert "envoyée à une autre adresse électronique" in body
        assert "Contacter ma mairie" not in body  # nothing of the draft shown
    assert CaseDraftCollaborator.objects.get().accepted_at is None
    assert client.get(reverse("cases:draft", args=[draft.token])).status_code == 404


def _expired(invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()


def _used(invitation):
    draft_invitation_accept(actor=invitation.user_for_test, token=invitation.token_for_test)


def _revoked(invitation):
    draft_collaborator_revoke(
        actor=invitation.draft.owner, draft=invitation.draft, collaborator_id=invitation.pk
    )


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_expired, "Cette invitation a expiré"),
        (_used, "Cette invitation a déjà été utilisée"),
        (_revoked, "Cette invitation a été retirée"),
    ],
)
def test_an_expired_used_or_revoked_link_is_refused(
    client, place, draft, architect, spoil, message
):
    invitation, token = _invite(draft, place.citizen)
    invitation.user_for_test, invitation.token_for_test = architect, token
    spoil(invitation)
    with pytest.raises(InvitationRefused, match=message):
        draft_invitation_accept(actor=_fresh(architect), token=token)
    client.force_login(architect)
    response = client.post(reverse("sharing:draft_invitation", args=[token]))
    assert response.status_code == 403 and message in response.content.decode()


def test_a_forged_link_is_not_found(client, architect):
    client.force_login(architect)
    assert client.get(reverse("sharing:draft_invitation", args=["forged"])).status_code == 404
    with pytest.raises(PolicyDenied):
        draft_invitation_accept(actor=architect, token="forged")


def test_a_revoked_collaborator_is_told_the_draft_does_not_exist(client, place, draft, architect):
    invitation, token = _invite(draft, place.citizen)
    draft_invitation_accept(actor=architect, token=token)
    client.force_login(architect)
    urls = [
        reverse("cases:draft", args=[draft.token]),
        reverse("cases:draft_page", args=[draft.token, "demande"]),
        reverse("cases:draft_review", args=[draft.token]),
        reverse("sharing:draft_collaborators", args=[draft.token]),
    ]
    assert all(client.get(url).status_code in (200, 302) for url in urls)
    draft_collaborator_revoke(actor=place.citizen, draft=draft, collaborator_id=invitation.pk)
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {**PAGE1, "action": "save"}).status_code == 404, url
    with pytest.raises(PolicyDenied):
        draft_save(
            actor=_fresh(architect),
            version=draft.version,
            data={"objet": "x"},
            page="demande",
            draft=draft,
            files={"piece": [SimpleUploadedFile("x.pdf", pdf_bytes(), "application/pdf")]},
        )
    assert not draft.attachments.exists()
    space = client.get(reverse("cases:my_cases")).content.decode()
    assert "Dossiers que je prépare" not in space
    # the same address may be invited again
    _invite(draft, place.citizen)


def test_a_stranger_is_told_the_draft_does_not_exist(client, place, draft):
    _invite(draft, place.citizen)
    client.force_login(place.other_citizen)
    for url in (
        reverse("cases:draft", args=[draft.token]),
        reverse("cases:draft_review", args=[draft.token]),
        reverse("sharing:draft_collaborators", args=[draft.token]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "invite", "email": "x@example.org"}).status_code == 404
    assert CaseDraftCollaborator.objects.count() == 1


def test_the_collaborator_neither_submits_nor_manages_the_collaborators(place, draft, architect):
    invitation, token = _invite(draft, place.citizen)
    draft_invitation_accept(actor=architect, token=token)
    with pytest.raises(PolicyDenied):
        case_submit(
            actor=architect,
            definition=draft.version.definition,
            data={**draft.data, "theme": "etat_civil", "message": "m", "email": ARCHITECT_EMAIL},
            channel=Channel.WEB,
            requester=architect,
            commune=place.commune,
            portal=True,
            draft=draft,
        )
    with pytest.raises(PolicyDenied):
        _invite(draft, architect, email="autre@example.org")
    with pytest.raises(PolicyDenied):
        draft_collaborator_revoke(actor=architect, draft=draft, collaborator_id=invitation.pk)
    assert CaseDraft.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("owner", "save", True),
        ("owner", "submit", True),
        ("owner", "share", True),
        ("owner", "ready", False),
        ("collaborator", "save", True),
        ("collaborator", "ready", True),
        ("collaborator", "submit", False),
        ("collaborator", "share", False),
        ("invited", "save", False),  # invited, not yet accepted
        ("revoked", "save", False),
        ("stranger", "save", False),
    ],
)
def test_the_draft_policy(place, draft, who, action, allowed):
    people = {"owner": place.citizen, "stranger": place.other_citizen}
    for state in ("collaborator", "invited", "revoked"):
        person = CitizenFactory(email=f"{state}@example.org")
        invitation, token = _invite(draft, place.citizen, email=person.email)
        if state != "invited":
            draft_invitation_accept(actor=person, token=token)
        if state == "revoked":
            draft_collaborator_revoke(
                actor=place.citizen, draft=draft, collaborator_id=invitation.pk
            )
        people[state] = person
    actor = _fresh(people[who])
    assert draft_policy.can_act(actor, draft, action) is allowed
    seen = set(draft_policy.scope(actor, CaseDraft.objects.all()).values_list("pk", flat=True))
    assert (draft.pk in seen) is (who in ("owner", "collaborator"))


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("pas-une-adresse", "Adresse électronique invalide."),
        ("claude.usager@example.org", "Indiquez l'adresse de la personne à inviter."),
        (ARCHITECT_EMAIL.upper(), "Cette personne est déjà invitée"),
    ],
)
def test_a_bad_invitation_is_refused_with_its_reason(client, place, draft, email, error):
    _invite(draft, place.citizen)
    client.force_login(place.citizen)
    response = client.post(
        reverse("sharing:draft_collaborators", args=[draft.token]),
        {"action": "invite", "email": email},
    )
    assert response.status_code == 400 and error in unescape(response.content.decode())
    assert CaseDraftCollaborator.objects.count() == 1


def test_a_planning_draft_invites_a_mandated_architect(client, place, architect):
    document = service_document()
    document["key"] = "urbanism.essai"  # a service of the urbanism app (its manifest's role)
    definition = published_service(organisation=place.commune, document=document)
    draft = case_draft(definition=definition, owner=place.citizen, commune=place.commune)
    client.force_login(place.citizen)
    page = client.get(reverse("cases:draft", args=[draft.token])).content.decode()
    assert "Inviter un architecte mandataire" in page
    client.post(
        reverse("sharing:draft_collaborators", args=[draft.token]),
        {"action": "invite", "email": ARCHITECT_EMAIL},
    )
    assert CaseDraftCollaborator.objects.get().role == CaseDraftCollaborator.Role.ARCHITECT
    listing = client.get(reverse("cases:draft", args=[draft.token])).content.decode()
    assert ARCHITECT_EMAIL in listing and "invitation en attente" in listing
