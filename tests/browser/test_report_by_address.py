"""A report filed from the keyboard alone by typing an address: the combobox (WAI-ARIA APG
pattern) lists the addresses, the arrows and Enter choose one, which places the point; the
page passes axe with the list open and after sending. A pin placed on the map fills the
address by reverse geocoding."""

import pytest

from tests.browser.test_keyboard import by_name, by_text, focused, tab_to

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_tiles(settings):
    settings.MAP_TILE_URL = ""  # no network in tests: the map works without tiles


def test_a_report_is_filed_with_the_keyboard_only_by_typing_an_address(
    live_server, demo, page, axe
):
    from guichet.publicspace.models import Report

    page.goto(f"{live_server.url}/signalements/signaler/trottoir-degrade/")
    assert axe(page) == []
    combobox = page.get_by_role("combobox", name="Adresse")
    assert combobox.get_attribute("aria-expanded") == "false"
    assert page.locator("#ps-address-find").is_hidden()  # the plain search is for no script
    tab_to(page, by_name("address"))
    page.keyboard.type("12 grande rue oul", delay=20)
    options = page.locator("#ps-address-options").get_by_role("option")
    options.first.wait_for()
    assert combobox.get_attribute("aria-expanded") == "true"
    assert options.first.inner_text() == "12 Grande Rue, 69600 Oullins"
    status = page.locator("#ps-address-status")
    assert "adresses trouvées" in status.inner_text()
    assert axe(page) == []  # with the list open
    page.keyboard.press("Escape")  # closes the list without choosing
    assert combobox.get_attribute("aria-expanded") == "false"
    assert focused(page)["value"] == "12 grande rue oul"
    page.keyboard.press("ArrowDown")  # opens it again
    options.first.wait_for()
    page.keyboard.press("ArrowDown")
    assert combobox.get_attribute("aria-activedescendant") == "ps-address-option-0"
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses, does not send the form
    assert combobox.get_attribute("aria-expanded") == "false"
    assert focused(page)["value"] == "12 Grande Rue, 69600 Oullins"
    assert page.locator("#id_lat").input_value() == "45.714090"
    assert page.locator("#id_lon").input_value() == "4.806913"
    assert "Adresse choisie" in status.inner_text()

    tab_to(page, lambda e: e["label"].startswith("Description"))
    page.keyboard.type("Dalle descellée devant le 12")
    tab_to(page, by_name("email"))
    page.keyboard.type("riverain@example.org")
    tab_to(page, by_text("Envoyer le signalement"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "est enregistré" in page.content()
    assert axe(page) == []
    report = Report.objects.get(case__contact_email="riverain@example.org")
    assert report.address == "12 Grande Rue, 69600 Oullins"
    assert report.address_id == "69149_0738_00012"
    assert report.commune.slug == "oullins" and report.latitude == 45.71409


def test_a_pin_placed_on_the_map_fills_the_address(live_server, demo, page):
    page.goto(f"{live_server.url}/signalements/signaler/trottoir-degrade/")
    page.wait_for_function("() => document.querySelector('#ps-map .leaflet-pane') !== null")
    # the map's click handler, at the point of 12 Grande Rue, Oullins
    page.evaluate(
        """() => {
            const lat = document.getElementById('id_lat'), lon = document.getElementById('id_lon');
            lat.value = '45.714090'; lon.value = '4.806913';
            document.dispatchEvent(new CustomEvent('ps:point-picked',
                {detail: {lat: 45.71409, lon: 4.806913}}));
        }"""
    )
    page.wait_for_function("() => document.getElementById('id_address').value !== ''")
    assert page.locator("#id_address").input_value() == "12 Grande Rue, 69600 Oullins"
    assert page.locator("#id_address_id").input_value() == "69149_0738_00012"
