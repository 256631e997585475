"""Organizations app."""
