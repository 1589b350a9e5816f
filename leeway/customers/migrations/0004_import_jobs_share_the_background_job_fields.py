"""Import jobs share core's background-job fields: the file's size and bytes read become the job's
progress total and done, the problem with the file its error. Renamed in place: existing jobs keep
their figures and messages."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_segments_named")]

    operations = [
        migrations.RenameField("importjob", "size_bytes", "progress_total"),
        migrations.RenameField("importjob", "bytes_read", "progress_done"),
        migrations.RenameField("importjob", "failure", "error"),
        migrations.AlterField(
            "importjob", "progress_total", models.BigIntegerField(default=0, verbose_name="total")
        ),
        migrations.AlterField("importjob", "progress_done", models.BigIntegerField(default=0, verbose_name="done")),
        migrations.AlterField("importjob", "error", models.TextField(blank=True, verbose_name="error")),
    ]
