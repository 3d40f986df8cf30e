import pytest

from tests.conftest import login_with_second_factor

URL = "/backoffice/partenariat/contributions/"


@pytest.fixture
def admin_client(platform_admin_client, partners):
    """The platform's administrator, signed in with a second factor, and the partners."""
    return platform_admin_client


def test_admin_sees_the_table_with_the_bracket_rule(admin_client):
    response = admin_client.get(URL, {"year": 2019})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Oullins" in html and "5400" in html
    assert "inclut sa borne basse" in html


def test_csv_download_matches_the_command(admin_client):
    response = admin_client.get(URL, {"year": 2019, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "69149,Oullins,26000,20000-39999,global,pilot,10800,50,5400" in body
    assert body.strip().splitlines()[-1].startswith("TOTAL")


@pytest.mark.parametrize("year", ["abc", "1800", ""])
def test_invalid_year_is_a_clear_error_not_a_500(admin_client, year):
    response = admin_client.get(URL, {"year": year})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


def test_year_without_grid_is_explained(admin_client):
    response = admin_client.get(URL, {"year": 2010})
    assert response.status_code == 200
    assert "Aucune grille tarifaire" in response.content.decode()


def test_pdf_notice(admin_client):
    response = admin_client.get(f"{URL}2019/69149.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_pdf_notice_for_a_commune_without_agreement_is_404(admin_client):
    assert admin_client.get(f"{URL}2019/99999.pdf").status_code == 404


def test_agents_and_citizens_are_refused(client, partners):
    from tests.factories import TeamFactory
    from tests.factories.accounts import CitizenFactory, agent_of

    agent = agent_of(TeamFactory(organisation=partners["Oullins"]))
    for user in [agent, CitizenFactory()]:
        login_with_second_factor(client, user)
        assert client.get(URL, {"year": 2019}).status_code == 403
        assert client.get(f"{URL}2019/69149.pdf").status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "next=" in response["Location"]
