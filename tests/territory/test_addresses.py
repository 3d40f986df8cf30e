"""The address index: BAN's CSV imported per department (format, idempotence, removal), the
search (accents, word order, unfinished last word, commune), reverse geocoding, and the
public API's answers and errors."""

import gzip
import io

import pytest
from django.core.management import CommandError, call_command

from guichet.territory.addresses import fold, parse_query
from guichet.territory.demo import DEMO_ADDRESSES
from guichet.territory.models import Address, AddressStreet
from guichet.territory.selectors import (
    address_by_ban_id,
    address_insee_codes,
    address_nearest,
    addresses_search,
)
from guichet.territory.services import AddressImportError, addresses_import
from tests.factories import CommuneFactory

HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
    "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
    "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
    "cad_parcelles"
)


def ban_line(ban_id, number, rep, street, postcode, insee, commune, lon, lat):
    return (
        f"{ban_id};{ban_id.rsplit('_', 1)[0]};{number};{rep};{street};{postcode};{insee};"
        f"{commune};;;;;{lon};{lat};entrée;;;{commune.upper()};;commune;commune;1;"
    )


SMALL = [
    ban_line(
        "69149_0738_00012", 12, "", "Grande Rue", "69600", "69149", "Oullins", 4.8069, 45.7141
    ),
    ban_line(
        "69149_0738_00014", 14, "", "Grande Rue", "69600", "69149", "Oullins", 4.8071, 45.7139
    ),
    ban_line(
        "69149_0500_00003", 3, "", "Rue Voltaire", "69600", "69149", "Oullins", 4.8100, 45.7145
    ),
]


def run_import(lines, department="69"):
    return addresses_import(department=department, lines=io.StringIO("\n".join([HEADER, *lines])))


@pytest.fixture
def demo_addresses(db):
    with DEMO_ADDRESSES.open(encoding="utf-8", newline="") as lines:
        addresses_import(department="69", lines=lines)


# --- import --------------------------------------------------------------------------------------


def test_import_reads_bans_format(db):
    result = run_import(SMALL)
    assert (result.written, result.skipped, result.removed, result.streets) == (3, 0, 0, 2)
    address = Address.objects.select_related("street").get(ban_id="69149_0738_00012")
    assert (address.number, address.suffix, address.lat, address.lon) == (12, "", 45.7141, 4.8069)
    assert address.street.key == "69149_0738"
    assert address.label == "12 Grande Rue, 69600 Oullins"
    street = address.street
    assert street.search_key == " grande rue 69600 oullins"
    assert street.lat == pytest.approx(45.714) and street.lon == pytest.approx(4.807)


def test_import_again_is_idempotent_updates_and_removes_what_ban_removed(db):
    run_import(SMALL)
    again = run_import(SMALL)
    assert again.written == 3 and again.removed == 0 and Address.objects.count() == 3
    moved = ban_line(
        "69149_0738_00012", 12, "", "Grande Rue", "69600", "69149", "Oullins", 4.8080, 45.7150
    )
    result = run_import([moved, SMALL[1]])  # Rue Voltaire no longer in BAN
    assert result.removed == 1
    assert set(Address.objects.values_list("ban_id", flat=True)) == {
        "69149_0738_00012",
        "69149_0738_00014",
    }
    assert Address.objects.get(ban_id="69149_0738_00012").lat == 45.7150
    assert not AddressStreet.objects.filter(name="Rue Voltaire").exists()


def test_import_of_a_department_leaves_the_others(db):
    run_import(SMALL)
    other = ban_line(
        "01001_0010_00001",
        1,
        "",
        "Rue de l'Église",
        "01400",
        "01001",
        "L'Abergement-Clémenciat",
        4.92,
        46.15,
    )
    run_import([other], department="01")
    assert Address.objects.count() == 4
    run_import([SMALL[0]])
    assert Address.objects.filter(department="01").count() == 1


def test_unreadable_lines_are_skipped_and_counted(db):
    lines = [
        *SMALL,
        ban_line("69149_0738_00016", 16, "", "Grande Rue", "69600", "69149", "Oullins", "x", 45.7),
        ban_line("01001_0010_00002", 2, "", "Rue X", "01400", "01001", "Ailleurs", 4.9, 46.1),
        ban_line("", 2, "", "Rue Y", "69600", "69149", "Oullins", 4.8, 45.7),
        ban_line("69149_0738_00018", 18, "", "Grande Rue", "69600", "69149", "Oullins", 4.8, 95),
    ]
    result = run_import(lines)
    assert (result.written, result.skipped) == (3, 4)


@pytest.mark.parametrize(
    "content,words",
    [
        ("numero;nom_voie\n1;Rue X", "colonnes absentes : id"),
        ("", "colonnes absentes"),
    ],
)
def test_a_file_not_in_bans_format_is_refused_and_nothing_changes(db, content, words):
    run_import(SMALL)
    with pytest.raises(AddressImportError) as refused:
        addresses_import(department="69", lines=io.StringIO(content))
    assert words in str(refused.value)
    assert Address.objects.count() == 3


