from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    """Drafts completed with the people their owner invites: a layer above ``cases``, which
    never imports it. Its access to drafts, its panel on a draft's pages and its listeners of
    the drafts' signals are registered here."""

    name = "guichet.sharing"
    label = "sharing"
    verbose_name = _("Brouillons partagés")

    def ready(self) -> None:
        from guichet.cases.drafts import draft_saved, draft_submitted
        from guichet.cases.policies import register_draft_access
        from guichet.cases.views.common import register_draft_panel
        from guichet.sharing.policies import draft_access
        from guichet.sharing.views import sharing_panel

        register_draft_access(draft_access)
        register_draft_panel(sharing_panel)
        draft_saved.connect(_on_draft_saved, dispatch_uid="sharing.draft_saved")
        draft_submitted.connect(_on_draft_submitted, dispatch_uid="sharing.draft_submitted")


def _on_draft_saved(sender, **kwargs) -> None:
    from guichet.sharing.services import draft_saved_recorded

    draft_saved_recorded(**kwargs)


def _on_draft_submitted(sender, **kwargs) -> None:
    from guichet.sharing.services import draft_preparers_recorded

    draft_preparers_recorded(**kwargs)
