"""manage.py seed_demo: create the demo world (idempotent)."""

from django.core.management.base import BaseCommand

from apps.demo.world import DEMO_PASSWORD, NORTHWIND_STUDENTS, STAFF, seed_demo_world


class Command(BaseCommand):
    help = "Create the demo organizations, users, classes, badges and activity. Safe to run again."

    def handle(self, *args, **options) -> None:
        created = seed_demo_world()
        if created:
            summary = ", ".join(f"{count} {name}" for name, count in sorted(created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo world created: {summary}."))
        else:
            self.stdout.write("Demo world already present: nothing to do.")
        usernames = [person.username for person in STAFF] + [NORTHWIND_STUDENTS[0]]
        self.stdout.write(f"Demo password for every user: {DEMO_PASSWORD} (demo only). Try {', '.join(usernames)}.")
