from django import forms
from django.utils.translation import gettext_lazy as _


class WebhookEndpointForm(forms.Form):
    """A new webhook endpoint of one of the agent's organisations (the URL is checked by the
    service: only a public address)."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    key = forms.SlugField(
        label=_("Clé (nommée par les circuits de traitement)"), max_length=50, allow_unicode=False
    )
    url = forms.URLField(label=_("Adresse (https://…)"), max_length=500, assume_scheme="https")

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
