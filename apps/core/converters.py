"""URL converters: ``<id:pk>`` matches a database id, so an absurd number is a 404, never a 500."""

from django.urls import register_converter

MAX_ID = 2**63 - 1  # PostgreSQL bigint


class IdConverter:
    regex = "[1-9][0-9]{0,17}"  # up to 18 digits: always below MAX_ID

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
