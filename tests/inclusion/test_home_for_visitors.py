"""The home page shows a visitor without an account what they can do at once."""

import re

import pytest
from django.urls import reverse

from guichet.cases.models import Channel
from guichet.cases.submission import case_submit
from guichet.catalogue.models import ServiceDefinition

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_what_they_can_do(client, demo):
    html = client.get("/").content.decode()
    for link in (
        reverse("publicspace:start"),
        reverse("cases:catalogue"),
        reverse("support:index"),
        reverse("support:contact"),
        reverse("localinfo:commune", args=["oullins"]),
        reverse("login"),
    ):
        assert f'href="{link}"' in html, link
    assert f'action="{reverse("cases:tracking")}"' in html
    assert "04 65 71 00 00" in html


def test_following_a_request_from_the_home_page(client, demo):
    contact = ServiceDefinition.objects.get(key="contact")
    submission = case_submit(
        actor=None,
        definition=contact,
        data={"theme": "autre", "objet": "Horaires", "message": "Horaires du samedi ?"},
        channel=Channel.PHONE,
        contact={"name": "M. Dupont", "phone": "0478000000"},
        commune=demo["oullins"],
    )
    home = client.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
    assert token is not None
    response = client.post(
        reverse("cases:tracking"),
        {"reference": submission.case.reference, "code": submission.tracking_code},
    )
    assert response["Location"] == reverse("cases:case", args=[submission.case.reference])
    page = client.get(response["Location"]).content.decode()
    assert "Accueil — Oullins" in page
