"""The webhook models and ``ProcessingTime`` left ``cases`` without their data moving: a database
migrated before the move (here: the test database taken back to ``cases.0011``, the state of
``main`` before it) keeps its rows, its tables and, through their content types, the
permissions given on those models."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guichet.stats.models import ProcessingTime
from guichet.webhooks.models import WebhookEndpoint
from tests.factories import CommuneFactory
from tests.factories.cases import published_service

BEFORE = [("cases", "0011_processing_times"), ("webhooks", None), ("stats", None)]
MOVED = {
    "webhooks": ["webhookendpoint", "webhookdelivery", "webhookattempt"],
    "stats": ["processingtime"],
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_rows_and_content_types():
    commune = CommuneFactory()
    definition = published_service(organisation=commune)
    tables_before = set(connection.introspection.table_names())

    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[0]).apps
    # As main had it: the content types under ``cases``, rows written through ``cases`` models.
    ContentType.objects.filter(app_label__in=MOVED).delete()
    cases_types = {
        model: ContentType.objects.create(app_label="cases", model=model).pk
        for models in MOVED.values()
        for model in models
    }
    endpoint = old.get_model("cases", "WebhookEndpoint").objects.create(
        organisation_id=commune.pk, key="sirh", url="https://sirh.example.org/hook", secret="x"
    )
    old.get_model("cases", "ProcessingTime").objects.create(
        definition_id=definition.pk,
        median_days=3.0,
        p90_days=9.0,
        cases_count=25,
        computed_at=timezone.now(),
    )

    _migrate(None)
    ContentType.objects.clear_cache()

    assert set(connection.introspection.table_names()) == tables_before
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).key == "sirh"
    assert ProcessingTime.objects.get(definition=definition).cases_count == 25
    for app, models in MOVED.items():
        for model in models:
            assert ContentType.objects.get(app_label=app, model=model).pk == cases_types[model]
    assert not ContentType.objects.filter(app_label="cases", model__in=cases_types).exists()
