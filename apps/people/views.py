"""People: the list of the people one may see, and a person's Achievements/Badges page (their own at
/me/badges/, anyone's for the administrators and instructors who may see them)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.access.policy import may_see_person_page, roles_of, staff_required
from apps.accounts.models import User
from apps.achievements.selectors import explain_achievements
from apps.issued_badges.sources import origins_of, source_words

from .filters import PersonFilter
from .selectors import achievements_earned, badges_shown_to, people_list


def _person_page(request: HttpRequest, person: User) -> HttpResponse:
    issued = list(badges_shown_to(viewer=request.user, person=person))
    for item, origin in zip(issued, origins_of(issued), strict=True):
        item.source_words = source_words(origin, request.user)
    own_page = person.pk == request.user.pk
    explanations = explain_achievements(viewer=request.user, person=person, holding=issued)
    context = {
        "person": person,
        "own_page": own_page,
        "issued": issued,
        "active_count": sum(not i.is_revoked for i in issued),
        "achievements": achievements_earned(viewer=request.user, person=person),
        "explanations": explanations,
        "all_held": all(explanation.badge_state == "held" for explanation in explanations),
        "can_revoke": not own_page and roles_of(request.user).is_admin,
    }
    return render(request, "people/user_badges.html", context)


@login_required
@require_GET
def my_badges(request: HttpRequest) -> HttpResponse:
    """The student's own Achievements/Badges page."""
    return _person_page(request, request.user)


@login_required
@require_GET
def user_badges(request: HttpRequest, pk: int) -> HttpResponse:
    """A student's Achievements/Badges page, for their administrators and instructors."""
    person = get_object_or_404(User.objects.visible_to(request.user).select_related("organization"), pk=pk)
    if not may_see_person_page(request.user, person):
        raise Http404("No person found.")
    return _person_page(request, person)


@login_required
@require_GET
@staff_required("People is for administrators and instructors.")
def people(request: HttpRequest) -> HttpResponse:
    """People: find a person of one's organizations or classes (administrators and instructors)."""
    filters = PersonFilter(request.GET, queryset=people_list(viewer=request.user), request=request)
    page = Paginator(filters.rows, 50).get_page(request.GET.get("page"))
    return render(request, "people/people_list.html", {"filter": filters, "page": page, "search": filters.cleaned("q")})
