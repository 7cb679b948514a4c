"""A GraphServiceClient built from settings. msgraph and azure-identity load lazily: importing
msgraph costs ~0.3-1 s, and a Blend without Graph never pays it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

SCOPES = ["https://graph.microsoft.com/.default"]
# One request (the callers bound a whole call, retries included, separately).
HTTP_TIMEOUT = 20.0
UPLOAD_TIMEOUT = 60.0  # one chunk of an upload session (up to a few MiB)
AUTH_KINDS = ("secret", "certificate", "managed_identity", "default")


class GraphConfigError(ValueError):
    """GRAPH_* settings that can't work: raised at start-up, before any request."""


@dataclass(frozen=True)
class GraphConfig:
    auth: str = ""  # "" = no Graph (the local outbox)
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = ""
    certificate_path: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.auth)


def create_credential(config: GraphConfig) -> Any:
    """The azure.identity.aio credential GRAPH_AUTH names. Constructing it makes no network call."""
    from azure.identity import aio

    def need(*fields: str) -> None:
        missing = [f"GRAPH_{name.upper()}" for name in fields if not getattr(config, name)]
        if missing:
            raise GraphConfigError(f"GRAPH_AUTH={config.auth} needs {', '.join(missing)}")

    if config.auth == "secret":
        need("tenant_id", "client_id", "client_secret")
        return aio.ClientSecretCredential(config.tenant_id, config.client_id, config.client_secret)
    if config.auth == "certificate":
        need("tenant_id", "client_id", "certificate_path")
        if not os.path.isfile(config.certificate_path):
            raise GraphConfigError(f"GRAPH_CERTIFICATE_PATH {config.certificate_path!r} is not a readable file")
        return aio.CertificateCredential(config.tenant_id, config.client_id, certificate_path=config.certificate_path)
    if config.auth == "managed_identity":
        # A user-assigned identity is named by its client id; without one, the system-assigned identity.
        return aio.ManagedIdentityCredential(client_id=config.client_id or None)
    if config.auth == "default":
        return aio.DefaultAzureCredential()
    raise GraphConfigError(f"GRAPH_AUTH must be one of {', '.join(AUTH_KINDS)} or empty, not {config.auth!r}")


def create_client(config: GraphConfig) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """(GraphServiceClient, close): ``close`` releases the HTTP connections and the credential.
    Built like GraphServiceClient(credentials=...) does, but with an httpx client we own and close."""
    credential = create_credential(config)
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(timeout=HTTP_TIMEOUT))
    adapter = GraphRequestAdapter(AzureIdentityAuthenticationProvider(credential, scopes=SCOPES), client=http)
    client = GraphServiceClient(request_adapter=adapter)

    async def close() -> None:
        try:
            await http.aclose()
        finally:
            await credential.close()

    return client, close


def create_upload_client() -> Any:
    """The HTTP client for upload sessions' pre-authenticated URLs: no credential, no Graph middleware
    (a token sent there may get a 401). Created once with the Graph client, closed with it."""
    import httpx

    return httpx.AsyncClient(timeout=UPLOAD_TIMEOUT)
