"""``path_to`` / ``{% path %}`` give exactly what ``reverse`` / ``{% url %}`` give."""

import uuid

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from guichet.core.urlpaths import path_to


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cases:catalogue", []),
        ("cases:case", ["MAIRIE-2026-000123"]),
        ("cases:attachment", ["MAIRIE-2026-000123", 42]),
        ("cases:draft", [uuid.UUID("0b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f")]),
        ("cases:draft_page", [uuid.UUID("0b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f"), "coordonnees"]),
        ("localinfo:news", ["oullins", 7]),
        ("cases:start", ["contact-mairie"]),
        # reverse() quotes what is not safe in a path: so must path_to
        ("cases:case", ["réf é&?#%"]),
    ],
)
def test_path_to_is_reverse(name, args):
    assert path_to(name, *args) == reverse(name, args=args)
    # the second call comes from the per-process template
    assert path_to(name, *args) == reverse(name, args=args)


def test_path_to_follows_the_script_prefix_and_refuses_what_reverse_refuses():
    try:
        set_script_prefix("/guichet/")
        assert path_to("cases:case", "X-1") == "/guichet/demarches/demandes/X-1/"
    finally:
        set_script_prefix("/")
    assert path_to("cases:case", "X-1") == "/demarches/demandes/X-1/"
    with pytest.raises(NoReverseMatch):
        path_to("cases:case", "a/b")  # a "/" would not match the converter
    with pytest.raises(NoReverseMatch):
        path_to("cases:case", "")
    with pytest.raises(NoReverseMatch):
        path_to("cases:attachment", "X-1")  # wrong number of arguments
    with pytest.raises(NoReverseMatch):
        path_to("cases:nothing-of-the-kind")


def test_the_path_tag_renders_like_the_url_tag():
    template = engines["django"].from_string(
        "{% load paths %}{% path 'cases:attachment' ref pk %}|{% url 'cases:attachment' ref pk %}"
        "|{% path 'cases:catalogue' as link %}{{ link }}"
    )
    with translation.override("en"):
        fast, slow, named = template.render({"ref": "MAIRIE-2026-000001", "pk": 3}).split("|")
    assert fast == slow == "/demarches/demandes/MAIRIE-2026-000001/pieces/3/"
    assert named == reverse("cases:catalogue")
