"""Keeps the cached catalogue reads (``selectors.definition_for_filing``) in step with the rows
they come from: a definition or a version saved or deleted, or the communes of a service
changed, starts a new "catalogue" generation (core.generations); territory.receivers does it
for an organisation (its offer)."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from guichet.catalogue.models import ServiceDefinition, ServiceVersion
from guichet.catalogue.selectors import CATALOGUE
from guichet.core.generations import generation_bump


@receiver(post_save, sender=ServiceDefinition)
@receiver(post_delete, sender=ServiceDefinition)
@receiver(post_save, sender=ServiceVersion)
@receiver(post_delete, sender=ServiceVersion)
@receiver(m2m_changed, sender=ServiceDefinition.communes.through)
def _catalogue_changed(sender, **kwargs):
    generation_bump(CATALOGUE)
