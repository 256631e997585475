"""Root conftest: makes the shared personas and browser settings available to every test folder."""

pytest_plugins = ["tests.personas"]
