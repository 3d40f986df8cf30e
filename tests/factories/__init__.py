"""Factories for the tests: build the minimum a test needs, through the real services where a
test checks behaviour.

This module keeps the first, app-independent factories and files (users, communes, teams,
memberships, PDFs and images, API tokens); each app has its module beside it:
``tests.factories.accounts`` (citizens, agents, admins, second factor), ``territory``
(metropolis, communes with a boundary, competence rules, a small territory), ``cases``
(services from a definition, cases filed through ``case_submit``, drafts, messages),
``publicspace``, ``notifications`` and ``identity`` (OIDC clients).
"""

import factory

from guichet.accounts.models import User
from guichet.territory.models import Membership, Organisation, Team

# Every account made by the factories has this password (hashed with the tests' cheap hasher).
PASSWORD = "Un-mot-de-passe-solide-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)


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


# Files for the upload checks (core.uploads): real PDFs and PNGs made here, crafted ones too.


def pdf_bytes(
    *, pages: int = 1, javascript: bool = False, password: str = "", launch: bool = False
) -> bytes:
    """A valid PDF of ``pages`` blank pages; with an OpenAction running JavaScript, a launch
    action, or encrypted with ``password``."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    actions = []
    if javascript:
        actions.append(("/JavaScript", "/JS", "app.alert('hello');"))
    if launch:
        actions.append(("/Launch", "/F", "calc.exe"))
    for kind, key, value in actions:
        action = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if password:
        writer.encrypt(password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(width: int = 40, height: int = 30, *, pixel_data: bytes | None = None) -> bytes:
    """A PNG (8-bit RGB) built by hand; ``pixel_data`` replaces the compressed rows, so a
    header can declare any size over a few bytes of invalid data (decoding it would fail)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    if pixel_data is None:
        pixel_data = zlib.compress((b"\x00" + b"\x80\x40\x20" * width) * height)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixel_data)
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 40, height: int = 30) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 100, 50)).save(out, format="JPEG")
    return out.getvalue()


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
