"""Media assets: their names in section text, their URLs, and storing their files."""

import hashlib
import logging
import mimetypes
import re
import sys
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.encoding import filepath_to_uri
from django.utils.text import slugify

from content.models import MediaAsset
from coursecompanion.errors import NotReady

logger = logging.getLogger(__name__)

# Sections show an asset by its stable name: ![alt text](media:name) or [label](media:name), or a
# reference definition "[label]: media:name". The text is never rewritten; the API sends the
# name → URL map beside it.
MEDIA_REFERENCE = re.compile(
    r"(?:\]\(\s*<?|^[ ]{0,3}\[[^\]]+\]:[ \t]*<?)media:([-a-zA-Z0-9_]+)", re.MULTILINE
)


def storage_errors() -> tuple[type[Exception], ...]:
    """What a storage backend raises when it cannot store or read a file (local disk, S3/R2).
    boto's errors only once boto is loaded (the R2 storage loads it): importing it just for
    these names would cost every worker some 25 MiB."""
    if "botocore" not in sys.modules:
        return (OSError,)
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError, Boto3Error)


class MediaStorageError(NotReady):
    code = "storage_unavailable"


def media_summary(asset: MediaAsset) -> dict[str, Any]:
    # The storage name is cached, never the URL: presigned URLs expire.
    return {
        "id": asset.id,
        "name": asset.name,
        "public": asset.public,
        "title": asset.title,
        "alt_text": asset.alt_text,
        "content_type": asset.content_type,
        "size": asset.size,
        "sha256": asset.sha256,
        "file_name": asset.file.name,
    }


def media_references(*texts: str) -> list[str]:
    """The asset names the Markdown `texts` reference as media:<name>, in first-seen order."""
    names: dict[str, None] = {}
    for text in texts:
        for match in MEDIA_REFERENCE.finditer(text):
            names.setdefault(match.group(1))
    return list(names)


def referenced_media(
    names: list[str], *, chapter_id: int, known: Iterable[MediaAsset] = ()
) -> list[dict[str, Any]]:
    """Summaries of the referenced assets a reader of this chapter may see: the chapter's own and
    the course-wide ones (attached to no chapter). Another chapter's asset is never resolved, so a
    free section cannot leak a premium chapter's media. Unknown names are left out."""
    found = {asset.name: asset for asset in known if asset.name in names}
    missing = [name for name in names if name not in found]
    if missing:
        others = MediaAsset.objects.filter(name__in=missing).filter(
            Q(chapter_id=chapter_id) | Q(chapter__isnull=True)
        )
        found.update({asset.name: asset for asset in others})
    return [media_summary(found[name]) for name in names if name in found]


def media_url(summary: dict[str, Any]) -> str:
    """A URL for one asset, made per request: public assets through R2_PUBLIC_DOMAIN, unsigned;
    everything else from the storage (on R2 a presigned URL valid R2_URL_EXPIRE_SECONDS; locally
    a /media/ path)."""
    domain = settings.R2_PUBLIC_DOMAIN
    if summary["public"] and domain and settings.R2_ENABLED:
        base = domain if "://" in domain else f"https://{domain}"
        return f"{base}/{filepath_to_uri(summary['file_name'])}"
    return default_storage.url(summary["file_name"])


def media_urls_expire() -> bool:
    """True when `media_url` may give presigned URLs (R2), which stop working after a while."""
    return settings.R2_ENABLED


def fill_media_metadata(asset: MediaAsset) -> None:
    """Record size, sha256 and content type of a freshly uploaded file (before it is stored)."""
    upload = asset.file
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    asset.size = size
    asset.sha256 = digest.hexdigest()
    guessed = getattr(upload.file, "content_type", None) or mimetypes.guess_type(upload.name)[0]
    asset.content_type = guessed or "application/octet-stream"


def unique_media_name(title: str, *, exclude_pk: int | None = None) -> str:
    """A free asset name made from `title` ("diagram", then "diagram-2", ...)."""
    base = slugify(title)[:90] or "asset"
    similar = MediaAsset.objects.filter(name__startswith=base)
    if exclude_pk is not None:
        similar = similar.exclude(pk=exclude_pk)
    taken = set(similar.values_list("name", flat=True))
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}-{number}"
    return name


def delete_stored_file(name: str) -> None:
    """Remove a file from the storage; a failure is logged, never raised (the row is gone)."""
    try:
        default_storage.delete(name)
    except storage_errors():
        logger.warning("Could not delete %s from the media storage", name, exc_info=True)


def store_asset_file(asset: MediaAsset, save: Callable[[], None]) -> None:
    try:
        save()
    except storage_errors() as error:
        logger.warning("Media storage failed while saving %s", asset.title, exc_info=True)
        raise MediaStorageError(
            f"The media storage did not accept the file ({type(error).__name__}); "
            "nothing was saved. Try again later.",
            details={"error": type(error).__name__},
        ) from error


@transaction.atomic
def save_media_asset(*, asset: MediaAsset, file_changed: bool) -> MediaAsset:
    """Save an asset an editor uploaded or edited; a replaced file is deleted after the commit.

    Raises MediaStorageError when the storage refuses the file: the caller's transaction then
    rolls back, so no row is created and an existing row keeps its old file."""
    if not asset.name:
        asset.name = unique_media_name(asset.title, exclude_pk=asset.pk)
    old_name = None
    if file_changed:
        fill_media_metadata(asset)
        if asset.pk is not None:
            old_name = MediaAsset.objects.filter(pk=asset.pk).values_list("file", flat=True).first()
    store_asset_file(asset, asset.save)
    if old_name and old_name != asset.file.name:
        transaction.on_commit(partial(delete_stored_file, old_name))
    return asset
