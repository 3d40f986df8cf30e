"""Reads of the public-space service: categories, Open311 services."""

from django.db.models import QuerySet

from guichet.publicspace.models import Category
from guichet.territory.models import CompetenceRule, Organisation
from guichet.territory.selectors import subject_prefixes


def categories_tree() -> list[tuple[Category, list[Category]]]:
    """Active top-level categories, each with its active children, in display order."""
    categories = list(Category.objects.filter(is_active=True).order_by("order", "name"))
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    return [(c, children.get(c.id, [])) for c in categories if c.parent_id is None]


def reportable_categories() -> QuerySet[Category]:
    """Categories that take reports: active leaves that are not guidance-only."""
    return (
        Category.objects.filter(is_active=True, guidance_only=False, children__isnull=True)
        .select_related("parent")
        .order_by("parent__order", "order", "name")
    )


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, is_active=True).select_related("parent").first()


def jurisdiction(slug: str) -> Organisation | None:
    """Open311 jurisdictions are organisations (the metropolis, each commune, other bodies)."""
    return Organisation.objects.filter(slug=slug, is_active=True).first()


def categories_handled_by(organisation: Organisation, categories) -> list[Category]:
    """The categories ``organisation`` is in charge of somewhere, by the competence rules."""
    subjects = set(
        CompetenceRule.objects.filter(organisation=organisation).values_list("subject", flat=True)
    )
    return [c for c in categories if subjects & set(subject_prefixes(c.subject))]
