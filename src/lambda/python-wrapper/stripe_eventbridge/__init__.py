"""The Stripe EventBridge handler wrapper for Python functions (the Python side of @babes/stripe-eventbridge).

Shipped as a Lambda layer (`/opt/python/stripe_eventbridge`); a wrapped function's handler is
`stripe_eventbridge.wrapper.handler` and the user's own handler string is in `STRIPE_EB_USER_HANDLER`.
"""
