"""Render a notification from its templates, with the sending organisation's branding.

Templates live under ``templates/notifications/<template>/``: ``subject.txt`` and ``body.txt``
are required; ``body.html`` (extending ``notifications/email_base.html``), ``sms.txt`` and
``inapp.txt`` are optional (the HTML falls back to the text in the branded frame, the SMS to the
subject, the notification centre's text to ``body.txt``).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

SMS_MAX_CHARS = 480  # three concatenated SMS


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str
    inapp: str


#: A branding is read for every message an organisation sends (a query per case receipt): it is
#: kept this long in the cache. A change made through the admin or the demo drops the entry at
#: once (``branding_forget``); a process with a per-process cache (no Redis) may show the old
#: colours for this long.
BRANDING_CACHE_SECONDS = 300


def _branding_key(organisation_id) -> str:
    return f"notifications:branding:{organisation_id}"


def branding_forget(organisation_id) -> None:
    cache.delete(_branding_key(organisation_id))


def branding_for(organisation) -> dict[str, str]:
    """Name, colour, logo and signature used to dress a message from ``organisation``."""
    if organisation is None:
        return _branding_values(None, None)
    key = _branding_key(organisation.pk)
    values = cache.get(key)
    if values is None:
        from guichet.notifications.models import Branding

        branding = Branding.objects.filter(organisation=organisation).first()
        values = _branding_values(organisation, branding)
        cache.set(key, values, BRANDING_CACHE_SECONDS)
    return dict(values)


def _branding_values(organisation, branding) -> dict[str, str]:
    name = (branding and branding.display_name) or (
        organisation.name if organisation is not None else settings.PLATFORM_NAME
    )
    return {
        "name": name,
        "colour": branding.colour if branding else "#00458c",
        "logo_url": branding.logo_url if branding else "",
        "signature": branding.signature if branding else "",
    }


def _optional(name: str, context: dict[str, Any]) -> str | None:
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return None


def render_notification(
    *, template: str, context: dict[str, Any], organisation=None, url: str = ""
) -> Rendered:
    ctx = {
        **context,
        "branding": branding_for(organisation),
        "site_url": settings.SITE_URL.rstrip("/"),
        "platform_name": settings.PLATFORM_NAME,
        "url": url,
        "absolute_url": absolute_url(url),
        "preferences_url": absolute_url("/notifications/preferences/"),
    }
    base = f"notifications/{template}"
    subject = " ".join(render_to_string(f"{base}/subject.txt", ctx).split())
    text = render_to_string(f"{base}/body.txt", ctx).strip() + "\n"
    ctx["subject"] = subject
    ctx["text"] = text
    html = _optional(f"{base}/body.html", ctx)
    if html is None:
        html = render_to_string("notifications/email_fallback.html", ctx)
    sms = _optional(f"{base}/sms.txt", ctx)
    sms = " ".join((sms if sms is not None else subject).split())[:SMS_MAX_CHARS]
    # What the notification centre shows: without the e-mail's links and signature.
    inapp = _optional(f"{base}/inapp.txt", ctx)
    inapp = inapp.strip() if inapp is not None else text
    return Rendered(subject=subject[:255], text=text, html=html, sms=sms, inapp=inapp)


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")
