"""Every badge image already uploaded is re-made as images.py makes new ones (a decoded and re-encoded picture, or
an allow-listed SVG, under a name the portal chooses); a file that is not an image the portal keeps — a script
behind an image signature, an SVG with scripts or external references — is removed from the badge."""

import contextlib
import logging

from django.core.exceptions import ValidationError
from django.db import migrations

logger = logging.getLogger(__name__)


def remake(apps, schema_editor):
    from apps.badges.images import clean_badge_image

    Badge = apps.get_model("badges", "Badge")
    for badge in Badge.objects.exclude(image="").iterator():
        old = badge.image.name
        try:
            with badge.image.open("rb") as upload:
                cleaned = clean_badge_image(upload)
        except (ValidationError, OSError) as refused:
            logger.warning("Badge %s: its image %s is not kept (%s)", badge.pk, old, refused)
            badge.image = ""
        else:
            badge.image.save(cleaned.name, cleaned, save=False)
        Badge.objects.filter(pk=badge.pk).update(image=badge.image.name or "")
        with contextlib.suppress(OSError):
            badge.image.storage.delete(old)


class Migration(migrations.Migration):
    dependencies = [("badges", "0001_initial")]

    operations = [migrations.RunPython(remake, migrations.RunPython.noop, elidable=True)]
