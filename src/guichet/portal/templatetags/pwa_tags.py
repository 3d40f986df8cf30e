"""Template tags of the installable app."""

from django import template
from django.utils.crypto import salted_hmac

register = template.Library()


@register.simple_tag(takes_context=True)
def pwa_owner(context) -> str:
    """Who the drafts kept on this device belong to: an opaque digest of the account ("" when
    signed out), so that a draft kept offline is never sent under someone else's session."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("guichet.pwa.owner", str(user.pk)).hexdigest()[:24]
