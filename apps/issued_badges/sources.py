"""Where an issued badge came from, in the viewer's words, with links only to what the viewer may open.

Staff read the source as the portal names it ("Roster", "Username list") with its class, course assignment or
achievement, linked when they may open it; the holder reads it in their own words ("Awarded by your instructor
in Cloud Fundamentals", "Earned: Networking course completed") and is sent to no staff page. Find Issued
Badges, an issued badge's page and a person's badges page all describe sources here.
"""

import functools
import uuid
from dataclasses import dataclass

from django.urls import reverse

from apps.access import policy

from .models import IssuedBadge, Source, related_model

AUTOMATIC = "Automatic evaluation"  # who issued an achievement's badge when nobody pressed Evaluate now


@dataclass(frozen=True)
class SourceWords:
    label: str  # "Roster", or the holder's sentence
    context: str = ""  # the class, course or achievement
    url: str = ""  # the context's page, for those who may open it
    batch_url: str = ""  # the issuance's page, for those who may open it


@dataclass(frozen=True)
class Origin:
    """What the words are made of: the columns of an issued badge and of the things it names."""

    source: str
    organization_id: int
    organization_name: str
    recipient_id: int
    issued_by_id: int | None
    classroom_id: int | None = None
    class_title: str = ""
    course_assignment_id: int | None = None
    course_title: str = ""
    achievement_name: str = ""
    batch_uuid: object = None
    issuer_teaches: bool = False  # the issuer is an instructor of its class

    @classmethod
    def of(cls, issued: IssuedBadge, *, issuer_teaches: bool = False) -> "Origin":
        """An issued badge read with its badge's organization, class, course assignment's course, achievement
        and batch."""
        return cls(
            source=issued.source,
            organization_id=issued.badge.organization_id,
            organization_name=issued.badge.organization.name,
            recipient_id=issued.recipient_id,
            issued_by_id=issued.issued_by_id,
            classroom_id=issued.classroom_id,
            class_title=issued.classroom.title if issued.classroom_id else "",
            course_assignment_id=issued.course_assignment_id,
            course_title=issued.course_assignment.course.title if issued.course_assignment_id else "",
            achievement_name=issued.achievement.name if issued.achievement_id else "",
            batch_uuid=issued.batch.uuid if issued.batch_id else None,
            issuer_teaches=issuer_teaches,
        )


def origins_of(items: list[IssuedBadge]) -> list[Origin]:
    """The origins of a page's issued badges, with whether each issuer teaches its class (one query)."""
    classes = {item.classroom_id for item in items if item.classroom_id}
    teaching = set()
    if classes:
        links = related_model("classroom").objects.filter(pk__in=classes, instructor_links__isnull=False)
        teaching = set(links.values_list("pk", "instructor_links__instructor_id"))
    return [Origin.of(item, issuer_teaches=(item.classroom_id, item.issued_by_id) in teaching) for item in items]


_SAMPLE = {int: "987654321", uuid.UUID: "00000000-0000-4000-8000-000000000000"}


@functools.cache
def _pattern(name: str, kind: type) -> str:
    """A URL reversed once with a sample argument: a page's fifty rows fill it in instead of reversing each."""
    return reverse(name, args=[_SAMPLE[kind]])


def _url(name: str, arg) -> str:
    kind = uuid.UUID if isinstance(arg, uuid.UUID) else int
    return _pattern(name, kind).replace(_SAMPLE[kind], str(arg))


def describe_sources(items: list[IssuedBadge], viewer) -> list[IssuedBadge]:
    """Set ``source_words`` and ``issuer`` on each of a page's issued badges (read ``with_origin()``), as
    ``viewer`` reads them."""
    for item, origin in zip(items, origins_of(items), strict=True):
        item.source_words = source_words(origin, viewer)
        item.issuer = issuer_words(item.issued_by.display_name if item.issued_by_id else "", item.source)
    return items


def holder_words(origin: Origin) -> str:
    """The source as its holder reads it."""
    if origin.source in (Source.ROSTER, Source.BATCH) and origin.class_title:
        if origin.issuer_teaches:
            return f"Awarded by your instructor in {origin.class_title}"
        return f"Awarded by {origin.organization_name} in {origin.class_title}"
    if origin.source == Source.ASSIGNMENT and origin.course_title:
        return f"Awarded for your course assignment: {origin.course_title}"
    if origin.source == Source.ACHIEVEMENT and origin.achievement_name:
        return f"Earned: {origin.achievement_name}"
    # A username list, the API, a person's profile: the organization awarded it (the holder never reads the
    # portal's name for the page it was done from).
    return f"Awarded by {origin.organization_name}"


def source_words(origin: Origin, viewer) -> SourceWords:
    """The source as ``viewer`` reads it: the holder's sentence, or the staff's label and links."""
    person = policy.person_of(viewer)
    if (
        person is not None
        and person.pk == origin.recipient_id
        and not policy.administers(viewer, origin.organization_id)
    ):
        return SourceWords(label=holder_words(origin))
    label = Source(origin.source).label
    batch_url = ""
    if origin.batch_uuid and policy.may_open_batch_of(viewer, origin.organization_id, origin.issued_by_id):
        batch_url = _url("issued_badges:batch", origin.batch_uuid)
    if origin.classroom_id:
        url = ""
        if policy.may_open_roster(viewer, origin.classroom_id, origin.organization_id):
            url = _url("classes:roster", origin.classroom_id)
        return SourceWords(label, origin.class_title, url, batch_url)
    if origin.course_assignment_id:
        url = ""
        if policy.administers(viewer, origin.organization_id):
            url = _url("assignments:detail", origin.course_assignment_id)
        return SourceWords(label, origin.course_title, url, batch_url)
    return SourceWords(label, origin.achievement_name, "", batch_url)


def issuer_words(issued_by_name: str, source: str) -> str:
    """Who issued it: a person's name, or the automatic evaluation for an achievement nobody started by hand."""
    if issued_by_name:
        return issued_by_name
    return AUTOMATIC if source == Source.ACHIEVEMENT else "—"
