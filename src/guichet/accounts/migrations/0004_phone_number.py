"""The profiles' phone numbers as E.164 digits in a table of their own, indexed: the support
console finds a person by phone with an index range instead of reading every profile's JSON.
Filled here from the profiles already written."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    PhoneNumber = apps.get_model("accounts", "PhoneNumber")
    rows = []
    for user_id, numbers in Profile.objects.exclude(phone_numbers=[]).values_list(
        "user_id", "phone_numbers"
    ):
        digits = {"".join(c for c in str(n) if c.isdigit()) for n in numbers or []}
        rows += [PhoneNumber(user_id=user_id, digits=d[:15]) for d in sorted(digits) if d]
    PhoneNumber.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_dependant"),
    ]

    operations = [
        migrations.CreateModel(
            name="PhoneNumber",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digits", models.CharField(max_length=15, verbose_name="chiffres E.164")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phone_index",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "numéro de téléphone",
                "verbose_name_plural": "numéros de téléphone",
                "indexes": [models.Index(fields=["digits"], name="accounts_phone_digits_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "digits"), name="accounts_phone_user_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
