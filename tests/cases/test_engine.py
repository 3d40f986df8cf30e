"""The done-when scenario and the engine's rules."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from guichet.cases.errors import CaseInputError
from guichet.cases.handling import case_transition
from guichet.cases.models import Case, Channel, ReferenceCounter
from guichet.cases.selectors import timeline_for_citizen
from guichet.cases.submission import case_submit
from guichet.cases.workflow import WorkflowError, available_transitions
from guichet.catalogue.services import service_availability_set, service_import
from guichet.core.policies import PolicyDenied
from guichet.operations.worker import GuichetWorker
from tests.factories.territory import restricted_commune

DEFINITION = {
    "format": "guichet.service/1",
    "key": "contact.etat_civil",
    "name": "Demande d'acte d'état civil",
    "reference_prefix": "ETC",
    "form": {
        "pages": [
            {
                "key": "acte",
                "title": "L'acte",
                "fields": [
                    {
                        "key": "acte",
                        "type": "choice",
                        "label": "Acte",
                        "required": True,
                        "choices": [
                            {"value": "naissance", "label": "Naissance"},
                            {"value": "mariage", "label": "Mariage"},
                        ],
                    },
                    {"key": "nom", "type": "text", "label": "Nom", "required": True},
                ],
            },
        ]
    },
    "workflow": {
        "functions": [{"key": "receiver", "label": "Accueil"}],
        "initial": "new",
        "statuses": [
            {"key": "new", "label": "INTERNE nouvelle", "citizen_label": "Reçue"},
            {
                "key": "check",
                "label": "INTERNE vérification",
                "citizen_label": "En cours",
                "timer": {"days": 3, "transition": "send"},
            },
            {
                "key": "sent",
                "label": "INTERNE expédiée",
                "citizen_label": "Acte envoyé",
                "closed": True,
                "on_enter": [
                    {
                        "type": "notify",
                        "to": "citizen",
                        "subject": "[{{ reference }}] Acte envoyé",
                        "body": "Votre acte est parti. Statut : {{ status }}",
                    }
                ],
            },
        ],
        "transitions": [
            {
                "key": "take",
                "label": "Vérifier",
                "from": ["new"],
                "to": "check",
                "functions": ["receiver"],
                "actions": [{"type": "assign", "to": "actor"}],
            },
            {
                "key": "send",
                "label": "Expédier",
                "from": ["check"],
                "to": "sent",
                "functions": ["receiver"],
            },
        ],
    },
}


@pytest.mark.django_db(transaction=True)
def test_a_service_imported_from_json_runs_end_to_end(place, platform_admin):
    admin, camille = platform_admin, place.citizen
    version = service_import(
        actor=admin,
        organisation=place.metropolis,
        document=json.loads(json.dumps(DEFINITION)),
        publish=True,
    )
    definition = version.definition
    service_availability_set(
        actor=admin, definition=definition, communes=[place.commune, place.other_commune]
    )

    # the citizen files it (her commune): the "contact" rule sends it to its reception
    submission = case_submit(
        actor=camille,
        definition=definition,
        channel=Channel.WEB,
        requester=camille,
        commune=place.commune,
        portal=True,
        data={"acte": "naissance", "nom": "Martin"},
    )
    case = submission.case
    assert re.fullmatch(r"ETC-\d{4}-000001", case.reference)
    assert (case.organisation, case.team.slug) == (place.commune, "accueil")
    assert case.version == version
    assert any(case.reference in m.subject for m in mail.outbox)  # receipt

    # an agent of Oullins moves it; the Bron agent may not
    assert [t.key for t in available_transitions(case, place.other_agent)] == []
    with pytest.raises(PolicyDenied) as refused:  # not Bron's: "no such case"
        case_transition(actor=place.other_agent, case=case, transition="take")
    assert refused.value.code == "not_found"
    case = case_transition(actor=place.agent, case=case, transition="take")
    assert case.status == "check" and case.assignee == place.agent

    # three days later the timer fires through the worker's periodic job
    Case.objects.filter(pk=case.pk).update(timer_due_at=timezone.now() - timedelta(minutes=1))
    GuichetWorker(worker_id="test-cases", interval=0).run_once()
    case.refresh_from_db()
    assert case.status == "sent" and case.is_closed
    assert any("Acte envoyé" in m.subject for m in mail.outbox)

    # the citizen sees citizen-facing labels only
    texts = " ".join(e["text"] for e in timeline_for_citizen(case))
    assert "En cours" in texts and "Acte envoyé" in texts
    assert "INTERNE" not in texts

    # every step is in the history
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[:2] == ["submitted", "routed"]
    for kind in ("assigned", "transition", "timer", "notified"):
        assert kind in kinds
    transitions = list(case.events.filter(kind="transition").values_list("status_to", flat=True))
    assert transitions == ["check", "sent"]


def test_references_are_sequential_per_prefix_and_year(place, file_case):
    first, second = file_case(), file_case(commune=place.other_commune)
    n1, n2 = int(first.reference[-6:]), int(second.reference[-6:])
    assert n2 == n1 + 1
    year = timezone.localtime().year
    assert ReferenceCounter.objects.get(prefix="MAIRIE", year=year).last == n2


BAD = [
    ("missing required field", {"objet": ""}, None, "objet", "Ce champ est obligatoire."),
    ("wrong type", {"theme": 3}, None, "theme", "Valeur invalide."),
    ("unknown field", {"hack": "x"}, None, "hack", "Champ inconnu pour ce service."),
    (
        "fake pdf",
        {},
        {"piece": [("note.pdf", b"MZ\x90\x00 not a pdf")]},
        "piece",
        "n'est pas d'un type accepté",
    ),
    (
        "oversized file",
        {},
        {"piece": [("big.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))]},
        "piece",
        "dépasse 10 Mo",
    ),
]


@pytest.mark.parametrize(
    ("what", "changes", "files", "key", "message"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_input_is_refused_with_a_clear_error_and_saves_nothing(
    contact, place, contact_data, what, changes, files, key, message
):
    data = {**contact_data, **changes}
    before = (Case.objects.count(), list(ReferenceCounter.objects.values_list("last", flat=True)))
    with pytest.raises(CaseInputError) as exc:
        case_submit(
            actor=place.citizen,
            definition=contact,
            data=data,
            channel=Channel.WEB,
            requester=place.citizen,
            commune=place.commune,
            files=files,
        )
    assert message in exc.value.errors[key]
    after = (Case.objects.count(), list(ReferenceCounter.objects.values_list("last", flat=True)))
    assert after == before


def test_anonymous_request_gets_a_tracking_code_and_needs_contact(contact, place, contact_data):
    with pytest.raises(CaseInputError) as exc:
        case_submit(
            actor=None,
            definition=contact,
            data=contact_data,
            channel=Channel.WEB,
            commune=place.other_commune,
        )
    assert "contact_email" in exc.value.errors
    submission = case_submit(
        actor=None,
        definition=contact,
        data=contact_data,
        channel=Channel.WEB,
        commune=place.other_commune,
        contact={"name": "Jo", "email": "jo@example.org"},
    )
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", submission.tracking_code)
    assert submission.tracking_code not in submission.case.tracking_hash


def _encombrants_at(encombrants, place, postcode, city, lat, lon):
    """The other citizen asks, from the app, for two pieces of furniture taken at 1 rue X."""
    return case_submit(
        actor=place.other_citizen,
        definition=encombrants,
        channel=Channel.APP,
        requester=place.other_citizen,
        data={
            "objets": [{"nature": "meuble", "quantite": 2}],
            "adresse": {"street": "1 rue X", "postcode": postcode, "city": city},
            "position": {"lat": lat, "lon": lon},
        },
    )


def test_location_decides_the_commune_and_routing(encombrants, place):
    lat, lon = place.other_point
    case = _encombrants_at(encombrants, place, "69500", "Bron", lat, lon).case
    assert case.commune == place.other_commune
    assert (case.organisation, case.team.slug) == (place.metropolis, "proprete")
    assert case.deadline is not None  # on_enter action of the initial status


def test_outside_the_territory_is_refused(encombrants, place):
    with pytest.raises(CaseInputError) as exc:
        _encombrants_at(encombrants, place, "75001", "Paris", 48.86, 2.35)
    assert "en dehors du territoire" in exc.value.errors["location"]


def test_comment_required_and_submitter_function(file_case, place, encombrants):
    case = file_case()
    with pytest.raises(WorkflowError) as exc:
        case_transition(actor=place.agent, case=case, transition="answer")
    assert exc.value.code == "comment_required"
    case.refresh_from_db()
    assert case.status == "new"
    case = case_transition(
        actor=place.agent,
        case=case,
        transition="answer",
        comment="Votre acte vous a été envoyé.",
    )
    assert case.is_closed
    public = timeline_for_citizen(case)
    assert public[-1]["text"] == "Traitée"
    assert public[-1]["comment"] == "Votre acte vous a été envoyé."


def test_images_are_reencoded_without_metadata(file_case, contact_data):
    import io

    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    assert b"SecretCameraMaker" in buffer.getvalue()
    # a name that disagrees with the content is refused (tests/cases/test_uploads.py)
    case = file_case(files={"piece": [("photo.jpeg", buffer.getvalue())]})
    attachment = case.attachments.get()
    assert attachment.content_type == "image/jpeg"
    stored = attachment.file.read()
    assert b"SecretCameraMaker" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_document_action_attaches_a_pdf(file_case, place):
    from guichet.cases.workflow import run_actions

    case = file_case()
    run_actions(
        case,
        [
            {
                "type": "document",
                "title": "Récépissé {{ reference }}",
                "body": "Demande reçue le jour même.",
            }
        ],
        actor=place.agent,
    )
    attachment = case.attachments.get(generated=True)
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF-")


def test_gdpr_export_and_erasure_of_a_citizens_cases(file_case, place):
    from guichet.cases.gdpr import erase, export
    from guichet.cases.messages import case_message_add

    case = file_case()
    case_message_add(
        actor=place.citizen, case=case, body="Mon secret", from_citizen=True, notify=False
    )
    exported = export(place.citizen)
    assert case.reference in [c["reference"] for c in exported]
    erase(place.citizen)
    case.refresh_from_db()
    assert case.requester is None and case.search_text == ""
    assert "Mon secret" not in case.messages.get().body


def test_a_draft_is_submitted_once(contact, place, contact_data):
    from guichet.cases.drafts import draft_save

    camille = place.citizen
    draft = draft_save(
        actor=camille,
        version=contact.current_version,
        data=contact_data,
        page="coordonnees",
        commune=place.commune,
    )
    stale = type(draft).objects.get(pk=draft.pk)

    def submit(draft):
        return case_submit(
            actor=camille,
            definition=contact,
            data=draft.data,
            channel=Channel.WEB,
            requester=camille,
            commune=place.commune,
            draft=draft,
        )

    submit(draft)
    before = Case.objects.count()
    with pytest.raises(CaseInputError) as exc:
        submit(stale)
    assert exc.value.code == "already_submitted"
    assert Case.objects.count() == before


def test_a_timer_that_cannot_fire_is_dropped_and_recorded_without_blocking_others(file_case, place):
    from guichet.cases.workflow import timers_fire

    blocked, fine = file_case(), file_case(commune=place.other_commune)
    for case, agent in ((blocked, place.agent), (fine, place.other_agent)):
        case_transition(actor=agent, case=case, transition="take")
        case_transition(actor=agent, case=case, transition="ask", comment="Pièce ?")
    # the definition is immutable, so simulate a refusal: the case moved on by hand meanwhile
    Case.objects.filter(pk=blocked.pk).update(status="in_progress")
    Case.objects.filter(pk__in=[blocked.pk, fine.pk]).update(
        timer_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert timers_fire() == 1
    blocked.refresh_from_db()
    fine.refresh_from_db()
    assert fine.status == "expired"
    assert blocked.status == "in_progress" and blocked.timer_due_at is None


@pytest.mark.parametrize(
    ("where", "portal", "located", "offered"),
    [
        ("commune", True, False, True),
        ("commune", True, True, True),
        ("other_commune", True, False, False),  # taken off the service's communes below
        ("other_commune", False, True, False),  # found from the location, not offered either
        ("restricted", True, False, False),  # restricted offer: not on the portal...
        ("restricted", False, False, True),  # ...but from the back-office and the API
    ],
)
def test_a_case_is_filed_only_in_a_commune_that_offers_the_service(
    contact, place, contact_data, where, portal, located, offered
):
    from guichet.territory.selectors import commune_at

    commune = restricted_commune(place) if where == "restricted" else getattr(place, where)
    contact.communes.remove(place.other_commune)
    camille = place.citizen
    kwargs = {"commune": commune}
    if located:  # no commune given: the one whose boundary holds the point
        point = ((commune.min_lat + commune.max_lat) / 2, (commune.min_lon + commune.max_lon) / 2)
        assert commune_at(lat=point[0], lon=point[1]) == commune
        kwargs = {"location": point}
    before = Case.objects.count()
    submit = lambda: case_submit(  # noqa: E731
        actor=camille, definition=contact, data=contact_data, channel=Channel.WEB,
        requester=camille, portal=portal, **kwargs,
    )  # fmt: skip
    if offered:
        assert submit().case.commune == commune
        assert Case.objects.count() == before + 1
    else:
        with pytest.raises(CaseInputError) as refused:
            submit()
        assert refused.value.errors == {
            "commune": f"Ce service n'est pas proposé dans la commune {commune.name}."
        }
        assert Case.objects.count() == before
