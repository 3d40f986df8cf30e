"""Open311 GeoReport v2 server at /open311/v2/ (http://wiki.open311.org/GeoReport_v2)."""

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.publicspace import open311_format as fmt311
from guichet.publicspace.models import Category
from guichet.publicspace.selectors import (
    categories_handled_by,
    category_by_code,
    jurisdiction,
    reportable_categories,
)

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


def _jurisdiction_or_error(request, fmt):
    """(organisation or None, error response or None) for the optional ``jurisdiction_id``."""
    slug = request.GET.get("jurisdiction_id", "").strip()
    if not slug:
        return None, None
    organisation = jurisdiction(slug)
    if organisation is None:
        return None, fmt311.error(fmt, 404, _("jurisdiction_id inconnu : %(j)s") % {"j": slug})
    return organisation, None


def service_document(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent_id else "",
    }


@require_GET
def discovery(request, fmt):
    changed = Category.objects.aggregate(last=Max("updated_at"))["last"] or timezone.now()
    base = request.build_absolute_uri("/open311/v2/")
    payload = {
        "changeset": fmt311.iso(changed),
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": fmt311.iso(changed),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return fmt311.respond(fmt, "discovery", payload)


@require_GET
def services(request, fmt):
    organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    categories = list(reportable_categories())
    if organisation is not None:
        categories = categories_handled_by(organisation, categories)
    return fmt311.respond(fmt, "services", [service_document(c) for c in categories])


@require_GET
def service_definition(request, code, fmt):
    _organisation, error = _jurisdiction_or_error(request, fmt)
    if error:
        return error
    category = category_by_code(code)
    if category is None or not category.is_reportable:
        return fmt311.error(fmt, 404, _("service_code inconnu : %(c)s") % {"c": code})
    attributes = [
        {
            "variable": q.get("variable", True),
            "code": q["code"],
            "datatype": q["datatype"],
            "required": q["required"],
            "datatype_description": q.get("datatype_description", ""),
            "order": q["order"],
            "description": q["description"],
            "values": q.get("values", []),
        }
        for q in category.questions
    ]
    return fmt311.respond(
        fmt, "service_definition", {"service_code": category.code, "attributes": attributes}
    )


def not_found(request, rest=""):
    """Anything else under /open311/v2/ answers with the spec's error list, not an HTML page."""
    fmt = "json" if request.path.endswith(".json") else "xml"
    return fmt311.error(fmt, 404, _("Ressource Open311 inconnue : %(p)s") % {"p": request.path})
