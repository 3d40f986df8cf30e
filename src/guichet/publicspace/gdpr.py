"""The public-space part of a person's GDPR export and erasure (the reports themselves are
cases: see cases.gdpr)."""

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
    """Alerts and follows are deleted; the public name on reports is removed."""
    Alert.objects.filter(user=user).delete()
    ReportSubscription.objects.filter(user=user).delete()
    Report.objects.filter(case__requester=user).update(show_name=False, public_name="")
