from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from chatgpt.schema import gpt_openapi_schema


@require_safe
def gpt_openapi(request: HttpRequest) -> JsonResponse:
    """The Custom GPT's Actions schema: student operations only, within the editor's limits."""
    return JsonResponse(gpt_openapi_schema())
