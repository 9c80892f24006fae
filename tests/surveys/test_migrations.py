"""Data migrations: what an upgrade does to a centre's existing rows."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from surveys.models import Response
from tests.factories import ContactFactory, InvitationFactory

BEFORE_QUEUE = [("surveys", "0014_dimension_code_validators")]
WITH_QUEUE = [("surveys", "0015_response_queue")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


# Migrations run outside a transaction the test could roll back; the rows are flushed afterwards.
@pytest.mark.django_db(transaction=True)
def test_upgrading_copies_each_contact_queue_onto_its_response():
    answered = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)
    for external_id, queue in (("C-billing", "billing"), ("C-none", "")):
        contact = ContactFactory(external_id=external_id, queue=queue)
        Response.objects.create(
            contact=contact,
            survey=InvitationFactory(contact=contact).survey,
            channel="web",
            answered_at=answered,
            agent=contact.agent,
            team=contact.team,
            site=contact.site,
        )
    try:
        # A database from before 0015 (the column gone), then the upgrade.
        _migrate(BEFORE_QUEUE)
        _migrate(WITH_QUEUE)
        queues = dict(Response.objects.values_list("contact__external_id", "queue"))
        assert queues == {"C-billing": "billing", "C-none": ""}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