def test_a_bad_department_is_refused(db):
    with pytest.raises(AddressImportError, match="département invalide"):
        run_import(SMALL, department="6")


def test_command_reads_a_gzipped_file(db, tmp_path, capsys):
    path = tmp_path / "adresses-69.csv.gz"
    path.write_bytes(gzip.compress("\n".join([HEADER, *SMALL]).encode()))
    call_command("addresses_import", "--department", "69", "--file", str(path))
    assert "3 adresse(s) écrite(s)" in capsys.readouterr().out
    assert Address.objects.count() == 3


def test_command_refuses_a_missing_or_unreadable_file(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command("addresses_import", "--department", "69", "--file", str(tmp_path / "x"))
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"\x1f\x8bnot gzip at all")
    with pytest.raises(CommandError, match="rien n'a été modifié"):
        call_command("addresses_import", "--department", "69", "--file", str(bad))


def test_the_demo_extract_lies_inside_the_demo_communes(demo):
    from guichet.territory.selectors import commune_at

    assert Address.objects.count() > 400
    for address in Address.objects.select_related("street").iterator():
        commune = commune_at(lat=address.lat, lon=address.lon)
        expected = (
            "69123" if address.street.insee_code.startswith("6938") else address.street.insee_code
        )
        assert commune is not None and commune.insee_code == expected, address.ban_id


# --- search ----------------------------------------------------------------------------------


def test_fold_and_parse():
    assert fold("Rue de l'Église — ŒUVRE") == "rue de l eglise oeuvre"
    query = parse_query("12 BIS grande rue Oul")
    assert (query.number, query.suffix, query.words) == (12, "bis", ("grande", "rue", "oul"))
    assert parse_query("12b rue").suffix == "b"
    assert parse_query("rue 69600").words == ("rue", "69600")


@pytest.mark.parametrize(
    "text,first",
    [
        ("12 grande rue oul", "12 Grande Rue, 69600 Oullins"),
        ("12 Grande Rue, Oullins", "12 Grande Rue, 69600 Oullins"),
        ("oullins grande rue 12", "12 Grande Rue, 69600 Oullins"),
        ("GRANDE RUE 12 OULLINS", "12 Grande Rue, 69600 Oullins"),
        ("12 bis grande rue", "12 bis Grande Rue, 69600 Oullins"),
        ("3 rue de la république lyon", "3 Rue de la République, 69002 Lyon 2e Arrondissement"),
        ("3 rue de la republique lyon", "3 Rue de la République, 69002 Lyon 2e Arrondissement"),
        ("république oullins", "Rue de la République, 69600 Oullins"),
        ("rue de l'eglise ecully", "Rue de l'Église, 69130 Écully"),
        ("Écully église", "Rue de l'Église, 69130 Écully"),
        ("69600 voltaire 3", "3 Rue Voltaire, 69600 Oullins"),
        ("5 cours laf", "5 Cours Lafayette, 69003 Lyon 3e Arrondissement"),
        ("gabriel peri vaulx", "Avenue Gabriel Péri, 69120 Vaulx-en-Velin"),
        ("400 grande rue oullins", "Grande Rue, 69600 Oullins"),  # no such number: the street
    ],
)
def test_search_finds(demo_addresses, text, first):
    results = addresses_search(text=text, limit=5)
    assert results and results[0].label == first


@pytest.mark.parametrize("text", ["", "   ", "a", "12", "zzzz introuvable", "rue de nulle part"])
def test_search_finds_nothing(demo_addresses, text):
    assert addresses_search(text=text) == []


def test_search_commune_filter_and_limit(demo_addresses):
    both = {m.commune_name for m in addresses_search(text="rue de la republique", limit=10)}
    assert {"Oullins", "Lyon 2e Arrondissement"} <= both
    lyon = addresses_search(text="rue de la republique", insee_codes=address_insee_codes("69123"))
    assert {m.commune_name for m in lyon} == {"Lyon 2e Arrondissement"}
    assert len(addresses_search(text="rue", limit=3)) == 3


def test_commune_filter_by_slug_or_insee(db):
    CommuneFactory(slug="oullins", insee_code="69149")
    assert address_insee_codes("oullins") == ["69149"]
    assert address_insee_codes("69149") == ["69149"]
    assert address_insee_codes("atlantide") is None
    assert "69381" in address_insee_codes("69123")


def test_reverse_finds_the_nearest_address_within_100_m(demo_addresses):
    twelve = address_by_ban_id("69149_0738_00012")
    match, distance = address_nearest(lat=twelve.lat - 0.00002, lon=twelve.lon + 0.00002)
    assert match.address_id == "69149_0738_00012" and 2 < distance < 4
    assert address_nearest(lat=45.0, lon=4.0) is None
    # 150 m north of the northernmost number of a street alone in its corner: nothing
    assert address_nearest(lat=45.8150 + 0.00135, lon=4.7600) is None


