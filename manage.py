#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_portal.settings")
    # manage.py is the developer's tool: with nothing set it runs as local development. Production
    # sets DEBUG=0 and SECRET_KEY (README), and gunicorn's wsgi.py has no such default.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
