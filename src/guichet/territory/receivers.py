"""Keeps the cached communes and routes (``selectors.commune_by_slug``, ``competence_route``) in
step with the rows they come from: any save or deletion of an organisation, a team or a
competence rule starts a new cache generation."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from guichet.territory.models import CompetenceRule, Organisation, Team
from guichet.territory.selectors import territory_changed


@receiver(post_save, sender=Organisation)
@receiver(post_delete, sender=Organisation)
@receiver(post_save, sender=Team)
@receiver(post_delete, sender=Team)
@receiver(post_save, sender=CompetenceRule)
@receiver(post_delete, sender=CompetenceRule)
def _territory_changed(sender, instance, **kwargs):
    # Now, for the rest of this transaction; and after the commit, since another process may
    # have cached the rows as they were before it (the change was not visible yet).
    territory_changed()
    transaction.on_commit(territory_changed)
