"""Keeps the cached brandings (``rendering.branding_for``) in step with the rows they come from:
a branding edited in the admin, or an organisation renamed (its name is the default sender
name), drops the cached entry at once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from guichet.notifications.models import Branding
from guichet.notifications.rendering import branding_forget
from guichet.territory.models import Organisation


@receiver(post_save, sender=Branding)
@receiver(post_delete, sender=Branding)
def _branding_changed(sender, instance, **kwargs):
    branding_forget(instance.organisation_id)


@receiver(post_save, sender=Organisation)
def _organisation_changed(sender, instance, **kwargs):
    branding_forget(instance.pk)
