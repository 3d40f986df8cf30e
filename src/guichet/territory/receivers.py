"""Keeps the cached communes and routes (``selectors.commune_by_slug``, ``competence_routing``)
and the cached catalogue reads (``services.selectors.definition_for_filing``: a commune's offer)
in step with the rows they come from: any save or deletion of an organisation, a team or a
competence rule starts new generations (core.generations)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from guichet.core.generations import generation_bump
from guichet.territory.models import CompetenceRule, Organisation, Team
from guichet.territory.selectors import TERRITORY


@receiver(post_save, sender=Organisation)
@receiver(post_delete, sender=Organisation)
def _organisation_changed(sender, instance, **kwargs):
    from guichet.catalogue.selectors import CATALOGUE

    generation_bump(TERRITORY, CATALOGUE)


@receiver(post_save, sender=Team)
@receiver(post_delete, sender=Team)
@receiver(post_save, sender=CompetenceRule)
@receiver(post_delete, sender=CompetenceRule)
def _territory_changed(sender, instance, **kwargs):
    generation_bump(TERRITORY)
