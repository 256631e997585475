"""Factories for users and roles."""

import factory
from django.contrib.auth.models import Permission

from apps.accounts.models import Membership, User
from apps.organizations.tests.factories import OrganizationFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.django.Password("pass-word-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.STUDENT


def make_administrator(organization, **kwargs) -> User:
    """An organization administrator: the administrator role plus the issue_badge permission."""
    user = UserFactory(organization=organization, **kwargs)
    MembershipFactory(user=user, organization=organization, role=Membership.Role.ADMINISTRATOR)
    user.user_permissions.add(Permission.objects.get(codename="issue_badge", content_type__app_label="issued_badges"))
    return User.objects.get(pk=user.pk)  # fresh object: no cached permissions


def make_student(organization, **kwargs) -> User:
    user = UserFactory(organization=organization, **kwargs)
    MembershipFactory(user=user, organization=organization, role=Membership.Role.STUDENT)
    return user


def make_instructor(organization, **kwargs) -> User:
    user = UserFactory(organization=organization, **kwargs)
    MembershipFactory(user=user, organization=organization, role=Membership.Role.INSTRUCTOR)
    return user
