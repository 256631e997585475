"""``manage.py api_key create --organization <slug> --name <name>``: make an API key; the key alone on the last
line (for scripts: ``KEY=$(manage.py api_key create … | tail -1)``)."""

from django.core.management.base import BaseCommand, CommandError

from apps.organizations.models import Organization

from ...services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organization (it acts for that organization and its children)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="create a key and print it once")
        create.add_argument("--organization", required=True, help="the organization's slug")
        create.add_argument("--name", required=True, help="what the key is for, e.g. “Lab host”")

    def handle(self, *args, command, organization, name, **options):
        found = Organization.objects.filter(slug=organization).first()
        if found is None:
            raise CommandError(f"No organization “{organization}”.")
        if not name.strip():
            raise CommandError("Give the key a name.")
        api_key, key = api_key_create(organization=found, name=name)
        self.stdout.write(f"API key “{api_key.name}” for {found.name} (prefix bp_{api_key.prefix}); it is shown once:")
        self.stdout.write(key)
