"""Interoperability self-test of a badge: build a sample Open Badges 3.0 credential for it and check it (JSON
Schema, proof, did:web, status list, image, OB 2.0 BadgeClass). One line per check; exit status 1 when any fails."""

from django.core.management.base import BaseCommand, CommandError

from apps.badges.models import Badge
from apps.credentials.selftest import badge_self_test


class Command(BaseCommand):
    help = "Build a sample OpenBadgeCredential for a badge and check it; exits non-zero when a check fails."

    def add_arguments(self, parser):
        parser.add_argument("--badge", type=int, required=True, help="The badge's id.")

    def handle(self, *args, badge: int, **options):
        found = Badge.objects.select_related("organization").filter(pk=badge).first()
        if found is None:
            raise CommandError(f"No badge has the id {badge}.")
        self.stdout.write(f"Credentials self-test of {found.name!r} ({found.organization.name})")
        checks = badge_self_test(found)
        for check in checks:
            mark = self.style.SUCCESS("PASS") if check.passed else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark}  {check.name}: {check.detail}")
        failed = sum(not check.passed for check in checks)
        if failed:
            raise CommandError(f"{failed} of {len(checks)} checks failed.")
        self.stdout.write(self.style.SUCCESS(f"All {len(checks)} checks passed."))
