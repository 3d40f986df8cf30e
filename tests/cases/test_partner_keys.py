"""Partner keys stay in their organisation (issue #14): a key files only what its
organisation is in charge of (a commune's key: inside the commune), whatever the payload says;
reads back only the cases it holds or filed; never links a case to an account by e-mail."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.http import Http404

from guichet.cases.models import Case, ReferenceCounter
from guichet.cases.partner_keys import partner_api_key_create
from guichet.cases.selectors import case_get_by_tracking

API = "/api/v1/cases"
# a point in each commune of the territory (tests.factories.territory): the key's commune
# ("Bron", the other commune) and the commune it must not file in ("Lyon", the citizen's)
LYON = {"lat": 45.714, "lon": 4.807}
BRON = {"lat": 45.7386, "lon": 4.913}
HOME = "<the citizen's commune>"


def _post(client, payload, secret):
    return client.post(
        f"{API}/partner",
        json.dumps(payload),
        content_type="application/json",
        HTTP_X_API_KEY=secret,
    )


def _counters():
    return list(ReferenceCounter.objects.order_by("pk").values_list("prefix", "year", "last"))


@pytest.fixture
def bron_key(place):
    return partner_api_key_create(actor=None, organisation=place.other_commune, name="Site Bron")


@pytest.fixture
def metro_key(place):
    return partner_api_key_create(actor=None, organisation=place.metropolis, name="Appli métropole")


@pytest.mark.parametrize(
    "extra",
    [
        {"location": LYON},  # the location moves the case to Lyon
        {"commune": "<the key's commune>", "location": LYON},
        {"commune": HOME},
        {"commune": HOME, "location": BRON},
    ],
)
def test_a_bron_key_cannot_file_in_lyon_whatever_the_payload_says(
    client, place, bron_key, contact_data, extra
):
    _key, secret = bron_key
    if "commune" in extra:
        mine = extra["commune"] != HOME
        extra = {**extra, "commune": (place.other_commune if mine else place.commune).slug}
    before, counters = Case.objects.count(), _counters()
    payload = {"service": "contact", "data": contact_data, "contact_email": "a@example.org"}
    response = _post(client, {**payload, **extra}, secret)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "out_of_scope"
    assert place.other_commune.name in response.json()["message"]
    assert Case.objects.count() == before and _counters() == counters
    assert mail.outbox == []


def test_a_bron_key_files_in_bron_by_location(place, client, bron_key, contact_data):
    key, secret = bron_key
    payload = {"service": "contact", "data": contact_data, "contact_email": "a@example.org"}
    response = _post(client, {**payload, "location": BRON}, secret)
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.commune == place.other_commune and case.organisation == place.other_commune
    assert case.partner_key == key


def test_a_metropolis_key_files_only_what_the_metropolis_is_in_charge_of(
    place, client, metro_key, contact_data, encombrants
):
    _key, secret = metro_key
    before, counters = Case.objects.count(), _counters()
    # "contact" is published by the metropolis but routed to each commune's front desk
    refused = _post(
        client,
        {
            "service": "contact",
            "data": contact_data,
            "commune": place.commune.slug,
            "contact_email": "a@b.fr",
        },
        secret,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "out_of_scope"
    assert Case.objects.count() == before and _counters() == counters


def test_a_key_reads_back_only_the_cases_its_organisation_holds_or_it_filed(
    place, client, bron_key, metro_key, contact_data, file_case
):
    _key, secret = bron_key
    payload = {"service": "contact", "data": contact_data, "contact_email": "a@example.org"}
    mine = _post(client, payload, secret).json()["reference"]
    oullins = file_case(commune=place.commune).reference
    bron_citizen = file_case(commune=place.other_commune).reference
    read = client.get(f"{API}/partner/{mine}", HTTP_X_API_KEY=secret)
    assert read.status_code == 200 and read.json()["organisation"] == place.other_commune.slug
    assert client.get(f"{API}/partner/{bron_citizen}", HTTP_X_API_KEY=secret).status_code == 200
    other = client.get(f"{API}/partner/{oullins}", HTTP_X_API_KEY=secret)
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    _metro, metro_secret = metro_key
    assert client.get(f"{API}/partner/{mine}", HTTP_X_API_KEY=metro_secret).status_code == 404
    assert client.get(f"{API}/partner/{mine}").status_code == 401


def _claim_link(recipient: str) -> str:
    [message] = [m for m in mail.outbox if recipient in m.to]
    return re.search(r"https?://\S+/demarches/rattacher/\S+/", message.body).group(0)


@pytest.mark.parametrize("field", ["requester_email", "contact_email"])
def test_a_key_never_links_a_case_to_an_account_by_its_email(
    client, bron_key, contact_data, citizen, field, django_capture_on_commit_callbacks
):
    _key, secret = bron_key
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, {"service": "contact", "data": contact_data, field: citizen.email}, secret
        )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.requester is None and case.contact_email == citizen.email
    assert not Case.objects.filter(requester=citizen, pk=case.pk).exists()
    # the person is told, with a link to claim the case into their account
    assert "/demarches/rattacher/" in _claim_link(citizen.email)


def test_the_claim_link_attaches_the_case_to_the_account_with_that_verified_address(
    client, bron_key, contact_data, citizen, place, django_capture_on_commit_callbacks
):
    _key, secret = bron_key
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            {
                "service": "contact",
                "data": contact_data,
                "contact_email": citizen.email.upper(),
            },
            secret,
        )
    reference, tracking = response.json()["reference"], response.json()["tracking_code"]
    link = _claim_link(citizen.email.upper())
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    # signed out: to the sign-in page, nothing changes
    assert client.post(path).status_code == 302
    # another account cannot claim it
    client.force_login(place.other_citizen)
    refused = client.post(path)
    assert refused.status_code == 403
    assert Case.objects.get(reference=reference).requester is None
    # the citizen, whose address is unverified, cannot either
    EmailAddress.objects.filter(user=citizen).update(verified=False)
    client.force_login(citizen)
    assert client.post(path).status_code == 403
    assert Case.objects.get(reference=reference).requester is None
    # verified: the page shows the case, the confirmation attaches it
    EmailAddress.objects.filter(user=citizen).update(verified=True)
    page = client.get(path)
    assert page.status_code == 200 and reference in page.content.decode()
    done = client.post(path)
    assert done.status_code == 302
    case = Case.objects.get(reference=reference)
    assert case.requester == citizen and case.tracking_hash == ""
    # the tracking code the partner holds no longer opens it; the link is spent
    with pytest.raises(Http404):
        case_get_by_tracking(reference=reference, code=tracking)
    assert client.get(path).status_code == 404


def test_a_forged_claim_link_is_not_found(client, citizen):
    client.force_login(citizen)
    assert client.get("/demarches/rattacher/forged:token/").status_code == 404
