"""Loads the user's handler the way the Lambda Python runtime does, so that the same handler string works wrapped and
unwrapped. Follows aws-lambda-python-runtime-interface-client (awslambdaric/bootstrap.py, `_get_handler`):
`<module>.<function>`, split at the last dot, the module imported with `importlib.import_module` after replacing
'/' by '.', from the function's code (`LAMBDA_TASK_ROOT`, first on sys.path), then the layers' `/opt/python`."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

from .errors import StripeEventBridgeError

UserHandler = Callable[[Any, Any], Any]


class UserHandlerError(StripeEventBridgeError):
    """The handler string or the module it names is wrong. The wrapper loads during init and reports this error on
    each invocation (outcome `failed`, handler not run), so the event goes to the retries and the dead-letter queue
    instead of being lost."""


def load_user_handler(task_root: str, handler: str) -> UserHandler:
    """Imports and returns the user's handler function, or raises a UserHandlerError that names the fix."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        raise UserHandlerError(f"'{handler}' is not a valid handler name: expected '<module>.<function>', for example 'orders.handler'")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise UserHandlerError(f"handler '{handler}' names the built-in module {module_name}; rename your module")
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ModuleNotFoundError as err:
        raise UserHandlerError(
            f"cannot import the module of handler '{handler}' from {task_root}: {err}. "
            "Check that the handler string names a file in the function's code."
        ) from err
    fn = getattr(module, function_name, None)
    if fn is None:
        raise UserHandlerError(f"handler '{handler}' is undefined or not defined by its module")
    if not callable(fn):
        raise UserHandlerError(f"handler '{handler}' is not a function")
    return fn
