"""A local stand-in for the Lambda Python runtime (one execution environment), started by LocalLambdaFunction
(src/cli/local/python-sandbox.ts) and copied to assets/cli/local/python-bootstrap/ by `npx projen bundle`.

Like the runtime (aws-lambda-python-runtime-interface-client, awslambdaric/bootstrap.py) it reads `_HANDLER` and
`LAMBDA_TASK_ROOT`, imports the handler once (`<module>.<function>`, split at the last dot, '/' read as '.') with the
function's code first on sys.path and then each layer's `python/lib/pythonX.Y/site-packages` and `python/` (what
Lambda mounts as /opt/python; layers are directories, listed in `STRIPE_EB_LOCAL_LAYERS` as a JSON array), then
serves one invocation at a time with a Lambda-shaped context and returns the result as JSON.

Invocations arrive on stdin and everything goes back on file descriptor 3, one JSON message per line; what the code
prints goes back on the same pipe, tagged with the invocation, so that it stays in order with the result.
"""

import decimal
import importlib
import json
import os
import sys
import time
import traceback

_started = time.perf_counter()
_channel = os.fdopen(3, "w", encoding="utf-8")
_current = None


def send(message):
    _channel.write(json.dumps(message, ensure_ascii=False) + "\n")
    _channel.flush()


class _Output:
    """sys.stdout / sys.stderr: what is written goes to the parent as log messages of the current invocation, a line
    at a time (print() writes its text and its newline separately)."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self):
        self._pending = ""

    def write(self, text):
        self._pending += text
        if "\n" in text:
            self.flush()
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._pending:
            send({"type": "log", "id": _current, "text": self._pending})
            self._pending = ""

    def isatty(self):
        return False


sys.stdout = _Output()
sys.stderr = _Output()


def serialize_error(err, name=None):
    return {
        "name": name or type(err).__name__,
        "message": str(err),
        "stack": "".join(traceback.format_exception(type(err), err, err.__traceback__)),
    }


class LambdaContext:
    """What awslambdaric's LambdaContext offers a handler."""

    def __init__(self, request_id, timeout_ms):
        name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.aws_request_id = request_id
        self.function_name = name
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ.get('AWS_REGION')}:000000000000:function:{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        # A monotonic clock, as the Node.js sandbox uses: right even when the process's wall clock is shifted.
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self):
        return max(0, int(round((self._deadline - time.monotonic()) * 1000)))


def _python_path():
    """The function's code, then the layers (a later layer's files win, as when Lambda extracts them into /opt)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [os.environ["LAMBDA_TASK_ROOT"]]
    for layer in reversed(json.loads(os.environ.get("STRIPE_EB_LOCAL_LAYERS", "[]"))):
        paths += [os.path.join(layer, "python", "lib", version, "site-packages"), os.path.join(layer, "python")]
    here = os.path.dirname(os.path.abspath(__file__))
    return paths + [p for p in sys.path if os.path.abspath(p or ".") != here]


def load_handler(handler):
    """awslambdaric's _get_handler, with its error types."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as err:
        raise RuntimeError(f"Bad handler '{handler}': {err}") from None
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise ImportError(f"Cannot use built-in module {module_name} as a handler module")
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as err:
        raise _Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {err}") from err
    except SyntaxError as err:
        raise _Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {err}") from err
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'") from None


class _Fault(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def _json_default(value):
    # As the Lambda runtime's marshaller: Decimals as numbers.
    if isinstance(value, decimal.Decimal):
        return float(value) if value % 1 else int(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def main():
    global _current
    sys.path[:] = _python_path()
    os.chdir(os.environ["LAMBDA_TASK_ROOT"])
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except _Fault as fault:
        send({"type": "init_error", "error": serialize_error(fault, fault.name)})
        return
    except Exception as err:
        send({"type": "init_error", "error": serialize_error(err)})
        return
    send({"type": "ready", "initMs": (time.perf_counter() - _started) * 1000})

    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message.get("type") != "invoke":
            continue
        _current = message["id"]
        error = None
        try:
            context = LambdaContext(message["requestId"], message["timeoutMs"])
            event = json.loads(message["payload"]) if message.get("payload") is not None else message["event"]
            result = handler(event, context)
            try:
                text = json.dumps(result, default=_json_default, ensure_ascii=False)
            except (TypeError, ValueError) as err:
                raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {err}") from err
            sys.stdout.flush()
            sys.stderr.flush()
            _current = None
            _channel.write('{"type":"result","id":%d,"ok":true,"result":%s}\n' % (message["id"], text))
            _channel.flush()
            continue
        except _Fault as fault:
            error = serialize_error(fault, fault.name)
        except Exception as err:
            error = serialize_error(err)
        sys.stdout.flush()
        sys.stderr.flush()
        _current = None
        send({"type": "result", "id": message["id"], "ok": False, "error": error})


main()
