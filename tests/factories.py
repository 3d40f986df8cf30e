import factory

from guichet.accounts.models import User
from guichet.territory.models import Membership, Organisation, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("Un-mot-de-passe-solide-2026")


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.COMMUNE
    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    insee_code = factory.Sequence(lambda n: f"{90000 + n}")
    population = 10_000
    population_year = 2021
    partner_status = Organisation.PartnerStatus.PARTNER
    offer = Organisation.Offer.GLOBAL


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(CommuneFactory)
    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Équipe {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)


def api_access_token(
    user,
    value: str,
    *,
    scopes=("openid", "cases:read", "cases:write"),
    client_id: str = "guichet-app",
    **fields,
) -> str:
    """An access token ``value`` of our OIDC provider for ``user``, granted ``scopes`` by the
    client ``client_id`` (created, allowed every API scope, when missing: the platform's app);
    ``fields``: other Token fields (``data``, ``expires_at``...). Returns its Bearer header."""
    from allauth.idp.oidc.models import Client, Token

    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        client = Client(pk=client_id, name=client_id, type=Client.Type.PUBLIC)
        client.set_scopes(["openid", "email", "profile", "cases:read", "cases:write", "agent"])
        client.save()
    token = Token(type=Token.Type.ACCESS_TOKEN, user=user, client=client, **fields)
    token.set_value(value)
    token.set_scopes(list(scopes))
    token.save()
    return f"Bearer {value}"
