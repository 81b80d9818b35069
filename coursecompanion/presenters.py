"""What a student receives, assembled once for every front door.

Each function here is one student-facing resource: it takes the caller's credential (None when
anonymous) and plain arguments, asks the services, and returns the dict the resource's schema
describes. The REST operations (`*/api.py`) and the MCP tools only adapt these to their
protocol, so a chapter's lock state, completed flag and media URLs, a quiz without its answers,
or a progress overview are built in exactly one place. This layer sits above every app's
services and may call any of them; no service imports it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from access import services as access_services
from access.auth import Credential
from access.models import User, is_staff
from content import services as content_services
from content.media import media_url, media_urls_expire
from progress import services as progress_services
from quizzes import services as quiz_services


def viewer(credential: Credential | None) -> User | None:
    """The user a credential acts for (None when anonymous): without staff flags unless the
    credential carries staff powers (an OAuth app never does)."""
    return credential.acting_user if credential is not None else None


def _signed_in(credential: Credential | None) -> User:
    # Operations that need a student are behind a required token in every front door.
    if credential is None:
        raise access_services.NotAuthenticated()
    return credential.acting_user


# --- content ---------------------------------------------------------------------------------


def _with_completed(user: User | None, chapters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chapter summaries marked with whether the caller has completed them (one query)."""
    completed = progress_services.completed_chapter_ids(user=user)
    return [{**chapter, "completed": chapter["id"] in completed} for chapter in chapters]


def _media_urls(summaries: list[dict[str, Any]], base_url: str) -> dict[str, str]:
    """{name: absolute URL}, each made (and signed) once per call."""
    return {summary["name"]: urljoin(base_url, media_url(summary)) for summary in summaries}


def chapter_list(credential: Credential | None, *, page: slice) -> dict[str, Any]:
    user = viewer(credential)
    chapters = content_services.list_chapters(user=user)
    return {"items": _with_completed(user, chapters[page]), "count": len(chapters)}


def chapter_detail(
    credential: Credential | None, *, chapter_id: int, base_url: str
) -> dict[str, Any]:
    """A chapter with its sections verbatim, the completed flag and its media's URLs
    (relative URLs are made absolute against `base_url`)."""
    user = viewer(credential)
    chapter = content_services.get_chapter(user=user, chapter_id=chapter_id)
    urls = _media_urls([*chapter["media"], *chapter["referenced_media"]], base_url)
    media = [{**asset, "url": urls[asset["name"]]} for asset in chapter["media"]]
    media_urls = {asset["name"]: urls[asset["name"]] for asset in chapter["referenced_media"]}
    (chapter,) = _with_completed(user, [chapter])
    return {**chapter, "media": media, "media_urls": media_urls}


# --- variants: what a body depends on, so the REST front door may keep it rendered ------------
# Each returns a key that names the body exactly (None when it is not shared: staff see drafts),
# from cheap, cached reads, and raises as its resource does. Content-version changes are the
# caller's to watch (coursecompanion/rendered.py).


def _live_ids(user: User | None) -> tuple[int, ...]:
    # The outline after the schedule windows: a window opening or closing changes the key.
    return tuple(summary["id"] for summary in content_services.chapter_outline(user=user))


def chapter_list_variant(credential: Credential | None, *, page: slice) -> tuple | None:
    user = viewer(credential)
    if is_staff(user):
        return None
    live = _live_ids(user)
    completed = progress_services.completed_chapter_ids(user=user)
    tier = access_services.effective_tier(user).value
    done = tuple(chapter_id for chapter_id in live if chapter_id in completed)
    return ("chapters", tier, page.start, page.stop, live, done)


def chapter_detail_variant(
    credential: Credential | None, *, chapter_id: int, base_url: str
) -> tuple | None:
    """Raises NotFound or AccessDenied as `chapter_detail` does. Past the gate the body is the
    same at every tier: only the completed flag, the neighbours and the URLs' base vary."""
    user = viewer(credential)
    if is_staff(user):
        return None
    outline = content_services.readable_outline(user=user, chapter_id=chapter_id)
    completed = chapter_id in progress_services.completed_chapter_ids(user=user)
    live = tuple(summary["id"] for summary in outline)
    return ("chapter", chapter_id, completed, base_url, live)


def lasting_chapter(chapter: dict[str, Any]) -> bool:
    """False when a chapter's body may carry a presigned media URL, which expires: such a body
    is never kept."""
    return not (media_urls_expire() and (chapter["media"] or chapter["media_urls"]))


def quiz_variant(credential: Credential | None, *, quiz_id: int) -> tuple | None:
    """A quiz's body is the same for everyone who may open it (`quiz` checks that)."""
    return None if is_staff(viewer(credential)) else ("quiz", quiz_id)


def adjacent_chapter(
    credential: Credential | None, *, chapter_id: int, step: int
) -> dict[str, Any]:
    """{"chapter": the summary of the chapter `step` (+1 next, -1 previous) away, or None}."""
    user = viewer(credential)
    found = content_services.adjacent_chapter(user=user, chapter_id=chapter_id, step=step)
    if found is None:
        return {"chapter": None}
    locked = content_services.with_lock_state(found, user=user)
    return {"chapter": _with_completed(user, [locked])[0]}


def section(credential: Credential | None, *, section_id: int, base_url: str) -> dict[str, Any]:
    found = content_services.get_section(user=viewer(credential), section_id=section_id)
    return {**found, "media_urls": _media_urls(found["referenced_media"], base_url)}


