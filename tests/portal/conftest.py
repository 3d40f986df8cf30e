import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    """Tasks run at once (after commit), e-mails stay in memory, files in a temporary root."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def users(demo):
    from guichet.accounts.models import User

    return {u.email.split("@")[0]: u for u in User.objects.all()}


@pytest.fixture
def citizen(demo):
    """A citizen of Oullins with no case yet (the demo's Camille has random demo cases)."""
    from guichet.accounts.services import profile_set_residence
    from tests.factories import UserFactory

    user = UserFactory(email="dominique.petit@example.org", first_name="Dominique")
    profile_set_residence(user=user, residence=demo["oullins"])
    return user


@pytest.fixture
def file_contact(demo):
    """File a contact case for ``user`` in ``commune`` (web), as the citizen door does."""
    from guichet.cases.models import Channel
    from guichet.cases.submission import case_submit
    from guichet.catalogue.models import ServiceDefinition

    contact = ServiceDefinition.objects.get(key="contact")

    def make(user, commune="oullins", objet="Acte de naissance"):
        return case_submit(
            actor=user,
            definition=contact,
            data={
                "theme": "etat_civil",
                "objet": objet,
                "message": "Bonjour, je voudrais une copie de mon acte de naissance.",
                "email": user.email,
            },
            channel=Channel.WEB,
            requester=user,
            commune=demo[commune],
        ).case

    return make
