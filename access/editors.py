"""The Editors group: staff who write course material but never touch users or tiers."""

EDITORS_GROUP = "Editors"
EDITOR_ACTIONS = ("add", "change", "delete", "view")


def grant_editor_permissions(apps, app_label: str) -> None:
    """Give Editors every model permission of `app_label` (for use in data migrations).

    Permissions are normally created after migrate finishes, so they are created here first."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label=app_label,
        codename__regex=rf"^({'|'.join(EDITOR_ACTIONS)})_",
    )
    group.permissions.add(*permissions)


def revoke_editor_permissions(apps, app_label: str) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS_GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label))
