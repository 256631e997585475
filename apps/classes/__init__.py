"""Classes app."""
