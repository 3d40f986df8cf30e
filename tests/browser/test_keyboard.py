"""Keyboard only: a citizen signs in and files "Contacter ma mairie" with Tab, Shift+Tab,
Enter, Space, arrows and typing (no click, no fill), and every element reached with Tab shows
a visible focus."""

import pytest

pytestmark = pytest.mark.browser

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
    return {
        tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
        type: el.type || "", value: el.value || "",
        text: (el.innerText || "").trim(), label: label.replace("*", "").trim(),
        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
        shadow: style.boxShadow,
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(element: dict) -> None:
    visible = (element["outline"] != "none" and element["outlineWidth"] > 0) or (
        element["shadow"] not in ("", "none")
    )
    assert visible, f"no visible focus on {element}"


def tab_to(page, match, *, backwards=False, steps=80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; each stop shows its focus."""
    for _ in range(steps):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = focused(page)
        if element["tag"] != "body":
            assert_focus_visible(element)
        if match(element):
            return element
    raise AssertionError(f"never reached: {match}")


def by_text(text):
    return lambda e: e["text"] == text


def by_name(name):
    return lambda e: e["name"] == name


def press_button(page, text, url):
    """Tab to the button or link reading ``text``, press Enter and wait for ``url``."""
    tab_to(page, by_text(text))
    page.keyboard.press("Enter")
    page.wait_for_url(url)


def test_a_citizen_files_a_case_with_the_keyboard_only(live_server, demo, page, demo_password):
    from guichet.accounts.models import User
    from guichet.cases.models import Case

    camille = User.objects.get(email="camille.martin@example.org")
    before = Case.objects.filter(requester=camille).count()

    page.goto(f"{live_server.url}/comptes/connexion/")
    skip = tab_to(page, by_text("Aller au contenu"))  # the first stop is the skip link
    assert skip["tag"] == "a"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "contenu"
    tab_to(page, by_name("login"))
    page.keyboard.type(camille.email)
    tab_to(page, by_name("password"))
    page.keyboard.type(demo_password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)

    page.goto(f"{live_server.url}/demarches/?commune=oullins")
    press_button(page, "Contacter ma mairie", "**/demarches/contact/")
    commune = tab_to(page, by_name("commune"))
    for _ in range(10):  # arrows move through the closed list, as on every platform
        if commune["value"] == "oullins":
            break
        page.keyboard.press("ArrowDown")
        commune = focused(page)
    assert commune["value"] == "oullins"
    press_button(page, "Commencer", "**/brouillons/**")

    # Continue with nothing filled: the error summary takes the focus, Tab goes on to the form.
    tab_to(page, by_text("Continuer"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page)["id"] == "errors"
    theme = tab_to(page, lambda e: e["name"] == "f_theme")
    assert theme["type"] == "radio"
    page.keyboard.press("Space")
    assert focused(page)["value"] == "etat_civil"
    tab_to(page, lambda e: e["label"].startswith("Objet"))
    page.keyboard.type("Acte de naissance")
    tab_to(page, lambda e: e["label"].startswith("Message"))
    page.keyboard.type("Une copie intégrale de mon acte, s'il vous plaît.")
    # Shift+Tab goes back to the subject field: the order is the reading order.
    assert tab_to(page, lambda e: e["label"].startswith("Objet"), backwards=True)["value"]
    press_button(page, "Continuer", "**/coordonnees/")

    email = tab_to(page, lambda e: e["label"].startswith("Adresse e-mail"))
    assert email["value"] == camille.email  # prefilled from the profile
    press_button(page, "Continuer", "**/recapitulatif/")

    press_button(page, "Envoyer ma demande", "**/demarches/recu/**")
    case = Case.objects.filter(requester=camille).latest("id")
    assert Case.objects.filter(requester=camille).count() == before + 1
    assert case.reference in page.url and case.data["objet"] == "Acte de naissance"
    assert case.reference in page.get_by_role("main").inner_text()
