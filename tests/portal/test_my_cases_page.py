"""/demarches/mes-demandes/: every case of the citizen, newest first, a page at a time."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

URL = "/demarches/mes-demandes/"


def _references(html: str) -> list[str]:
    return re.findall(r'href="/demarches/demandes/([^/]+)/"', html)


def test_my_cases_are_paginated_newest_first(client, citizen, users, file_contact, place):
    filed = [file_contact(citizen, objet=f"Demande {n}").reference for n in range(23)]
    theirs = file_contact(users["neighbour"], commune=place.other_commune).reference
    client.force_login(citizen)

    first = client.get(URL).content.decode()
    assert _references(first) == filed[::-1][:20]
    assert "Page 1 sur 2" in first and 'href="?page=2"' in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert _references(second) == filed[::-1][20:]
    assert theirs not in first + second
    # A page number out of range or not a number shows a real page, never an error.
    assert _references(client.get(URL, {"page": 99}).content.decode()) == filed[::-1][20:]
    assert _references(client.get(URL, {"page": "x"}).content.decode()) == filed[::-1][:20]


def _queries(client) -> int:
    client.get(URL)  # warm the per-process cache of published versions
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_does_not_read_more_with_more_cases(client, citizen, file_contact):
    file_contact(citizen)
    client.force_login(citizen)
    one = _queries(client)
    for n in range(25):
        file_contact(citizen, objet=f"Demande {n}")
    assert _queries(client) == one
