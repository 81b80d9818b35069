"""The four tiers as sold at launch. Staff edit them afterwards in the admin; this only seeds."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    ("free", Decimal("0.00"), "The first 3 chapters\nTheir quizzes", "Start learning for free."),
    (
        "premium",
        Decimal("9.99"),
        "All chapters\nAll quizzes\nProgress tracking",
        "The whole course with quizzes and progress.",
    ),
    (
        "pro",
        Decimal("19.99"),
        "Everything in Premium\nPro-only material",
        "Premium plus the pro-only material.",
    ),
    ("team", Decimal("49.99"), "Everything in Pro\nSeats for a team", "Pro for a whole team."),
]


def seed(apps, schema_editor):
    TierPlan = apps.get_model("access", "TierPlan")
    for name, price, unlocks, description in PLANS:
        TierPlan.objects.get_or_create(
            name=name,
            defaults={"price_usd_month": price, "unlocks": unlocks, "description": description},
        )


def unseed(apps, schema_editor):
    apps.get_model("access", "TierPlan").objects.filter(name__in=[p[0] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0002_tier_plans_and_changes")]

    operations = [migrations.RunPython(seed, unseed)]
