"""The case engine does not know the sharing of drafts: ``sharing`` registers its access to
drafts, its panel on their pages and its listeners of their signals; no module of ``cases``
imports it."""

from tests.webhooks.test_layers import imported_modules


def test_the_case_engine_does_not_import_the_sharing_app():
    imports = imported_modules("cases")
    assert "guichet.cases.models" in imports  # the walk reads the engine's modules
    assert not {n for n in imports if n == "guichet.sharing" or n.startswith("guichet.sharing.")}


def test_the_sharing_app_plugs_into_the_engine():
    from guichet.cases.drafts import draft_saved, draft_submitted
    from guichet.cases.policies import _draft_accesses
    from guichet.cases.views.common import _draft_panels
    from guichet.sharing.policies import draft_access
    from guichet.sharing.views import sharing_panel

    assert draft_access in _draft_accesses
    assert sharing_panel in _draft_panels
    assert draft_saved.has_listeners() and draft_submitted.has_listeners()
