"""`context.stripe` and `context.event_notification` for Python handlers: the counterpart of the Node.js wrapper's
stripe-client.ts and stripe-context.ts.

- `context.stripe` is a `stripe.StripeClient` (stripe-python, pinned in the layer) authenticated with the restricted key
  that the Secrets Manager secret in `STRIPE_EB_STRIPE_API_KEY_SECRET_ID` holds, with the event's account applied:
  `stripe_context` from a thin event's `context`, or from a snapshot event's `context`, else `stripe_account` from its
  `account` (a Connect event of an API version before `context`). It is a stand-in that makes the real client on first
  use (an attribute read), so a handler that never uses it imports neither `stripe` nor reads the key; everything else
  is the real client's (`context.stripe.v2.core.accounts.retrieve(...)`, `context.stripe.v1.customers.retrieve(...)`).
- `context.event_notification` is, for a thin event, stripe-python's notification class for its type (e.g.
  `stripe.events.V2CoreAccountUpdatedEventNotification`, built with `EventNotification.from_json`, the helper for
  notifications from a pre-authenticated channel such as EventBridge), made on first use, with `fetch_related_object()`
  and `fetch_event()`; `None` for a snapshot event. Reading its fields needs no key; its fetches do.
- The key is read once per execution environment, on the first API request, and kept in memory; it never reaches a
  log line or an error message. A failed read is retried by the next request.
- `STRIPE_EB_STRIPE_API_BASE` (`http://127.0.0.1:12111`) points the client at a local Stripe API (tests, replay).
- stripe-python is not in the wrapper layer but in a second one (assets/lambda/python-stripe), which the integration adds
  only to functions that receive thin events or have a Stripe API key secret; nothing here imports it before a handler
  uses `context.stripe` or `context.event_notification`, and without the layer that use raises StripeSdkMissingError.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Callable, Dict, Optional, Tuple

from ._contract import ENV_STRIPE_API_KEY_SECRET_ID
from .errors import StripeEventBridgeError

# A key Stripe issues: secret (`sk_…`) or restricted (`rk_…`), test or live. Anything else is not sent.
_STRIPE_API_KEY = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]+")
# How many per-account clients are kept (a platform's events come from many connected accounts).
MAX_CACHED_CLIENTS = 100


class StripeApiKeyError(StripeEventBridgeError):
    """`context.stripe` cannot be used: no key secret is configured, or the secret cannot be read or holds no key."""


class StripeSdkMissingError(StripeEventBridgeError):
    """stripe-python cannot be imported: the function lacks the library's Stripe layer."""


def import_stripe() -> Any:
    """stripe-python, from the Stripe layer (or the function's own code), imported on first use only."""
    try:
        import stripe
    except ImportError as err:
        raise StripeSdkMissingError(
            "context.stripe and context.event_notification need stripe-python, which this function does not have: it is in the "
            "@babes/stripe-eventbridge Python Stripe layer, which the integration adds to the Python functions whose route receives "
            "thin events or has a Stripe API key. Set stripeApiKeySecret on the integration or on this handler (or, for a function "
            "wired by hand, add the layer built from assets/lambda/python-stripe, or ship stripe in the function's code)."
        ) from err
    return stripe


