"""Every page of the foundation passes axe-core (WCAG 2.1 AA) with zero violations."""

import pytest

from tests.browser.conftest import login

PUBLIC_PAGES = ["/", "/accessibilite/", "/comptes/login/", "/page-qui-n-existe-pas/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_pages_have_no_axe_violations(live_server, demo, browser, axe, path, language):
    context = browser.new_context(locale=language)
    page = context.new_page()
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}{path}")
    assert page.locator("html").get_attribute("lang") == language
    assert axe(page) == []
    context.close()


def test_admin_pages_have_no_axe_violations(live_server, demo, page, axe, demo_password, with_mfa):
    from guichet.accounts.models import User

    with_mfa(User.objects.get(email="admin@example.org"))
    login(page, live_server, "admin@example.org", demo_password)
    for path in [
        "/backoffice/partenariat/contributions/?year=2019",
        "/backoffice/partenariat/contributions/?year=abc",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert "/backoffice/" in page.url, page.url  # signed in, past the second factor
        assert axe(page) == [], path


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(live_server, demo, page):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"


def test_home_page_fits_a_phone_without_horizontal_scroll(live_server, demo, phone_page):
    phone_page.goto(f"{live_server.url}/")
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_the_axe_check_does_catch_violations(page, axe):
    """Guard against a silently inert checker: a page with known faults must fail."""
    page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')
    ids = {v["id"] for v in axe(page)}
    assert {"image-alt", "label", "html-has-lang"} <= ids
