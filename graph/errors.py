"""Graph failures as SchedulingError: the status and Graph's error code, never a token or a body."""

from __future__ import annotations

import asyncio

from trajectory.meetings import SchedulingError, SchedulingFailure

_BY_STATUS = {
    400: SchedulingFailure.INVALID,
    401: SchedulingFailure.CONSENT,
    403: SchedulingFailure.CONSENT,
    404: SchedulingFailure.NOT_FOUND,
    # What is left of these after the SDK's retry handler (3 retries, honouring Retry-After).
    429: SchedulingFailure.THROTTLED,
    503: SchedulingFailure.THROTTLED,
    504: SchedulingFailure.THROTTLED,
}


def scheduling_error(error: BaseException) -> SchedulingError:
    from azure.core.exceptions import ClientAuthenticationError
    from httpx import TimeoutException, TransportError
    from kiota_abstractions.api_error import APIError

    if isinstance(error, (asyncio.TimeoutError, TimeoutException)):
        return SchedulingError(SchedulingFailure.TIMEOUT, "no answer from Microsoft Graph in time")
    if isinstance(error, APIError):
        status = error.response_status_code
        main = getattr(error, "error", None)
        code = getattr(main, "code", None) or ""
        failure = _BY_STATUS.get(status or 0, SchedulingFailure.UNKNOWN)
        return SchedulingError(failure, f"HTTP {status} {code}".strip())
    if isinstance(error, ClientAuthenticationError):
        # The credential could not get a token (wrong secret, no identity): a set-up problem.
        return SchedulingError(SchedulingFailure.CONSENT, "the Graph credential could not get a token")
    if isinstance(error, TransportError):
        return SchedulingError(SchedulingFailure.UNKNOWN, f"Microsoft Graph unreachable ({type(error).__name__})")
    return SchedulingError(SchedulingFailure.UNKNOWN, type(error).__name__)
