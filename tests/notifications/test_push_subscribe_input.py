"""The push subscription door reads JSON; any other body is a clear 400, never a 500."""

import pytest

from guichet.notifications.models import PushSubscription

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body,content_type",
    [
        ({"endpoint": "https://push.example.org/x"}, "multipart/form-data; boundary=BoUnDaRy"),
        ("endpoint=https%3A%2F%2Fpush.example.org%2Fx", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(citizen_client, body, content_type):
    if isinstance(body, dict):  # the test client encodes a dict as multipart
        response = citizen_client.post("/notifications/push/abonnement/", body)
    else:
        response = citizen_client.post(
            "/notifications/push/abonnement/", body, content_type=content_type
        )
    assert response.status_code == 400
    assert PushSubscription.objects.count() == 0
