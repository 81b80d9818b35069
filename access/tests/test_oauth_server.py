"""The OAuth server's discovery, introspection and client creation (the flow itself is tested
end to end in chatgpt/tests/test_oauth_flow.py)."""

import io

import pytest
from django.core.management import CommandError, call_command
from oauth2_provider.models import Application

from access import oauth

pytestmark = pytest.mark.django_db

CALLBACK = "https://chat.openai.com/aip/g-abc/oauth/callback"


def test_metadata_names_our_endpoints_scopes_and_methods(client, settings):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    metadata = response.json()
    base = settings.PUBLIC_BASE_URL
    assert metadata["issuer"] == base
    assert metadata["authorization_endpoint"] == f"{base}/oauth/authorize/"
    assert metadata["token_endpoint"] == f"{base}/oauth/token/"
    assert metadata["revocation_endpoint"] == f"{base}/oauth/revoke_token/"
    assert metadata["introspection_endpoint"] == f"{base}/oauth/introspect/"
    assert metadata["scopes_supported"] == ["offline_access", "read", "write"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_post",
        "client_secret_basic",
    }
    assert metadata["op_policy_uri"] == f"{base}/privacy/"
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_metadata_extensions_add_entries(client, monkeypatch):
    monkeypatch.setattr(
        oauth, "METADATA_EXTENSIONS", [lambda request: {"registration_endpoint": "https://x/r"}]
    )
    assert client.get("/.well-known/oauth-authorization-server").json()[
        "registration_endpoint"
    ] == ("https://x/r")


def test_token_endpoint_errors_are_json_even_for_a_wrong_method(client):
    response = client.get("/oauth/token/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_create_chatgpt_client_prints_the_secret_once_and_stores_its_hash():
    out = io.StringIO()
    call_command(
        "create_chatgpt_client",
        "--redirect-uri",
        CALLBACK,
        "--redirect-uri",
        "https://chatgpt.com/aip/g-abc/oauth/callback",
        stdout=out,
    )
    lines = dict(line.split(":", 1) for line in out.getvalue().splitlines() if ": " in line)
    client_id, secret = lines["Client ID"].strip(), lines["Client secret"].strip()
    application = Application.objects.get(client_id=client_id)
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.redirect_uris.split() == [
        CALLBACK,
        "https://chatgpt.com/aip/g-abc/oauth/callback",
    ]
    assert secret not in application.client_secret
    assert application.client_secret.startswith("md5$")  # the test hasher; pbkdf2 otherwise
    assert not oauth.pkce_required(client_id)


def test_create_chatgpt_client_refuses_a_redirect_uri_that_is_not_https(settings):
    with pytest.raises(CommandError, match="redirect"):
        call_command("create_chatgpt_client", "--redirect-uri", "ftp://x/cb", stdout=io.StringIO())
    assert not Application.objects.exists()


def test_public_clients_need_pkce_and_unknown_ones_too():
    public = Application.objects.create(
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://x.example.com/cb",
    )
    assert oauth.pkce_required(public.client_id)
    assert oauth.pkce_required("no-such-client")


def test_a_delegated_view_of_staff_has_no_powers_and_cannot_demote_them():
    from access.models import DelegatedUser
    from conftest import make_user

    student = make_user("plain@example.com")
    assert DelegatedUser.of(student) is student
    staff = make_user("chief@example.com", is_staff=True, is_superuser=True)
    delegated = DelegatedUser.of(staff)
    assert (delegated.pk, delegated.email) == (staff.pk, staff.email)
    assert not (delegated.is_staff or delegated.is_superuser)
    assert not delegated.has_perm("access.change_user") and staff.has_perm("access.change_user")
    with pytest.raises(TypeError):
        delegated.save()
    with pytest.raises(TypeError):
        delegated.save(update_fields=["is_staff"])
    delegated.display_name = "Chief"
    delegated.save(update_fields=["display_name"])
    staff.refresh_from_db()
    assert staff.is_staff and staff.is_superuser and staff.display_name == "Chief"


def test_create_chatgpt_client_updates_the_redirect_uris_and_keeps_the_secret():
    application, _ = oauth.create_confidential_client(name="GPT", redirect_uris=[CALLBACK])
    secret_hash = Application.objects.get(pk=application.pk).client_secret
    final = "https://chat.openai.com/aip/g-final/oauth/callback"
    out = io.StringIO()
    call_command(
        "create_chatgpt_client",
        "--client-id",
        application.client_id,
        "--redirect-uri",
        final,
        stdout=out,
    )
    application.refresh_from_db()
    assert application.redirect_uris == final
    assert application.client_secret == secret_hash
    assert "secret" not in out.getvalue().lower()
    with pytest.raises(CommandError, match="No client"):
        call_command(
            "create_chatgpt_client", "--client-id", "nope", "--redirect-uri", final, stdout=out
        )
