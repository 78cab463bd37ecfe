"""A first history snapshot of every existing partnership and network.

The visible history compares consecutive snapshots (``partnerships.history``); without this one
the first edit of an older partnership would have nothing to compare with.
"""

from django.db import migrations

PARTNERSHIP_FIELDS = (
    "id",
    "title",
    "status",
    "start_date",
    "end_date",
    "description",
    "over_capacity_reason",
    "version",
    "municipality_id",
    "network_id",
)
PARTNERSHIP_LISTS = (
    # (through table of the model, historical list model, the related id column)
    ("risk_factors", "HistoricalPartnership_risk_factors", "riskfactor_id"),
    ("forms", "HistoricalPartnership_forms", "formofinteraction_id"),
    ("directions", "HistoricalPartnership_directions", "direction_id"),
    ("resources", "HistoricalPartnership_resources", "resourcekind_id"),
)
NETWORK_FIELDS = (
    "id",
    "name",
    "model",
    "description",
    "version",
    "municipality_id",
    "coordinator_id",
    "updated_by_id",
)


def fill(apps, schema_editor):
    Partnership = apps.get_model("partnerships", "Partnership")
    PartnershipMember = apps.get_model("partnerships", "PartnershipMember")
    HistoricalPartnership = apps.get_model("partnerships", "HistoricalPartnership")
    HistoricalMember = apps.get_model("partnerships", "HistoricalPartnershipMember")
    Network = apps.get_model("partnerships", "Network")
    HistoricalNetwork = apps.get_model("partnerships", "HistoricalNetwork")
    HistoricalNetworkMembers = apps.get_model("partnerships", "HistoricalNetwork_members")

    done = set(HistoricalPartnership.objects.values_list("id", flat=True))
    for partnership in Partnership.objects.exclude(pk__in=done).iterator():
        record = HistoricalPartnership.objects.create(
            history_date=partnership.updated_at,
            history_type="+",
            **{name: getattr(partnership, name) for name in PARTNERSHIP_FIELDS},
        )
        HistoricalMember.objects.bulk_create(
            HistoricalMember(
                history=record,
                id=m.pk,
                partnership_id=m.partnership_id,
                organisation_id=m.organisation_id,
                role=m.role,
                agreed_at=m.agreed_at,
                agreed_by_id=m.agreed_by_id,
            )
            for m in PartnershipMember.objects.filter(partnership=partnership)
        )
        for name, model_name, column in PARTNERSHIP_LISTS:
            through = getattr(Partnership, name).through
            historical = apps.get_model("partnerships", model_name)
            historical.objects.bulk_create(
                historical(
                    history=record,
                    id=row["id"],
                    partnership_id=partnership.pk,
                    **{column: row[column]},
                )
                for row in through.objects.filter(partnership=partnership).values("id", column)
            )

    done = set(HistoricalNetwork.objects.values_list("id", flat=True))
    for network in Network.objects.exclude(pk__in=done).iterator():
        record = HistoricalNetwork.objects.create(
            history_date=network.updated_at,
            history_type="+",
            **{name: getattr(network, name) for name in NETWORK_FIELDS},
        )
        through = Network.members.through
        HistoricalNetworkMembers.objects.bulk_create(
            HistoricalNetworkMembers(
                history=record,
                id=row["id"],
                network_id=network.pk,
                organisation_id=row["organisation_id"],
            )
            for row in through.objects.filter(network=network).values("id", "organisation_id")
        )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0007_history_versions_regional_templates")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
