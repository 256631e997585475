"""Rotate an organization's signing key: the active key is retired (kept in its DID document, so credentials it
signed stay verifiable) and a new key signs from now on."""

from django.core.management.base import BaseCommand, CommandError

from apps.credentials.identifiers import verification_method
from apps.credentials.keys import signing_key_rotate
from apps.organizations.models import Organization


class Command(BaseCommand):
    help = "Retire an organization's active signing key and make a new one (old keys stay published)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="The organization's slug.")

    def handle(self, *args, organization: str, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization has the slug {organization!r}.")
        key = signing_key_rotate(organization_id=found.pk)
        self.stdout.write(f"{found.name}: new signing key {verification_method(found.slug, key.public_key_multibase)}")
