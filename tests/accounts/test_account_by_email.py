"""accounts.selectors.account_by_email: the one way to find an account by e-mail; linking
asks for a verified address."""

import pytest
from allauth.account.models import EmailAddress

from guichet.accounts.selectors import account_by_email
from tests.factories import UserFactory


@pytest.fixture
def lea(db):
    user = UserFactory(email="lea.petit@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    EmailAddress.objects.create(user=user, email="lea@travail.example.org", verified=True)
    return user


@pytest.mark.parametrize(
    "email,verified,found",
    [
        ("lea.petit@example.org", False, True),
        ("LEA.Petit@Example.org", False, True),  # case-insensitive
        ("lea.petit@example.org", True, False),  # her login address is not verified
        ("Lea@travail.example.org", True, True),  # another address of hers, verified
        ("lea@travail.example.org", False, False),  # not her login: only verified finds it
        ("", False, False),
        ("lea\x00@example.org", False, False),
    ],
)
def test_account_by_email(lea, email, verified, found):
    assert (account_by_email(email, verified=verified) == lea) is found


def test_a_deactivated_account_is_never_linked(lea):
    lea.is_active = False
    lea.save(update_fields=["is_active"])
    assert account_by_email("lea@travail.example.org", verified=True) is None
    assert account_by_email("lea.petit@example.org", active_only=True) is None
    assert account_by_email("lea.petit@example.org") == lea