def search(credential: Credential | None, *, query: str, offset: int, limit: int) -> dict[str, Any]:
    return content_services.search_sections(
        user=viewer(credential), query=query, offset=offset, limit=limit
    )


def search_with_variant(
    credential: Credential | None, *, query: str, offset: int, limit: int
) -> tuple[tuple, dict[str, Any]]:
    """`search` and its variant: the page's meaning (query, tiers, page, live chapters) names
    its body exactly, for staff too (search never shows drafts)."""
    meaning, page = content_services.search_page(
        user=viewer(credential), query=query, offset=offset, limit=limit
    )
    return ("search", meaning), page


# --- quizzes ---------------------------------------------------------------------------------


def quiz_list(
    credential: Credential | None, *, chapter_id: int | None, page: slice
) -> dict[str, Any]:
    items, count = quiz_services.list_quizzes(
        user=viewer(credential), chapter_id=chapter_id, page=page
    )
    return {"items": items, "count": count}


def quiz(credential: Credential | None, *, quiz_id: int) -> dict[str, Any]:
    """A quiz's questions, never their answers or explanations."""
    return quiz_services.get_quiz(user=viewer(credential), quiz_id=quiz_id)


@dataclass(frozen=True)
class SubmitResult:
    attempt: dict[str, Any]
    # True when an Idempotency-Key retry returned the first submit's attempt.
    replayed: bool


def submit_quiz(
    credential: Credential | None,
    *,
    quiz_id: int,
    answers: dict[str, Any],
    idempotency_key: str | None,
) -> SubmitResult:
    outcome = quiz_services.submit_attempt(
        user=_signed_in(credential),
        quiz_id=quiz_id,
        answers=answers,
        idempotency_key=idempotency_key,
    )
    return SubmitResult(quiz_services.attempt_view(outcome.attempt), outcome.replayed)


def quiz_results(credential: Credential | None, *, quiz_id: int, page: slice) -> dict[str, Any]:
    items, count = quiz_services.list_attempts(
        user=_signed_in(credential), quiz_id=quiz_id, page=page
    )
    return {"items": items, "count": count}


# --- progress and streaks --------------------------------------------------------------------


def _student(credential: Credential | None, user_id: str, *, write: bool = False) -> User:
    return progress_services.access_student(
        viewer=_signed_in(credential), user_id=user_id, write=write
    )


def progress(credential: Credential | None, *, user_id: str) -> dict[str, Any]:
    return progress_services.progress_overview(student=_student(credential, user_id))


def progress_with_variant(
    credential: Credential | None, *, user_id: str
) -> tuple[tuple | None, Callable[[], dict[str, Any]]]:
    """`progress`, to build, and its variant: the student and the stamp their overview is
    cached under, which names it exactly (None when it is not cached). Checks access at once;
    a body kept by its variant never needs the overview read at all."""
    student = _student(credential, user_id)
    stamp = progress_services.progress_stamp(student=student)
    variant = None if stamp is None else ("progress", student.pk, stamp)
    return variant, lambda: progress_services.stamped_progress_overview(
        student=student, stamp=stamp
    )


def update_progress(
    credential: Credential | None, *, user_id: str, chapter_id: int, status: str
) -> dict[str, Any]:
    student = _student(credential, user_id, write=True)
    progress_services.set_chapter_status(user=student, chapter_id=chapter_id, status=status)
    return progress_services.progress_overview(student=student)


def streak(credential: Credential | None, *, user_id: str) -> progress_services.StreakView:
    return progress_services.get_streak(user=_student(credential, user_id))


def check_in(credential: Credential | None, *, user_id: str) -> progress_services.StreakView:
    return progress_services.check_in(user=_student(credential, user_id, write=True))


# --- access and tiers ------------------------------------------------------------------------


def access_check(credential: Credential | None, *, resource: str) -> dict[str, Any]:
    decision = access_services.check_resource_access(user=viewer(credential), resource=resource)
    return {
        "resource": resource,
        "allowed": decision.allowed,
        "user_tier": decision.user_tier,
        "required_tier": decision.required_tier,
        "reason": decision.reason,
    }


def tiers() -> dict[str, Any]:
    plans = access_services.list_tier_plans()
    return {"items": plans, "count": len(plans)}


def user_tier(credential: Credential | None, *, user_id: str) -> dict[str, Any]:
    """`user_id` is "me" or a number (the schema's pattern)."""
    target = access_services.access_user_tier(
        viewer=_signed_in(credential), user_id=None if user_id == "me" else int(user_id)
    )
    return {
        "user_id": target.pk,
        "tier": target.tier,
        "since": access_services.tier_since(user=target),
    }


def upgrade_tier(
    credential: Credential | None, *, user_id: int, new_tier: str, reason: str
) -> dict[str, Any]:
    """Staff only: move a user to another tier. Only first-party staff credentials count."""
    actor = _signed_in(credential)
    if credential is None or not credential.staff_powers:
        access_services.require_tier_manager(None)
    user, change = access_services.upgrade_user_tier(
        actor=actor, user_id=user_id, new_tier=new_tier, reason=reason
    )
    return {"user_id": user.pk, "tier": user.tier, "changed": change is not None}


# --- the signed-in account -------------------------------------------------------------------


def profile(credential: Credential | None) -> User:
    return _signed_in(credential)


def update_profile(
    credential: Credential | None, *, display_name: str | None, timezone: str | None
) -> User:
    return access_services.update_profile(
        user=_signed_in(credential), display_name=display_name, timezone=timezone
    )
