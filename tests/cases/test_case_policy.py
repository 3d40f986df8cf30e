"""The case policy: who sees a case and what they may do to it, asked inside the services; the
doors turn its refusal into 404 (not yours) or 403 (yours to see, not to do)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from guichet.cases.models import Case, CaseMessage, CaseNote
from guichet.cases.policies import TrackingCodeHolder, case_policy
from guichet.core.policies import SYSTEM, PolicyDenied
from guichet.territory.models import Membership
from tests.conftest import login_with_second_factor
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED, NOT_FOUND, FORBIDDEN = "allowed", "not_found", "forbidden"


@pytest.fixture
def people():
    """A case held by organisation X (unsaved: the policy reads only its columns), asked by
    citizen A; an agent of X, an agent of Y, an auditor of X, citizen B."""
    team_x, team_y = TeamFactory(), TeamFactory()
    agent_x = MembershipFactory(team=team_x).user
    agent_y = MembershipFactory(team=team_y).user
    auditor_x = MembershipFactory(team=team_x, role=Membership.Role.AUDITOR).user
    citizen_a, citizen_b = UserFactory(), UserFactory()
    case = Case(pk=4242, organisation_id=team_x.organisation_id, requester_id=citizen_a.pk)
    return {
        "case": case,
        "agent_x": agent_x,
        "agent_y": agent_y,
        "auditor_x": auditor_x,
        "citizen_a": citizen_a,
        "citizen_b": citizen_b,
        "anonymous": AnonymousUser(),
        "holder_of_its_code": TrackingCodeHolder(4242),
        "holder_of_another_code": TrackingCodeHolder(4243),
        "system": SYSTEM,
    }


# Who may do what to a case of organisation X asked by citizen A.
RULES = [
    ("agent_x", "assign", ALLOWED),
    ("agent_x", "note", ALLOWED),
    ("agent_x", "message", ALLOWED),
    ("agent_x", "transition", ALLOWED),
    ("agent_x", "reroute", ALLOWED),
    ("agent_x", "message_from_citizen", FORBIDDEN),  # an agent does not write as the citizen
    ("agent_y", "note", NOT_FOUND),
    ("agent_y", "message", NOT_FOUND),
    ("auditor_x", "note", NOT_FOUND),  # an auditor reviews the access log, reads no case
    ("citizen_a", "message_from_citizen", ALLOWED),
    ("citizen_a", "transition", ALLOWED),  # the workflow then allows the submitter's only
    ("citizen_a", "attachment", ALLOWED),
    ("citizen_a", "note", FORBIDDEN),
    ("citizen_a", "assign", FORBIDDEN),
    ("citizen_a", "message", FORBIDDEN),
    ("citizen_b", "message_from_citizen", NOT_FOUND),
    ("anonymous", "message_from_citizen", NOT_FOUND),
    ("anonymous", "note", NOT_FOUND),
    ("holder_of_its_code", "message_from_citizen", ALLOWED),
    ("holder_of_its_code", "assign", FORBIDDEN),
    ("holder_of_another_code", "message_from_citizen", NOT_FOUND),
    ("system", "assign", ALLOWED),
    ("system", "message_from_citizen", ALLOWED),
]


@pytest.mark.parametrize(("who", "action", "answer"), RULES)
def test_who_may_do_what_to_a_case(people, who, action, answer):
    actor, case = people[who], people["case"]
    if answer == ALLOWED:
        case_policy.require_act(actor, case, action)
        return
    with pytest.raises(PolicyDenied) as refused:
        case_policy.require_act(actor, case, action)
    assert refused.value.code == answer


def test_an_unknown_action_is_a_programming_error(people):
    with pytest.raises(ValueError):
        case_policy.can_act(people["agent_x"], people["case"], "asign")


def test_the_scope_of_each_persona(people):
    from guichet.cases.models import Case as CaseModel

    everything = CaseModel.objects.all()
    agent_x = people["agent_x"]
    assert str(everything.query) == str(case_policy.scope(SYSTEM, everything).query)
    assert not case_policy.scope(people["anonymous"], everything).exists()

    def where(qs):
        return str(qs.query).split(" WHERE ", 1)[1]

    agent_sql = where(case_policy.scope(agent_x, everything, role="agent"))
    assert "organisation_id" in agent_sql and "requester_id" not in agent_sql
    citizen_sql = where(case_policy.scope(people["citizen_a"], everything, role="requester"))
    assert "requester_id" in citizen_sql and "organisation_id" not in citizen_sql
    both = where(case_policy.scope(agent_x, everything))
    assert "organisation_id" in both and "requester_id" in both


def test_the_back_office_is_for_agents_and_the_system(people):
    case_policy.require_back_office(people["agent_x"])
    case_policy.require_back_office(SYSTEM)
    for who in ("citizen_a", "anonymous", "auditor_x"):
        with pytest.raises(PolicyDenied) as refused:
            case_policy.require_back_office(people[who])
        assert refused.value.code == NOT_FOUND


# --- the doors' one mapping ----------------------------------------------------------------------


def test_pages_answer_a_policy_refusal_404_403_or_422():
    from guichet.core.edges import policy_refusal

    request = RequestFactory().get("/backoffice/")
    with pytest.raises(Http404):
        policy_refusal(request, PolicyDenied("not_found"))
    with pytest.raises(PermissionDenied):
        policy_refusal(request, PolicyDenied("forbidden"))
    assert policy_refusal(request, PolicyDenied("invalid", "Non.")).status_code == 422


@pytest.mark.parametrize(
    ("code", "status"), [("not_found", 404), ("forbidden", 403), ("invalid", 422)]
)
def test_the_api_answers_a_policy_refusal_in_its_shape(code, status):
    from guichet.api import _policy_denied

    response = _policy_denied(RequestFactory().get("/api/v1/cases/queue"), PolicyDenied(code))
    assert response.status_code == status
    assert b'"code"' in response.content and code.encode() in response.content


# --- inside the services, and at the doors, with a real case ------------------------------------


def test_citizen_messages_are_checked_inside_the_service(file_case, place):
    from guichet.cases.messages import case_message_add

    case = file_case()  # Camille's
    for stranger in (place.other_citizen, AnonymousUser(), TrackingCodeHolder(case.pk + 1)):
        with pytest.raises(PolicyDenied) as refused:
            case_message_add(actor=stranger, case=case, body="Bonjour", from_citizen=True)
        assert refused.value.code == NOT_FOUND
    assert not CaseMessage.objects.filter(case=case).exists()

    # her own message, with her tracking code, and one placed by the mail gateway (SYSTEM)
    case_message_add(actor=place.citizen, case=case, body="Moi", from_citizen=True)
    case_message_add(actor=TrackingCodeHolder(case.pk), case=case, body="Code", from_citizen=True)
    by_mail = case_message_add(actor=SYSTEM, case=case, body="Courriel", from_citizen=True)
    assert by_mail.author == place.citizen  # the gateway writes as the requester
    assert CaseMessage.objects.filter(case=case).count() == 3

    # an agent's side is refused to her, and to an agent of another organisation
    for actor in (place.citizen, place.other_agent):
        with pytest.raises(PolicyDenied):
            case_message_add(actor=actor, case=case, body="Réponse", from_citizen=False)
    assert CaseMessage.objects.filter(case=case).count() == 3


def test_every_persona_is_refused_at_the_doors_with_404(client, file_case, place):
    case = file_case()  # Camille's, in Oullins
    note_url = reverse("cases_bo:note", args=[case.reference])
    case_url = reverse("cases_bo:case", args=[case.reference])
    message_url = reverse("cases:message", args=[case.reference])

    # anonymous: the back-office asks to sign in; the citizen's case is not there
    assert client.get(case_url).status_code == 302
    assert client.get(reverse("cases:case", args=[case.reference])).status_code == 404
    assert client.post(message_url, {"body": "Bonjour"}).status_code == 404

    # citizen B: her case is not there, for reading or writing; nor is the back-office
    client.force_login(place.other_citizen)
    assert client.get(reverse("cases:case", args=[case.reference])).status_code == 404
    assert client.post(message_url, {"body": "Bonjour"}).status_code == 404
    assert client.get(reverse("cases_bo:queue")).status_code == 404
    assert client.get("/api/v1/cases/queue").status_code == 404

    # an agent of another organisation (second factor passed): 404, page and API alike
    login_with_second_factor(client, place.other_agent)
    assert client.get(case_url).status_code == 404
    assert client.post(note_url, {"body": "Note"}).status_code == 404
    assert client.get(f"/api/v1/cases/agent/{case.reference}").status_code == 404

    assert not CaseMessage.objects.filter(case=case).exists()
    assert not CaseNote.objects.filter(case=case).exists()

    # the agent in charge passes
    login_with_second_factor(client, place.agent)
    assert client.post(note_url, {"body": "Note"}).status_code == 302
    assert CaseNote.objects.filter(case=case).count() == 1
