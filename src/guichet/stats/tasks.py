"""Periodic jobs of the statistics. ``cases.processing_times`` keeps the name it had when the
case engine computed the figures, so its ``PeriodicJob`` row and schedule carry on."""

from __future__ import annotations

from datetime import timedelta

from guichet.core.periodic import register_periodic


@register_periodic("cases.processing_times", every=timedelta(hours=24))
def processing_times_sweep() -> int:
    """Recompute the usual processing time of each service (a small table the pages read)."""
    from guichet.stats.services import processing_times_compute

    return processing_times_compute()
