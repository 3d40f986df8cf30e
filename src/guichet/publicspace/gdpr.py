"""The public-space part of a person's GDPR export and erasure (the reports themselves are
cases: see cases.gdpr)."""

from django.db.models import Q

from guichet.publicspace.models import Alert, Report, ReportSubscription


def export(user) -> dict:
    return {
        "reports_public_name": list(
            Report.objects.filter(case__requester=user, show_name=True).values_list(
                "case__reference", "public_name"
            )
        ),
        "followed_reports": list(
            ReportSubscription.objects.filter(user=user).values_list(
                "report__case__reference", flat=True
            )
        ),
        "alerts": [
            {
                "commune": a.commune.name if a.commune_id else None,
                "latitude": a.latitude,
                "longitude": a.longitude,
                "radius_m": a.radius_m,
                "category": a.category.code if a.category_id else None,
            }
            for a in Alert.objects.filter(user=user).select_related("commune", "category")
        ],
    }


def erase(user) -> None:
    """Alerts and follows (with her account, or by an address she verified) are deleted; the
    public name on her reports is removed. Runs before the cases part, which forgets the
    contact address that finds her anonymous reports."""
    from guichet.cases.gdpr import persons_cases, verified_emails

    Alert.objects.filter(user=user).delete()
    follows = Q(user=user)
    for email in verified_emails(user):
        follows |= Q(user__isnull=True, email__iexact=email)
    ReportSubscription.objects.filter(follows).delete()
    Report.objects.filter(case__in=persons_cases(user)).update(show_name=False, public_name="")
