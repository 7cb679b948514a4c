"""apply_msrest_speedup() changes the cost of ClientRetryPolicy(), not its result."""

from msrest.universal_http.requests import ClientRetryPolicy

from bot.adapter import apply_msrest_speedup

# msrest 0.7.1's own definitions, restated: the codes it never retries, and the retry list.
STOCK_SAFE_CODES = [i for i in range(500) if i != 408] + [501, 505]
STOCK_RETRY_CODES = [i for i in range(999) if i not in STOCK_SAFE_CODES]


def test_patched_policy_retries_exactly_the_stock_status_codes():
    apply_msrest_speedup()
    apply_msrest_speedup()  # idempotent
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert ClientRetryPolicy.safe_codes == frozenset(STOCK_SAFE_CODES)
    policy = ClientRetryPolicy().policy
    assert policy.status_forcelist == STOCK_RETRY_CODES  # same codes, same order, still a list
    assert 408 in policy.status_forcelist and 503 in policy.status_forcelist
    assert 429 not in policy.status_forcelist  # msrest never retries throttling; that is ours to do
