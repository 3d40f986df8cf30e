"""Schemathesis over /api/v1/openapi.json: every operation, generated input, as an anonymous
caller, a citizen, an agent (second factor passed) and a partner; no server error and no response
that the schema does not declare.

Bounded for the CI: a few examples per operation, derandomised (same inputs every run), no
shrinking. The app is called in process (WSGI), inside the test's database transaction.
"""

import pytest
import schemathesis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from guichet.cases.partner_keys import partner_api_key_create
from tests.conftest import login_with_second_factor

MAX_EXAMPLES = 8
ACTORS = ["anonymous", "citizen", "agent", "partner"]


@pytest.fixture
def _connection_kept_open():
    """The WSGI handler closes the database connection at the end of each request; Django's
    test client stops it doing so (the test's transaction lives on that connection): so do we."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ACTORS)
def actor(request):
    return request.param


@pytest.fixture
def actor_headers(actor, place, client):
    """Headers and cookies of the actor: a session cookie (and a CSRF token) or a partner key.
    The territory has a case of the citizen (in the agent's queue) and a report, so that the
    answers hold rows to check against the schema."""
    from tests.factories.cases import case_message, filed_case
    from tests.factories.publicspace import filed_report, report_service

    case = filed_case(
        definition=place.services["contact"], requester=place.citizen, commune=place.commune
    )
    case_message(case=case, author=place.citizen, body="Une précision.")
    report_service(place)
    filed_report(point=place.point, requester=place.citizen)
    csrf = get_random_string(32)
    cookies = {settings.CSRF_COOKIE_NAME: csrf}
    headers = {"X-CSRFToken": csrf}
    if actor == "citizen":
        client.force_login(place.citizen)
    elif actor == "agent":
        login_with_second_factor(client, place.agent)
    elif actor == "partner":
        commune = place.other_commune
        _key, secret = partner_api_key_create(actor=None, organisation=commune, name=commune.name)
        headers["X-Api-Key"] = secret
    if actor in ("citizen", "agent"):
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return headers, cookies


def _failures_of(operation, headers, cookies) -> str | None:
    """Schemathesis's report of ``operation``'s first failing example, or None."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # A session cookie authenticates whatever the Authorization header says: the check
        # that a wrong bearer token is refused cannot see the cookie, so it is left out then.
        excluded = [ignored_auth] if settings.SESSION_COOKIE_NAME in cookies else []
        if operation.method.upper() == "POST":
            # A case's data are checked against its service's own form (cases.submission_checks), a
            # commune against the territory: a schema-valid body may still be a 422 there.
            excluded.append(positive_data_acceptance)
        case.call_and_validate(
            headers=headers,
            cookies=cookies,
            excluded_checks=excluded,
            environ_base={"REMOTE_ADDR": "192.0.2.10"},  # as any server gives it
        )

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis.s failures, or a crash
        return f"{operation.label}: {exc}"
    return None


def test_api_answers_as_its_schema_says(actor_headers, _connection_kept_open):
    headers, cookies = actor_headers
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    # A NUL byte is refused by the middleware before any operation (400, test_edges.py): here
    # the operations themselves are exercised.
    schema.config.generation.update(allow_x00=False)
    failures = []
    for result in schema.get_all_operations():
        failure = _failures_of(result.ok(), headers, cookies)
        if failure:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)