class StripeAccess:
    """The clients of one execution environment, over one key."""

    def __init__(self, secret_id: Optional[str], api_base: Optional[str], secrets_client: Callable[[], Any]):
        self._secret_id = secret_id
        self._api_base = api_base
        self._secrets_client = secrets_client
        self._key: Optional[str] = None
        self._clients: Dict[Tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def require_secret(self, what: str) -> None:
        if not self._secret_id:
            raise StripeApiKeyError(
                f"{what} needs a Stripe API key: set stripeApiKeySecret (a Secrets Manager secret holding a restricted key, rk_\u2026) on "
                f"the integration or on this handler. The function has no {ENV_STRIPE_API_KEY_SECRET_ID}."
            )

    def api_key(self) -> str:
        self.require_secret("context.stripe")
        with self._lock:
            if self._key is None:
                self._key = self._read_key()
            return self._key

    def _read_key(self) -> str:
        try:
            value = self._secrets_client().get_secret_value(SecretId=self._secret_id).get("SecretString")
        except Exception as err:
            code = (getattr(err, "response", None) or {}).get("Error", {}).get("Code") or type(err).__name__
            raise StripeApiKeyError(
                f"could not read the Stripe API key from the Secrets Manager secret {self._secret_id} ({code}: {err}); the "
                "function's role needs secretsmanager:GetSecretValue on it (stripeApiKeySecret grants it)"
            ) from err
        key = (value or "").strip()
        if not _STRIPE_API_KEY.fullmatch(key):
            raise StripeApiKeyError(
                f"the Secrets Manager secret {self._secret_id} does not hold a Stripe API key: expected its secret string to be the key "
                "itself, plain text (rk_live_\u2026, rk_test_\u2026, or sk_\u2026)"
            )
        return key

    def client_for(self, stripe_context: Optional[str] = None, stripe_account: Optional[str] = None) -> Any:
        """The real `stripe.StripeClient` for an account scope (one per scope, kept)."""
        cache_key = (stripe_context or "", stripe_account or "")
        client = self._clients.get(cache_key)
        if client is None:
            key = self.api_key()  # before the SDK: without a key secret, that is the fix to name
            stripe = import_stripe()
            options: Dict[str, Any] = {"max_network_retries": 2}
            if self._api_base:
                options["base_addresses"] = {"api": self._api_base}
            client = stripe.StripeClient(key, stripe_context=stripe_context, stripe_account=stripe_account, **options)
            if len(self._clients) >= MAX_CACHED_CLIENTS:
                self._clients.pop(next(iter(self._clients)))
            self._clients[cache_key] = client
        return client


class LazyStripeClient:
    """Stands in for a `stripe.StripeClient` until first use: every attribute is the real client's, made then."""

    def __init__(self, access: StripeAccess, stripe_context: Any = None, stripe_account: Optional[str] = None):
        self._access = access
        self._stripe_context = str(stripe_context) if stripe_context else None
        self._stripe_account = stripe_account

    def with_stripe_context(self, stripe_context: Any) -> "LazyStripeClient":
        """As StripeClient.with_stripe_context, without making the client (the notification calls it when built)."""
        return LazyStripeClient(self._access, stripe_context=stripe_context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._access.client_for(self._stripe_context, self._stripe_account), name)

    def __repr__(self) -> str:
        return f"<stripe_eventbridge LazyStripeClient stripe_context={self._stripe_context} stripe_account={self._stripe_account}>"


class LazyEventNotification:
    """Stands in for stripe-python's notification of a thin event until first use (an attribute read)."""

    def __init__(self, detail: dict, client: LazyStripeClient):
        self._detail = detail
        self._client = client
        self._notification: Any = None

    def _resolve(self) -> Any:
        if self._notification is None:
            import_stripe()
            from stripe.v2.core._event import EventNotification  # stripe-python's helper for pre-authenticated payloads

            # A copy: the handler's event stays as delivered.
            self._notification = EventNotification.from_json(json.loads(json.dumps(self._detail)), self._client)
        return self._notification

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._resolve(), name)
        if name.startswith("fetch_") and callable(value):
            access = self._client._access

            def fetch(*args: Any, **kwargs: Any) -> Any:
                access.api_key()  # a key that cannot be read raises StripeApiKeyError before the SDK runs
                return value(*args, **kwargs)

            return fetch
        return value

    def __repr__(self) -> str:
        return repr(self._resolve())


def _snapshot_scope(detail: dict) -> Tuple[Optional[str], Optional[str]]:
    context = detail.get("context")
    if isinstance(context, str) and context:
        return context, None
    account = detail.get("account")
    return None, account if isinstance(account, str) and account else None


def set_stripe_attributes(context: Any, event: dict, thin: Any, access: StripeAccess) -> None:
    """Sets `context.stripe` and `context.event_notification` for this invocation's event (stand-ins: nothing is imported
    or read until the handler uses them)."""
    if thin is not None:
        client = LazyStripeClient(access, stripe_context=thin.context)
        context.stripe = client
        context.event_notification = LazyEventNotification(event["detail"], LazyStripeClient(access))
    else:
        stripe_context, stripe_account = _snapshot_scope(event["detail"])
        context.stripe = LazyStripeClient(access, stripe_context=stripe_context, stripe_account=stripe_account)
        context.event_notification = None


def latest_state_fetch(context: Any, event_id: str) -> Callable[[str, bool, Optional[str]], Tuple[dict, Optional[str]]]:
    """How put_latest fetches an object with `context.stripe`: a thin event's related object as stripe-python's
    `fetch_related_object()` asks for it (its context, `Stripe-Request-Trigger`), any other in the snapshot event's API
    version, so that the fetched object has the shape of the event's. Returns the JSON object and Stripe's `Date`."""

    def fetch(path: str, thin: bool, api_version: Optional[str]) -> Tuple[dict, Optional[str]]:
        options: Dict[str, Any] = {}
        if thin:
            options["headers"] = {"Stripe-Request-Trigger": f"event={event_id}"}
        elif api_version:
            options["stripe_version"] = api_version
        response = context.stripe.raw_request("get", path, **options)
        headers = getattr(response, "headers", None) or {}
        date = headers.get("date") or headers.get("Date")
        return json.loads(response.body), date

    return fetch


# A thin type that is the twin of a snapshot type is that type with this prefix (`v1.checkout.session.completed`).
_TWIN_TYPE_PREFIX = "v1."


def thin_idempotency_view(summary: Any) -> dict:
    """What the record of a thin event is keyed and validated on, as stripe-context.ts's thinIdempotencyView: its snapshot
    twin's id when it has one, else its own; its type without the `v1.` of a twin type; the last segment of its context."""
    thin = summary.thin
    event_type = summary.type[len(_TWIN_TYPE_PREFIX):] if summary.type.startswith(_TWIN_TYPE_PREFIX) else summary.type
    return {
        "detail": {
            "id": thin.snapshot_event or summary.stripe_event_id,
            "type": event_type,
            "account": thin.context.split("/")[-1] if thin.context else None,
        }
    }
