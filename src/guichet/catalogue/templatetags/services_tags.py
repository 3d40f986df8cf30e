import json

from django import template

register = template.Library()


@register.filter
def tojson(value) -> str:
    """JSON text, to be HTML-escaped by autoescape inside an attribute."""
    return json.dumps(value, ensure_ascii=False)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
