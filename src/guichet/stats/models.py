"""Statistics: figures computed by periodic jobs from the cases, read by the pages.

``ProcessingTime`` keeps the table it had in ``cases`` (``cases_processingtime``): the model moved
between apps without the data moving (``migrations/0001_initial.py``)."""

from __future__ import annotations

from django.db import models


class ProcessingTime(models.Model):
    """How long a service usually takes, from filing to closing (cases closed in the last 12
    months): computed by the ``cases.processing_times`` periodic job (``stats.services``), read by
    the service and case pages. ``commune`` empty: the whole platform."""

    definition = models.ForeignKey(
        "services.ServiceDefinition", on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        "territory.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    median_days = models.FloatField()
    p90_days = models.FloatField()  # 9 cases out of 10 closed in less than this
    cases_count = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "cases_processingtime"
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "commune"], name="processing_time_unique"
            ),
            models.UniqueConstraint(
                fields=["definition"],
                condition=models.Q(commune__isnull=True),
                name="processing_time_platform_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}/{self.commune_id}: {self.median_days:.1f} j"