# --- the API ---------------------------------------------------------------------------------


def test_api_search(client, demo_addresses):
    response = client.get("/api/v1/addresses/search", {"q": "12 grande rue oul", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "12 grande rue oul"
    first = body["results"][0]
    assert first["id"] == "69149_0738_00012" and first["kind"] == "housenumber"
    assert (first["label"], first["citycode"], first["postcode"]) == (
        "12 Grande Rue, 69600 Oullins",
        "69149",
        "69600",
    )
    assert len(body["results"]) == 2


def test_api_reverse(client, demo_addresses):
    found = client.get("/api/v1/addresses/reverse", {"lat": "45.71409", "lon": "4.806913"})
    assert found.status_code == 200
    assert found.json()["result"]["label"] == "12 Grande Rue, 69600 Oullins"
    far = client.get("/api/v1/addresses/reverse", {"lat": "45.0", "lon": "4.0"})
    assert far.status_code == 404
    assert far.json()["message"] == "Aucune adresse connue à moins de 100 m de ce point."


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("search", {"q": "x" * 201}, "q"),
        ("search", {"q": "rue", "limit": "0"}, "limit"),
        ("search", {"q": "rue", "limit": "21"}, "limit"),
        ("reverse", {"lat": "nan", "lon": "4.8"}, "lat"),
        ("reverse", {"lat": "45.7", "lon": "200"}, "lon"),
    ],
)
def test_api_errors_in_french(client, demo_addresses, path, params, field):
    response = client.get(f"/api/v1/addresses/{path}", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert body["message"] == body["errors"][field]


def test_api_search_in_an_unknown_commune_is_not_found(client, demo_addresses):
    response = client.get("/api/v1/addresses/search", {"q": "rue", "commune": "atlantide"})
    assert response.status_code == 404
    assert response.json()["message"] == "Commune inconnue : « atlantide »."


@pytest.mark.parametrize("params", [{}, {"q": "  "}])
def test_api_search_with_nothing_typed_suggests_nothing(client, demo_addresses, params):
    response = client.get("/api/v1/addresses/search", params)
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("params", [{"lon": "4.8"}, {"lat": "abc", "lon": "4.8"}])
def test_api_reverse_missing_or_not_a_number(client, db, params):
    response = client.get("/api/v1/addresses/reverse", params)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_api_is_rate_limited(client, demo_addresses, settings):
    settings.GUICHET_RATE_LIMITS = {**settings.GUICHET_RATE_LIMITS, "address_search": "2/m/ip"}
    for _ in range(2):
        assert client.get("/api/v1/addresses/search", {"q": "rue"}).status_code == 200
    refused = client.get("/api/v1/addresses/reverse", {"lat": "45.7", "lon": "4.8"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"


def test_api_is_in_the_openapi_document(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/addresses/search", "/api/v1/addresses/reverse"} <= set(paths)
    assert "422" in paths["/api/v1/addresses/search"]["get"]["responses"]


# --- the first keystrokes, and common words ---------------------------------------------------


@pytest.mark.parametrize("text", ["12 r", "r", "1 a"])
def test_a_single_letter_suggests_nothing(demo_addresses, text):
    assert addresses_search(text=text) == []


@pytest.mark.parametrize(
    "text,word,number",
    [("12 ru", "ru", 12), ("Écu", "ecu", None), ("vau", "vau", None), ("3 rue", "rue", 3)],
)
def test_the_first_keystrokes_suggest_addresses_with_what_was_typed(
    demo_addresses, text, word, number
):
    results = addresses_search(text=text, limit=8)
    assert results
    for match in results:
        assert f" {word}" in " " + fold(f"{match.street} {match.postcode} {match.commune_name}")
        if number is not None:
            assert match.number == number


def test_a_precise_query_finds_its_street_however_common_its_words(demo_addresses, monkeypatch):
    # the streets are those with every word typed, found in the words' index before the
    # bound on the candidates: two candidates are enough for a query that names its street
    from guichet.territory import selectors

    monkeypatch.setattr(selectors, "STREET_CANDIDATES", 2)
    assert addresses_search(text="12 rue grande oul")[0].label == "12 Grande Rue, 69600 Oullins"
    assert addresses_search(text="rue rep lyon")[0].label == (
        "Rue de la République, 69002 Lyon 2e Arrondissement"
    )
    assert len(addresses_search(text="rue", limit=5)) == 2


@pytest.mark.parametrize(
    "prefix,after", [("rue", "ruf"), ("69", "6a"), ("az", "b"), ("a9", "aa"), ("zz", None)]
)
def test_word_prefix_ranges(prefix, after):
    from guichet.territory.selectors import _word_after

    assert _word_after(prefix) == after
