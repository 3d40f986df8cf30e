"""Open311 GeoReport v2: discovery, services and service definitions, in XML and JSON."""

from xml.etree import ElementTree as ET

import pytest

BASE = "/open311/v2"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def test_services_json_is_a_top_level_array_of_leaf_categories(client, demo):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    services = response.json()
    assert isinstance(services, list)
    by_code = {s["service_code"]: s for s in services}
    pothole = by_code["nid-de-poule"]
    assert pothole == {
        "service_code": "nid-de-poule",
        "service_name": "Nid-de-poule",
        "description": "Trou dans la chaussée ou le trottoir.",
        "metadata": True,
        "type": "realtime",
        "keywords": "trou, chaussée, nid de poule",
        "group": "Voirie",
    }
    assert by_code["corbeille-pleine"]["metadata"] is False
    # parents and guidance-only categories are not services
    assert "voirie" not in by_code and "danger" not in by_code


def test_services_xml(client, demo):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    service = next(
        s for s in root.findall("service") if s.findtext("service_code") == "nid-de-poule"
    )
    assert [child.tag for child in service] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    ]  # fmt: skip
    assert service.findtext("metadata") == "true"
    assert service.findtext("group") == "Voirie"


def test_service_definition_json(client, demo):
    data = client.get(f"{BASE}/services/nid-de-poule.json").json()
    assert data["service_code"] == "nid-de-poule"
    first = data["attributes"][0]
    assert first["code"] == "emplacement"
    assert first["datatype"] == "singlevaluelist"
    assert first["required"] is True and first["variable"] is True
    assert first["order"] == 1
    assert {"key": "trottoir", "name": "Sur le trottoir"} in first["values"]


def test_service_definition_xml(client, demo):
    root = xml(client.get(f"{BASE}/services/nid-de-poule.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "nid-de-poule"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("datatype") == "singlevaluelist"
    values = attribute.findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values][0] == (
        "chaussee", "Sur la chaussée",
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_a_404_error_list(client, demo, fmt):
    response = client.get(f"{BASE}/services/inconnu.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json()[0]["code"] == 404
        assert "inconnu" in response.json()[0]["description"]
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.find("error").findtext("code") == "404"


def test_jurisdiction_filters_services_by_competence(client, demo):
    oullins = {
        s["service_code"]
        for s in client.get(f"{BASE}/services.json", {"jurisdiction_id": "oullins"}).json()
    }
    metro = {
        s["service_code"]
        for s in client.get(
            f"{BASE}/services.json", {"jurisdiction_id": "metropole-de-lyon"}
        ).json()
    }
    assert "lampadaire-eteint" in oullins and "nid-de-poule" not in oullins
    assert "nid-de-poule" in metro and "lampadaire-eteint" not in metro
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "atlantis"})
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, demo, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        data = response.json()
        endpoint = data["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert data["contact"] and data["key_service"] and data["changeset"]
    else:
        root = xml(response)
        assert root.tag == "discovery"
        formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
        assert formats == ["text/xml", "application/json"]


def test_unknown_path_or_format_is_an_open311_error(client, db):
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert xml(client.get(f"{BASE}/services.csv")).tag == "errors"
    assert client.get(f"{BASE}/nothing.json").json()[0]["code"] == 404
