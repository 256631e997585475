"""The one access policy (DESIGN §5): every QuerySet, form, view, template and the door ask ``policy``."""
