"""Value runs share core's background-job fields: customers with purchases and customers updated
become the run's progress total and done (as big integers, like every job's), the model's
explanation its error. Renamed in place: existing runs keep their figures and messages."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("value", "0004_run_records_boundary_penalty")]

    operations = [
        migrations.RenameField("valuerun", "customers", "progress_total"),
        migrations.RenameField("valuerun", "customers_updated", "progress_done"),
        migrations.RenameField("valuerun", "failure_detail", "error"),
        migrations.AlterField("valuerun", "progress_total", models.BigIntegerField(default=0, verbose_name="total")),
        migrations.AlterField("valuerun", "progress_done", models.BigIntegerField(default=0, verbose_name="done")),
        migrations.AlterField("valuerun", "error", models.TextField(blank=True, verbose_name="error")),
    ]
