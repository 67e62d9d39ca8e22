"""The wrapper's log line and EMF metrics, written as one JSON document per line to stdout, where Lambda sends them to
CloudWatch Logs (which extracts the metrics from the EMF lines).

The same documents as the Node.js wrapper writes (src/lambda/wrapper/telemetry.ts), Powertools Logger's and Metrics': the log line has Powertools' keys
(`level`, `message`, `timestamp`, `service`, `cold_start`, `function_name`, `function_memory_size`, `function_arn`,
`function_request_id`, `xray_trace_id`) and the wrapper's fields (src/contract/log-fields.ts); the EMF line has the
namespace, the dimension sets (`service`, or `integration` and optionally [`integration`, `service`]) and the metric
names of src/contract/metrics.ts
(docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).

Written here rather than with Powertools for Python's Logger and Metrics, which cost about 0.25 ms of CPU for the
wrapper's two lines where this costs about 0.02 ms: enough to matter for duplicates, which cost one DynamoDB request.
Your own code can use Powertools' Logger and Metrics as usual.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


class Telemetry:
    def __init__(self, service: str, namespace: str, dimension_sets: List[Dict[str, str]]):
        """`dimension_sets`: each metric is emitted once per set (EMF's `Dimensions` is a list of sets)."""
        self.service = service
        self.namespace = namespace
        self.dimension_sets = dimension_sets
        self._dimension_values = {k: v for dimension_set in dimension_sets for k, v in dimension_set.items()}
        level = (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "INFO").upper()
        self.min_level = _LEVELS.get(level, 20)
        self.log_event = os.environ.get("POWERTOOLS_LOGGER_LOG_EVENT", "").lower() == "true"
        self._cold_start = True
        self._context: dict = {}

    def start(self, context: Any) -> None:
        """Takes the invocation's Lambda context for the log lines that follow, as Powertools' inject_lambda_context."""
        self._context = {
            "cold_start": self._cold_start,
            "function_name": getattr(context, "function_name", None),
            "function_memory_size": getattr(context, "memory_limit_in_mb", None),
            "function_arn": getattr(context, "invoked_function_arn", None),
            "function_request_id": getattr(context, "aws_request_id", None),
            "xray_trace_id": (os.environ.get("_X_AMZN_TRACE_ID") or "").split(";")[0].replace("Root=", "") or None,
        }
        self._cold_start = False

    def log_line(self, level: str, message: str, fields: dict) -> Optional[str]:
        if _LEVELS[level] < self.min_level:
            return None
        now = dt.datetime.now(dt.timezone.utc)
        line = {
            "level": level,
            "message": message,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "service": self.service,
            **self._context,
            **fields,
        }
        return json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False, default=str)

    def metrics_line(self, metrics: Iterable[Tuple[str, str, float]]) -> str:
        metrics = list(metrics)
        return json.dumps(
            {
                "_aws": {
                    "Timestamp": int(time.time() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": self.namespace,
                            "Dimensions": [list(dimension_set) for dimension_set in self.dimension_sets],
                            "Metrics": [{"Name": name, "Unit": unit} for name, unit, _ in metrics],
                        }
                    ],
                },
                **self._dimension_values,
                **{name: value for name, _, value in metrics},
            }
        )

    def emit(self, *lines: Optional[str]) -> None:
        """Writes the lines with one write, so that they reach the log in one piece."""
        text = "".join(f"{line}\n" for line in lines if line is not None)
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()

    def warn(self, message: str, fields: dict) -> None:
        self.emit(self.log_line("WARN", message, fields))
