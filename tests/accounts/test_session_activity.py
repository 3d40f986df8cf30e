"""The "active sessions" page shows when each session was last seen; the date is recorded at
most once per USERSESSIONS_ACTIVITY_SECONDS per session, not on every page view."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=3)


def _signed_in(citizen, password) -> Client:
    browser = Client(HTTP_USER_AGENT="Ordinateur")
    browser.post("/comptes/login/", {"login": citizen.email, "password": password})
    return browser


def _last_seen():
    return UserSession.objects.get().last_seen_at


def test_login_lists_the_session_at_once(citizen, password):
    _signed_in(citizen, password)
    assert UserSession.objects.filter(user=citizen).count() == 1


def test_activity_is_recorded_once_per_interval(citizen, password):
    browser = _signed_in(citizen, password)
    UserSession.objects.update(last_seen_at=LONG_AGO)

    browser.get("/comptes/profil/")
    assert _last_seen() > LONG_AGO  # first page of the interval: recorded

    UserSession.objects.update(last_seen_at=LONG_AGO)
    browser.get("/comptes/profil/")
    browser.get("/mon-espace/")
    assert _last_seen() == LONG_AGO  # same interval: no write

    cache.clear()  # the interval has passed
    browser.get("/comptes/profil/")
    assert _last_seen() > LONG_AGO


def test_anonymous_pages_record_nothing(place):
    Client().get("/")
    assert not UserSession.objects.exists()
