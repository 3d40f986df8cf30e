"""Who may do what in assistance (``guichet.core.policies.AccessPolicy``).

- **Help articles** (``support.article``): anyone reads a published article; the editors of
  its organisation (members with the designer, manager or support role, second factor
  passed) read drafts and previews, write versions and publish.
- **People in the support console** (``support.person``): support agents (the support role,
  second factor passed) see and help *citizens*. An account with a membership, staff or
  superuser is never reachable from the console: resetting an agent's or an admin's second
  factor on a phone call is how accounts with powers get taken over.
- **Terms** (``support.terms``): the platform admins publish the platform's terms and privacy
  notice; a commune's managers (or a platform admin) publish its own service terms.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from guichet.core.permissions import is_platform_admin, powers_granted
from guichet.core.policies import AccessPolicy, register_policy
from guichet.territory.models import Membership

EDITOR_ROLES = (Membership.Role.DESIGNER, Membership.Role.MANAGER, Membership.Role.SUPPORT)


def _org_ids_with_roles(user, roles) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not powers_granted(user):
        return set()
    return set(
        Membership.objects.filter(user=user, role__in=roles).values_list(
            "team__organisation_id", flat=True
        )
    )


def editor_organisation_ids(user) -> set[int]:
    """The organisations whose help articles ``user`` writes."""
    return _org_ids_with_roles(user, EDITOR_ROLES)


def support_organisation_ids(user) -> set[int]:
    """The organisations ``user`` is a support agent of (empty without a second factor)."""
    return _org_ids_with_roles(user, (Membership.Role.SUPPORT,))


def is_support_agent(user) -> bool:
    return bool(support_organisation_ids(user))


class HelpArticlePolicy(AccessPolicy):
    name = "support.article"

    def _can_view(self, actor, obj) -> bool:
        return obj.is_published or obj.organisation_id in editor_organisation_ids(actor)

    def _can_act(self, actor, obj, action: str) -> bool:
        return obj.organisation_id in editor_organisation_ids(actor)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        from django.db.models import Q

        return queryset.filter(
            Q(is_published=True) | Q(organisation_id__in=editor_organisation_ids(actor))
        )


class SupportPersonPolicy(AccessPolicy):
    name = "support.person"

    @staticmethod
    def _is_citizen(person) -> bool:
        return not (
            person.is_staff
            or person.is_superuser
            or Membership.objects.filter(user_id=person.pk).exists()
        )

    def _can_view(self, actor, obj) -> bool:
        return is_support_agent(actor) and self._is_citizen(obj)

    def _can_act(self, actor, obj, action: str) -> bool:
        return action in {
            "resend_verification",
            "unlock",
            "reset_second_factor",
            "end_sessions",
        }

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if not is_support_agent(actor):
            return queryset.none()
        # NOT EXISTS (an anti-join the planner estimates well), not a LEFT JOIN ... IS NULL:
        # with the latter PostgreSQL expected almost no citizen left and sorted every
        # namesake instead of reading the console's name index in order.
        return queryset.filter(is_staff=False, is_superuser=False).exclude(
            Exists(Membership.objects.filter(user_id=OuterRef("pk")))
        )


class TermsPolicy(AccessPolicy):
    """``obj``: the organisation the document is published for."""

    name = "support.terms"

    def _can_view(self, actor, obj) -> bool:
        return True

    def _can_act(self, actor, obj, action: str) -> bool:
        if is_platform_admin(actor):
            return True
        return action == "publish_service_terms" and obj.pk in _org_ids_with_roles(
            actor, (Membership.Role.MANAGER,)
        )

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        return queryset


article_policy = register_policy(HelpArticlePolicy())
person_policy = register_policy(SupportPersonPolicy())
terms_policy = register_policy(TermsPolicy())
