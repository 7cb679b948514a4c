"""Graph failures as the ports' errors (SchedulingError, FilingError): the status and Graph's error
code, never a token or a body."""

from __future__ import annotations

import asyncio

from trajectory.files import FilingError, FilingFailure
from trajectory.meetings import SchedulingError, SchedulingFailure

# Both ports name their failures alike ("consent", "throttled", ...): one table serves both.
_BY_STATUS = {
    400: "invalid",
    401: "consent",
    403: "consent",
    404: "not_found",
    409: "invalid",  # a name conflict left after the rename fallback
    413: "invalid",
    # What is left of these after the retries (the SDK's handler: 3, honouring Retry-After).
    429: "throttled",
    503: "throttled",
    504: "throttled",
}


def _classify(error: BaseException) -> tuple[str, str]:
    """(failure value, detail) shared by both ports' failure enums."""
    from azure.core.exceptions import ClientAuthenticationError
    from httpx import TimeoutException, TransportError
    from kiota_abstractions.api_error import APIError

    if isinstance(error, (asyncio.TimeoutError, TimeoutException)):
        return "timeout", "no answer from Microsoft Graph in time"
    if isinstance(error, APIError):
        status = error.response_status_code
        main = getattr(error, "error", None)
        code = getattr(main, "code", None) or ""
        return _BY_STATUS.get(status or 0, "unknown"), f"HTTP {status} {code}".strip()
    if isinstance(error, ClientAuthenticationError):
        # The credential could not get a token (wrong secret, no identity): a set-up problem.
        return "consent", "the Graph credential could not get a token"
    if isinstance(error, TransportError):
        return "unknown", f"Microsoft Graph unreachable ({type(error).__name__})"
    return "unknown", type(error).__name__


def scheduling_error(error: BaseException) -> SchedulingError:
    failure, detail = _classify(error)
    if failure == "invalid" and getattr(error, "response_status_code", None) not in (None, 400):
        failure = "unknown"  # the calendar never sees 409/413 as its own fault
    return SchedulingError(SchedulingFailure(failure), detail)


def filing_error(error: BaseException) -> FilingError:
    failure, detail = _classify(error)
    return FilingError(FilingFailure(failure), detail)


def filing_status(status: int, code: str = "") -> FilingError:
    """A FilingError for an answer read without the SDK (the pre-authenticated upload URL)."""
    return FilingError(FilingFailure(_BY_STATUS.get(status, "unknown")), f"HTTP {status} {code}".strip())
