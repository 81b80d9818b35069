import factory

from access.tiers import Tier
from content.models import Chapter, Course, Section


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("slug",)

    slug = "test-course"
    title = "Test Course"
    published = True


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"chapter-{n + 1}")
    title = factory.Sequence(lambda n: f"Chapter {n + 1}")
    summary = "What this chapter covers."
    required_tier = Tier.FREE
    published = True


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    chapter = factory.SubFactory(ChapterFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Section {n + 1}")
    content = "## Heading\n\nSome *Markdown* text.\n"
