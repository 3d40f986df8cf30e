import pytest

from guichet.cases.errors import CaseInputError
from guichet.cases.models import Channel
from guichet.cases.submission import case_submit
from guichet.catalogue.registry import (
    ServiceInput,
    ServiceManifest,
    register_manifest,
    unregister_manifest,
)
from tests.conftest import login_with_second_factor


@pytest.fixture
def manifest(encombrants):
    recorded = []

    def prepare(*, data, files, location, requester):
        data = dict(data)
        note = data.pop("note_interne", "")  # the service's own key, not the form's
        errors = {}
        if (data.get("volume") or 0) > 5:
            errors["volume"] = "Trop volumineux pour une collecte."
        return ServiceInput(data=data, files=files, errors=errors, state=note)

    register_manifest(
        ServiceManifest(
            app_label="testapp",
            key_prefix="proprete.",
            prepare=prepare,
            record=lambda *, case, prepared: recorded.append((case.reference, prepared.state)),
        )
    )
    yield recorded
    unregister_manifest("testapp")


def test_a_specialised_app_parses_checks_and_records_its_own_input(manifest, encombrants, users):
    from guichet.territory.demo import REFERENCE_POINTS

    lat, lon = REFERENCE_POINTS["69123"]
    data = {
        "objets": [{"nature": "meuble", "quantite": 1}],
        "volume": 8,
        "adresse": {"street": "1 rue", "postcode": "69001", "city": "Lyon"},
        "position": {"lat": lat, "lon": lon},
        "note_interne": "portail vert",
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
    assert manifest == []
    case = case_submit(
        actor=users["lucas.bernard"],
        definition=encombrants,
        data={**data, "volume": 2},
        channel=Channel.WEB,
        requester=users["lucas.bernard"],
    ).case
    assert manifest == [(case.reference, "portail vert")]
    assert "note_interne" not in case.data


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
