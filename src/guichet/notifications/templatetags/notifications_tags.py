from django import template

from guichet.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_count(context) -> int:
    """``{% unread_notifications_count as n %}``: the header badge of the notification centre.
    A page that has just counted them passes ``unread_notifications_known`` (no second query)."""
    known = context.get("unread_notifications_known")
    if known is not None:
        return known
    request = context.get("request")
    return unread_count(actor=request.user) if request is not None else 0


@register.filter
def accessible_widget(bound_field):
    """The widget, with ``aria-describedby`` pointing at its hint and its error messages."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    return bound_field.as_widget(attrs=attrs)
