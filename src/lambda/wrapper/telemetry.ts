/**
 * The wrapper's log lines and EMF metrics: one JSON document per line on stdout, where Lambda sends them to CloudWatch
 * Logs (which extracts the metrics from the EMF line). The same documents as Powertools Logger and Metrics 2.35 write
 * them: the log line has Powertools Logger's keys in its order (`level`, `message`, `timestamp`, `service`, then the
 * Lambda context's `cold_start`, `function_arn`, `function_memory_size`, `function_name`, `function_request_id`,
 * `sampling_rate`, `xray_trace_id`; PowertoolsLogFormatter) and the wrapper's fields (src/contract/log-fields.ts),
 * empty values left out as Powertools leaves them out; the EMF line has the namespace, the dimension sets and the
 * metric names of src/contract/metrics.ts
 * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * The Python wrapper writes the same documents (src/lambda/python-wrapper/stripe_eventbridge/telemetry.py).
 *
 * Written here rather than with Powertools Logger and Metrics, which the wrapper used before: measured with
 * bench/cpu.ts, their two lines cost about 20 µs of CPU and two writes per event where this costs about 5 µs and
 * one write (the EMF line and the outcome line go out together), and they made up 30 KB of the 100 KB bundle and
 * most of the cold init above hand-written Powertools. Your own code can use Powertools Logger and Metrics as usual.
 */
import type { Context } from 'aws-lambda';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

export interface Metric {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
}

export interface TelemetryOptions {
  /** The log lines' `service` (the handler name). */
  readonly service: string;
  readonly namespace: string;
  /** Each metric is emitted once per set (EMF's `Dimensions` is a list of sets). */
  readonly dimensionSets: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** Fields of a log line; keys of no value (undefined, null, '') are left out. */
export type Fields = Readonly<Record<string, unknown>>;

function isFieldSets(fields: Fields | readonly Fields[]): fields is readonly Fields[] {
  return Array.isArray(fields);
}

/** The Lambda context's keys of a log line, in Powertools Logger's order. */
export type ContextFields = Readonly<Record<string, unknown>>;

/** The Lambda runtime's per-invocation store, where a runtime running invocations concurrently keeps the trace id. */
declare const globalThis: { awslambda?: { InvokeStore?: { getXRayTraceId?: () => string | undefined } } };

/** The Root of the X-Ray trace header (`Root=1-…;Parent=…;Sampled=1`), as Powertools' getXRayTraceIdFromEnv reads it. */
function xrayTraceId(): string | undefined {
  const header = globalThis.awslambda?.InvokeStore?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  if (!header.includes('=')) return header;
  for (const field of header.split(';')) {
    const [key, value] = field.split('=');
    if (key === 'Root') return value;
  }
  return undefined;
}

export class Telemetry {
  private readonly dimensionNames: string[][];
  /** The dimension values as members of a JSON object, each after a comma. */
  private readonly dimensionValuesJson: string;
  /** The EMF declaration (`CloudWatchMetrics`) of each list of metrics written so far, as JSON. */
  private readonly declarations = new Map<string, string>();
  /** As Powertools' Utility: only an on-demand environment has a cold start (not provisioned concurrency, not SnapStart). */
  private coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand';
  /** The context of the latest invocation, for lines written outside one (the idempotency store's warnings). */
  private latest: ContextFields = {};

  constructor(private readonly options: TelemetryOptions) {
    this.dimensionNames = options.dimensionSets.map((set) => Object.keys(set));
    const values = JSON.stringify(Object.assign({}, ...options.dimensionSets)).slice(1, -1);
    this.dimensionValuesJson = values === '' ? '' : `,${values}`;
  }

  /** An invocation's context keys, as Powertools Logger's `addContext` takes them; the first is the cold start. */
  start(context: Context): ContextFields {
    this.latest = {
      cold_start: this.coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      // The wrapper's lines are never sampled out (Powertools Logger's `sampleRateValue: 0`).
      sampling_rate: 0,
      xray_trace_id: xrayTraceId(),
    };
    this.coldStart = false;
    return this.latest;
  }

  /**
   * One log line (no newline), with `context` from start() (the latest invocation's when left out) and `fields`: one
   * set or several, in order (a key in a later set replaces it in an earlier one). Several sets are read as they are,
   * never spread into one object first: spreading sets with keys of no value costs more than the line (measured).
   */
  logLine(level: LogLevel, message: string, fields: Fields | readonly Fields[], context: ContextFields = this.latest): string {
    const line: Record<string, unknown> = { level, message, timestamp: new Date().toISOString(), service: this.options.service };
    this.add(line, context);
    if (isFieldSets(fields)) {
      for (const set of fields) this.add(line, set);
    } else {
      this.add(line, fields);
    }
    return JSON.stringify(line);
  }

  private add(line: Record<string, unknown>, source: Fields): void {
    for (const key in source) {
      const value = source[key];
      // As Powertools Logger's LogItem.removeEmptyKeys.
      if (value !== undefined && value !== null && value !== '') line[key] = value;
    }
  }

  /**
   * One EMF line (no newline) with `metrics` under every dimension set: the JSON of
   * `{ _aws: { Timestamp, CloudWatchMetrics: [{ Namespace, Dimensions, Metrics }] }, ...dimension values, ...metric values }`,
   * its constant parts (all but the timestamp and the values) serialized once per list of metric names and units.
   */
  metricsLine(metrics: readonly Metric[]): string {
    let signature = '';
    for (const m of metrics) signature += `${m.name}\u0000${m.unit}\u0000`;
    let declaration = this.declarations.get(signature);
    if (declaration === undefined) {
      declaration = JSON.stringify([{
        Namespace: this.options.namespace,
        Dimensions: this.dimensionNames,
        Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
      }]);
      this.declarations.set(signature, declaration);
    }
    // The metric names are the contract's and never a dimension's name (src/contract/metrics.ts).
    let line = `{"_aws":{"Timestamp":${Date.now()},"CloudWatchMetrics":${declaration}}${this.dimensionValuesJson}`;
    for (const m of metrics) line += `,${JSON.stringify(m.name)}:${JSON.stringify(m.value)}`;
    return `${line}}`;
  }

  /** Writes the lines with one write, so that they reach the log together and cost one system call. */
  write(...lines: string[]): void {
    process.stdout.write(lines.join('\n') + '\n');
  }

  warn(message: string, fields: Fields | readonly Fields[], context?: ContextFields): void {
    this.write(this.logLine('WARN', message, fields, context));
  }
}
