import pytest


@pytest.fixture
def support_agent(demo):
    from guichet.accounts.models import User

    return User.objects.get(email="agent.assistance@example.org")


@pytest.fixture
def support_client(client, support_agent):
    from tests.conftest import login_with_second_factor

    return login_with_second_factor(client, support_agent)
