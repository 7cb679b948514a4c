"""The Graph double and a real msgraph client (its default middleware: retry, redirect, ...) aimed
at it, built the documented way: AnonymousAuthenticationProvider + base_url set after construction."""

from __future__ import annotations

import httpx
import pytest

from .double import GraphDouble


@pytest.fixture
async def double():
    graph = GraphDouble()
    await graph.start()
    yield graph
    await graph.stop()
    assert not graph.problems, f"requests Graph's documentation doesn't allow: {graph.problems}"


@pytest.fixture
async def client(double):
    from kiota_abstractions.authentication import AnonymousAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(trust_env=False))
    adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=http)
    adapter.base_url = double.base_url
    yield GraphServiceClient(request_adapter=adapter)
    await http.aclose()
