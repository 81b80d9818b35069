"""Drive the OAuth flow as ChatGPT and a student's browser do, through the real endpoints."""

import base64
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.test import Client

from access import oauth
from conftest import make_user

GPT_CALLBACK = "https://chat.openai.com/aip/g-0123456789abcdef/oauth/callback"
GPT_CALLBACK_NEW = "https://chatgpt.com/aip/g-0123456789abcdef/oauth/callback"
PASSWORD = "correct-horse-battery-9"


def hidden_inputs(html: str, form_id: str | None = None) -> dict[str, str]:
    if form_id is not None:
        html = html[html.index(f'id="{form_id}"') :]
        html = html[: html.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag).group(1)
            value = re.search(r'value="([^"]*)"', tag)
            fields[name] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


class GptClient:
    """A confidential client (the Custom GPT) and one student's browser."""

    def __init__(self, *, name: str = "Course Companion GPT", callback: str = GPT_CALLBACK):
        self.application, self.secret = oauth.create_confidential_client(
            name=name, redirect_uris=[GPT_CALLBACK, GPT_CALLBACK_NEW]
        )
        self.callback = callback
        self.browser = Client(enforce_csrf_checks=True)

    @property
    def server(self) -> Client:
        """ChatGPT's servers calling the token endpoint: no cookies, and a new client each time,
        so threads may share this object."""
        return Client()

    @property
    def client_id(self) -> str:
        return self.application.client_id

    def authorize_url(self, **params) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.callback,
            "scope": "read write",
            "state": "state-123",
            **params,
        }
        return "/oauth/authorize/?" + urlencode({k: v for k, v in query.items() if v is not None})

    def sign_in(self, email: str, password: str = PASSWORD, *, next_url: str):
        page = self.browser.get("/oauth/sign-in/", {"next": next_url})
        return self.browser.post(
            "/oauth/sign-in/",
            {
                "csrfmiddlewaretoken": csrf_token(page.content.decode()),
                "email": email,
                "password": password,
                "next": next_url,
            },
        )

    def consent(self, consent_page, *, allow: bool = True):
        html = consent_page.content.decode()
        fields = hidden_inputs(html, "authorizationForm")
        if allow:
            fields["allow"] = "Authorize"
        return self.browser.post(consent_page.wsgi_request.get_full_path(), fields)

    def code_for(self, email: str, **params) -> str:
        """Sign `email` in (creating the student if needed), consent, and return the code."""
        from access.models import User

        if not User.objects.filter(email=email).exists():
            make_user(email)
        url = self.authorize_url(**params)
        first = self.browser.get(url)
        if first.status_code == 302 and "/oauth/sign-in/" in first["Location"]:
            self.sign_in(email, next_url=url)
            first = self.browser.get(url)
        if first.status_code == 200:
            first = self.consent(first)
        return self.code_from(first)

    def code_from(self, response) -> str:
        assert response.status_code == 302, response.content[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.callback
        query = parse_qs(location.query)
        assert query["state"] == ["state-123"]
        # RFC 9207: the response names its issuer, so a client cannot be mixed up.
        assert query["iss"] == [settings.PUBLIC_BASE_URL]
        return query["code"][0]

    def token(self, *, basic: bool = False, secret: str | None = None, **form):
        secret = self.secret if secret is None else secret
        if basic:
            credentials = base64.b64encode(f"{self.client_id}:{secret}".encode()).decode()
            return self.server.post(
                "/oauth/token/", form, HTTP_AUTHORIZATION=f"Basic {credentials}"
            )
        return self.server.post(
            "/oauth/token/", {**form, "client_id": self.client_id, "client_secret": secret}
        )

    def exchange(self, code: str, *, basic: bool = False, **extra):
        return self.token(
            basic=basic,
            grant_type="authorization_code",
            code=code,
            redirect_uri=self.callback,
            **extra,
        )

    def refresh(self, refresh_token: str, **extra):
        return self.token(grant_type="refresh_token", refresh_token=refresh_token, **extra)

    def revoke(self, token: str, hint: str = "access_token"):
        return self.server.post(
            "/oauth/revoke_token/",
            {
                "token": token,
                "token_type_hint": hint,
                "client_id": self.client_id,
                "client_secret": self.secret,
            },
        )


def api(access_token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {access_token}")
