"""Access to a class's issuing pages: its organization's administrators and its instructors."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Classroom
from .scope import IssuerScope, issuer_scope


def issuer_classroom(request: HttpRequest, pk: int) -> tuple[Classroom, IssuerScope]:
    """The class and the user's scope in it; 404 for anyone who may not issue there (never confirm it exists)."""
    classroom = get_object_or_404(Classroom.objects.select_related("organization", "course"), pk=pk)
    scope = issuer_scope(request.user, classroom)
    if not scope.permitted:
        raise Http404("No class found.")
    return classroom, scope
