import pytest

from guichet.cases.models import Channel
from guichet.cases.services import CaseInputError, case_submit
from guichet.services.registry import ServiceManifest, register_manifest, unregister_manifest
from tests.conftest import login_with_second_factor


@pytest.fixture
def manifest(encombrants):
    seen = []
    register_manifest(
        ServiceManifest(
            app_label="testapp",
            key_prefix="proprete.",
            validate=lambda *, version, data, location: (
                {"volume": "Trop volumineux pour une collecte."}
                if (data.get("volume") or 0) > 5
                else {}
            ),
            on_submitted=lambda *, case: seen.append(case.reference),
        )
    )
    yield seen
    unregister_manifest("testapp")


def test_a_specialised_app_adds_validation_and_a_hook(manifest, encombrants, users):
    from guichet.territory.demo import REFERENCE_POINTS

    lat, lon = REFERENCE_POINTS["69123"]
    data = {
        "objets": [{"nature": "meuble", "quantite": 1}],
        "volume": 8,
        "adresse": {"street": "1 rue", "postcode": "69001", "city": "Lyon"},
        "position": {"lat": lat, "lon": lon},
    }
    with pytest.raises(CaseInputError) as exc:
        case_submit(
            actor=users["lucas.bernard"],
            definition=encombrants,
            data=data,
            channel=Channel.WEB,
            requester=users["lucas.bernard"],
        )
    assert exc.value.errors == {"volume": "Trop volumineux pour une collecte."}
    case = case_submit(
        actor=users["lucas.bernard"],
        definition=encombrants,
        data={**data, "volume": 2},
        channel=Channel.WEB,
        requester=users["lucas.bernard"],
    ).case
    assert manifest == [case.reference]


def test_a_manifest_template_is_included_on_both_case_pages(
    client, users, demo, encombrants, with_mfa
):
    from guichet.territory.demo import REFERENCE_POINTS

    register_manifest(
        ServiceManifest(
            app_label="testapp2",
            key_prefix="proprete.",
            case_template="services/_manifest_probe.html",
        )
    )
    try:
        lat, lon = REFERENCE_POINTS["69123"]
        case = case_submit(
            actor=users["lucas.bernard"],
            definition=encombrants,
            channel=Channel.WEB,
            requester=users["lucas.bernard"],
            data={
                "objets": [{"nature": "meuble", "quantite": 1}],
                "adresse": {"street": "1 rue", "postcode": "69001", "city": "Lyon"},
                "position": {"lat": lat, "lon": lon},
            },
        ).case
        client.force_login(users["lucas.bernard"])
        page = client.get(f"/demarches/demandes/{case.reference}/").content.decode()
        assert f"probe citizen {case.reference}" in page
        login_with_second_factor(client, users["agent.proprete"])  # agents need a second factor
        page = client.get(f"/backoffice/demandes/{case.reference}/").content.decode()
        assert f"probe agent {case.reference}" in page
    finally:
        unregister_manifest("testapp2")
