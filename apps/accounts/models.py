"""Users, their home organization and their roles in organizations."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.access.querysets import ScopedQuerySet


def person_search(term: str, *, prefix: str = "") -> Q:
    """Every word typed matches a username, first or last name or e-mail ("ava ngu" finds Ava Nguyen).

    ``prefix`` reaches the person through a relation, e.g. ``"student__"``.
    """
    condition = Q()
    for word in term.split()[:5]:
        condition &= (
            Q(**{f"{prefix}username__icontains": word})
            | Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}email__icontains": word})
        )
    return condition


class UserQuerySet(ScopedQuerySet):
    def by_username(self, usernames: Iterable[str]) -> Callable[[str], User | None]:
        """Look usernames up among these people in one query. A username finds its user exactly, or in another
        letter case when only one user has it so (``ava.n`` finds ``Ava.N``); otherwise None."""
        names = set(usernames)
        lowered = {name.lower() for name in names}
        found: dict[str, list[User]] = {}
        for person in self.alias(key=Lower("username")).filter(Q(username__in=names) | Q(key__in=lowered)):
            found.setdefault(person.username.lower(), []).append(person)

        def lookup(username: str) -> User | None:
            matches = found.get(username.lower(), [])
            exact = [person for person in matches if person.username == username]
            return exact[0] if exact else matches[0] if len(matches) == 1 else None

        return lookup


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


def display_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """How a person is named on every page: "First Last", or their username when they have no name.
    Takes the three columns so pages reading plain rows name people the same way."""
    return " ".join(part for part in (first_name, last_name) if part) or username or ""


class User(AbstractUser):
    """A person. ``organization`` is their home organization.

    A contract instructor teaches classes of other organizations and may issue
    to every student enrolled in those classes (DESIGN §1, rule 3).
    """

    email = models.EmailField("e-mail address", blank=True, db_index=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Home organization.",
    )
    is_contract_instructor = models.BooleanField(
        "contract instructor",
        default=False,
        help_text="May issue badges to every student enrolled in the classes they teach.",
    )

    objects = PortalUserManager()

    class Meta(AbstractUser.Meta):
        ordering = ["last_name", "first_name", "username"]
        indexes = [  # a person named by username or e-mail in any letter case (Award Badge, the API)
            models.Index(Lower("username"), name="user_username_lower"),
            models.Index(Lower("email"), name="user_email_lower"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.username[:2].upper()


class Membership(models.Model):
    """A user's role in an organization."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", "Administrator"
        INSTRUCTOR = "instructor", "Instructor"
        STUDENT = "student", "Student"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.organization}"
