"""``{% path 'cases:case' case.reference %}``: the ``{% url %}`` tag for lists (see
``guichet.core.urlpaths``); positional arguments only."""

from django import template

from guichet.core.urlpaths import path_to

register = template.Library()


@register.simple_tag(name="path")
def path_tag(name, *args):
    return path_to(name, *args)
