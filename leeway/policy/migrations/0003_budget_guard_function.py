"""PostgreSQL: leeway_budget_guard(), which refuses a charge that did not fit every counter of a budget set.

The decision engine charges a budget set in the same round trip as its writes and its COMMIT (see
leeway.decisions.store.postgres); when a counter filled up since it was read, this
function raises (SQLSTATE LW001), the whole transaction is rolled back and the decision is judged
again with the counters locked. Other databases charge in a step of their own and need no function.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION leeway_budget_guard(charged integer, expected integer) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    IF charged < expected THEN
        RAISE EXCEPTION 'a budget filled up since it was read (% of % counters charged)', charged, expected
            USING ERRCODE = 'LW001';
    END IF;
    RETURN charged;
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS leeway_budget_guard(integer, integer);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # the body has % placeholders of its own


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_budgets_retire_instead_of_delete")]

    operations = [migrations.RunPython(create, drop)]
