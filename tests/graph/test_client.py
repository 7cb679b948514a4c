"""Which credential each GRAPH_AUTH builds, and clear errors at start-up; construction only, no
network (the global guard would fail the test)."""

from __future__ import annotations

import datetime

import pytest

from graph.client import HTTP_TIMEOUT, GraphConfig, GraphConfigError, create_client, create_credential
from graph.factory import create_calendar, graph_config
from settings import load_settings

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "66666666-7777-8888-9999-000000000000"


def certificate_file(tmp_path):
    """A throw-away self-signed certificate + key, PEM (what CertificateCredential reads)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "blend-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    path = tmp_path / "graph.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return str(path)


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"GRAPH_AUTH": "secret", "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT, "GRAPH_CLIENT_SECRET": "s3cret"},
         "ClientSecretCredential"),
        ({"GRAPH_AUTH": "certificate", "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT}, "CertificateCredential"),
        ({"GRAPH_AUTH": "managed_identity"}, "ManagedIdentityCredential"),
        ({"GRAPH_AUTH": "Managed_Identity", "GRAPH_CLIENT_ID": CLIENT}, "ManagedIdentityCredential"),
        ({"GRAPH_AUTH": "default"}, "DefaultAzureCredential"),
    ],
)  # fmt: skip
async def test_each_auth_kind_builds_its_async_credential(tmp_path, env, kind):
    if kind == "CertificateCredential":
        env = {**env, "GRAPH_CERTIFICATE_PATH": certificate_file(tmp_path)}
    credential = create_credential(graph_config(load_settings(env)))
    try:
        assert type(credential).__name__ == kind
        assert type(credential).__module__.startswith("azure.identity.aio")
    finally:
        await credential.close()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GRAPH_AUTH": "secret", "GRAPH_TENANT_ID": TENANT}, "GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET"),
        ({"GRAPH_AUTH": "certificate", "GRAPH_CLIENT_ID": CLIENT}, "GRAPH_TENANT_ID, GRAPH_CERTIFICATE_PATH"),
        ({"GRAPH_AUTH": "certificate", "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT,
          "GRAPH_CERTIFICATE_PATH": "/nonexistent/graph.pem"}, "GRAPH_CERTIFICATE_PATH '/nonexistent/graph.pem'"),
        ({"GRAPH_AUTH": "password"}, "GRAPH_AUTH must be one of secret, certificate, managed_identity, default"),
    ],
)  # fmt: skip
def test_settings_that_cannot_work_fail_at_start_up_with_the_key_named(env, message):
    with pytest.raises(GraphConfigError, match=message):
        create_calendar(load_settings(env), uows=lambda: None)


def test_the_secret_is_not_in_the_settings_repr():
    assert "s3cret" not in repr(load_settings({"GRAPH_AUTH": "secret", "GRAPH_CLIENT_SECRET": "s3cret"}))


async def test_graph_mode_builds_the_graph_ports_and_closes_them():
    env = {"GRAPH_AUTH": "secret", "GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT, "GRAPH_CLIENT_SECRET": "x"}
    calendar = create_calendar(load_settings(env), uows=lambda: None)
    assert calendar.uses_graph
    assert type(calendar.scheduler).__name__ == "GraphMeetingScheduler"
    assert type(calendar.directory).__name__ == "GraphMemberDirectory"
    await calendar.close()


async def test_the_production_client_keeps_the_retry_middleware_and_the_graph_host():
    client, close = create_client(GraphConfig(auth="managed_identity"))
    try:
        adapter = client.request_adapter
        assert adapter.base_url == "https://graph.microsoft.com/v1.0"
        http = adapter._http_client
        assert http.timeout.read == HTTP_TIMEOUT
        handlers, middleware = [], http._transport.pipeline._first_middleware
        while middleware is not None:
            handlers.append(type(middleware).__name__)
            middleware = getattr(middleware, "next", None)
        assert "RetryHandler" in handlers and "RedirectHandler" in handlers
    finally:
        await close()


def test_without_graph_auth_the_outbox_is_used(tmp_path):
    calendar = create_calendar(load_settings({"BLEND_OUTBOX_DIR": str(tmp_path / "out")}), uows=lambda: None)
    assert not calendar.uses_graph
    assert type(calendar.scheduler).__name__ == "OutboxMeetingScheduler"
    assert type(calendar.directory).__name__ == "OutboxMemberDirectory"
    assert load_settings({}).outbox_dir == "./outbox" and load_settings({}).graph_auth == ""
