"""People: a person's pages (their Achievements/Badges), above the apps whose records they gather."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "apps.people"
    label = "people"
