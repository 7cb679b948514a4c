"""The Microsoft Graph gateway: calendar invitations and channel members through msgraph-sdk, or,
without Graph, .ics files in a local outbox. The only package that imports msgraph-sdk,
azure-identity or httpx; the rest of Blend sees trajectory.meetings' ports and plain values."""
