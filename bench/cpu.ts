/**
 * The Node.js wrapper's own CPU time next to hand-written Powertools, free of the noise that DynamoDB Local, the
 * network and a loaded machine add to wall-clock figures (bench/run.ts measures those end to end):
 *
 *   - cold init: the CPU time (and wall time) a fresh process takes to load each variant's handler, median of
 *     COLD_STARTS fresh processes per variant, interleaved;
 *   - per event: the CPU time of each variant's execution environment per fresh event and per duplicate, median
 *     of ROUNDS fresh processes per variant, each after WARM_UP events; DynamoDB is answered in that process by
 *     an in-memory table behind the AWS SDK's HTTP handler (bench/cpu-driver.ts), so every request still goes
 *     through the SDK's middleware, serialization and parsing.
 *
 * The variants are bench/run.ts's (bench/variants.ts). CPU time counts the process's own work whoever else runs on
 * the machine, so the ratios hold on a loaded machine where wall-clock ratios do not (they still move a little:
 * a loaded machine's caches are shared).
 *
 * With `-- --instructions`, every process runs under Valgrind's callgrind instead, which counts the instructions it
 * executes: a figure that hardly moves with the machine's load (the JIT and the garbage collector still vary a little),
 * for comparing two builds of the wrapper on a busy machine. Each phase is cut out of the count by a callgrind dump
 * before each call of `uv_getrusage` (the phases start and end with `process.cpuUsage()`). Slow: use few events.
 *
 * Run with `npx projen bench:cpu` (after `npx projen bundle`); `-- --cpu-prof` also writes a V8 CPU profile of each
 * measured phase to .tmp/bench/cpu-prof/<variant>/<round>/{fresh,duplicate}.cpuprofile (open them in Chrome DevTools
 * or speedscope; the profiler's own cost is in the figures of such a run). Adds its `cpu_*`
 * figures to bench/results/latest.json (not with --instructions), keeping the other keys. Not part of the tests.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { DriverJob, DriverReply, DriverRequest, PhaseCpu } from './cpu-driver';
import { median, round } from './measure';
import { RESULTS, writeResults } from './results';
import { bundleHandlers, Bundled, LABEL, OUT_DIR, spec, Variant, VARIANTS, WRAPPER_FILE } from './variants';
import { LAYER_MOUNT } from '../src/contract/wrapper';
import { distinctEvents, envelope } from '../test/support/stripe-samples';

const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 25);
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 5);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000);
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 300);
const CPU_PROF = process.argv.includes('--cpu-prof');
const INSTRUCTIONS = process.argv.includes('--instructions');
const CALLGRIND_DIR = path.join(OUT_DIR, 'callgrind');
/** `BENCH_VARIANTS=powertools,wrapper` measures those only ((b) always: the ratios are to it); all by default. */
const SELECTED: readonly Variant[] = process.env.BENCH_VARIANTS
  ? VARIANTS.filter((v) => v === 'powertools' || process.env.BENCH_VARIANTS!.split(',').includes(v))
  : VARIANTS;
/** Figures go to bench/results/latest.json only from a run of every variant measured in CPU time. */
const WRITE_RESULTS = !INSTRUCTIONS && SELECTED.length === VARIANTS.length;
const DRIVER = path.join(OUT_DIR, 'cpu-driver.js');

/** Where the AWS SDK is, given to the process as NODE_PATH as the Lambda runtime provides it (as node-sandbox.ts does). */
function sdkNodePath(): string {
  const entry = require.resolve('@aws-sdk/client-dynamodb');
  return entry.slice(0, entry.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
}

/** Starts a fresh process for `variant`, sends it `job` and waits for its answer. */
function drive(variant: Variant, name: string, dirs: Record<Bundled, string>, job: DriverJob, execArgv: string[] = []): Promise<DriverReply> {
  const s = spec(variant, name, dirs, { idempotency: `cpu-idem-${variant}`, business: `cpu-biz-${variant}` }, 'http://127.0.0.1:1');
  // A handler in a layer (`/opt/…`) is loaded from the layer's directory, as the sandbox maps it.
  const inLayer = s.handler.startsWith(`${LAYER_MOUNT}/`);
  const taskRoot = inLayer ? s.layers![0] : s.taskRoot;
  const handler = inLayer ? s.handler.slice(LAYER_MOUNT.length + 1) : s.handler;
  execArgv = [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...execArgv];
  const out = INSTRUCTIONS ? path.join(CALLGRIND_DIR, `${name}.${Date.now()}`) : undefined;
  const child = fork(DRIVER, [], {
    cwd: s.taskRoot,
    ...(out
      ? { execPath: 'valgrind', execArgv: ['--tool=callgrind', '--dump-before=uv_getrusage', `--callgrind-out-file=${out}.%p`, process.execPath, ...execArgv] }
      : { execArgv }),
    // stdout is a pipe, drained below, as a Lambda function's stdout is (cpu-driver.ts); valgrind and errors go to stderr.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: {
      PATH: process.env.PATH ?? '',
      TZ: ':UTC',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_local',
      LAMBDA_TASK_ROOT: s.taskRoot,
      NODE_PATH: sdkNodePath(),
      ...s.environment,
    },
  });
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    let reply: DriverReply | undefined;
    child.on('message', (message: DriverReply) => {
      reply = message;
    });
    child.on('exit', (code) => {
      if (reply?.type === 'error') reject(new Error(`${variant}: ${reply.message}`));
      else if (reply && out) resolve(withInstructions(reply, out));
      else if (reply) resolve(reply);
      else reject(new Error(`${variant}: the process exited with ${code} before answering`));
    });
    child.send({ taskRoot, handler, job } satisfies DriverRequest);
  });
}

/**
 * The instructions of each phase from callgrind's dumps (one before each `process.cpuUsage()`): for `init` the 2nd
 * dump holds the loading; for `warm` the 2nd, 4th and 6th hold the warm-up, the fresh events and the duplicates.
 * Reported in place of the CPU time, in the same fields (one "µs" per thousand instructions).
 */
function withInstructions(reply: DriverReply, out: string): DriverReply {
  const dir = path.dirname(out);
  const dumps = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(out) + '.')).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const counts = dumps.map((f) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    fs.rmSync(path.join(dir, f));
    return Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN);
  });
  const kilo = (n: number) => n / 1000;
  if (reply.type === 'init') return { ...reply, initCpuMicros: kilo(counts[1]) };
  if (reply.type !== 'warm') return reply;
  return {
    ...reply,
    fresh: { ...reply.fresh, userMicros: kilo(counts[3]), systemMicros: 0 },
    duplicate: { ...reply.duplicate, userMicros: kilo(counts[5]), systemMicros: 0 },
  };
}

const perEvent = (p: PhaseCpu): number => (p.userMicros + p.systemMicros) / p.events;

async function main(): Promise<void> {
  if (!fs.existsSync(WRAPPER_FILE)) throw new Error(`${WRAPPER_FILE} is missing: run \`npx projen bundle\` first.`);
  const loadAtStart = round(os.loadavg()[0]);
  if (INSTRUCTIONS) fs.mkdirSync(CALLGRIND_DIR, { recursive: true });
  const dirs = await bundleHandlers();
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'cpu-driver.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*', '@smithy/*'],
    outfile: DRIVER,
    logLevel: 'warning',
  });

  // --- cold init ---------------------------------------------------------------------------------------------
  const initCpu: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
  const initWall: Record<Variant, number[]> = { bare: [], powertools: [], wrapper: [], transactional: [] };
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const v of i % 2 === 0 ? SELECTED : [...SELECTED].reverse()) {
      const out = await drive(v, `Cold${v}`, dirs, { type: 'init' });
      if (out.type !== 'init') throw new Error(`${v}: unexpected answer ${out.type}`);
      initCpu[v].push(out.initCpuMicros / 1000);
      initWall[v].push(out.initWallMs);
    }
  }
  const coldCpu = Object.fromEntries(SELECTED.map((v) => [v, round(median(initCpu[v]), 1)])) as Record<Variant, number>;
  const coldWall = Object.fromEntries(SELECTED.map((v) => [v, round(median(initWall[v]), 1)])) as Record<Variant, number>;
  console.log(`cold init CPU ms (median of ${COLD_STARTS}): ${SELECTED.map((v) => `${v} ${coldCpu[v]}`).join(', ')}`);
  console.log(`cold init wall ms (median of ${COLD_STARTS}): ${SELECTED.map((v) => `${v} ${coldWall[v]}`).join(', ')}`);

  // --- per event ---------------------------------------------------------------------------------------------
  // Per round: CPU µs per event, and the part of it spent in the kernel (system calls: the log lines' write above all).
  type Rounds = { fresh: number[]; duplicate: number[]; freshSystem: number[]; duplicateSystem: number[] };
  const noRounds = (): Rounds => ({ fresh: [], duplicate: [], freshSystem: [], duplicateSystem: [] });
  const cpu = Object.fromEntries(VARIANTS.map((v) => [v, noRounds()])) as Record<Variant, Rounds>;
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of r % 2 === 0 ? SELECTED : [...SELECTED].reverse()) {
      const events = distinctEvents(EVENTS, `cpu${v}${r}n`);
      const out = await drive(v, `Cpu${v}`, dirs, {
        type: 'warm',
        warmUp: distinctEvents(WARM_UP, `cpu${v}${r}warm`).map((e) => envelope(e)),
        fresh: events.map((e) => envelope(e)),
        duplicates: events.map((e) => envelope(e)),
        profileDir: CPU_PROF ? path.join(OUT_DIR, 'cpu-prof', v, String(r + 1)) : undefined,
      });
      if (out.type !== 'warm') throw new Error(`${v}: unexpected answer ${out.type}`);
      for (const p of [out.fresh, out.duplicate]) {
        if (p.failures > 0) throw new Error(`${v}: ${p.failures} invocations failed, first: ${p.firstFailure}`);
      }
      cpu[v].fresh.push(perEvent(out.fresh));
      cpu[v].duplicate.push(perEvent(out.duplicate));
      cpu[v].freshSystem.push(out.fresh.systemMicros / out.fresh.events);
      cpu[v].duplicateSystem.push(out.duplicate.systemMicros / out.duplicate.events);
      const split = (p: PhaseCpu) => `${round(p.userMicros / p.events, 1)} user + ${round(p.systemMicros / p.events, 1)} system`;
      console.log(`round ${r + 1} ${v}: ${round(perEvent(out.fresh), 1)} per fresh event (${split(out.fresh)}), ${round(perEvent(out.duplicate), 1)} per duplicate (${split(out.duplicate)})`);
    }
  }
  const micros = (v: Variant, phase: 'fresh' | 'duplicate') => round(median(cpu[v][phase]), 1);
  const ratio = (v: Variant, phase: 'fresh' | 'duplicate') => round(median(cpu[v][phase]) / median(cpu.powertools[phase]), 3);

  console.log('');
  if (INSTRUCTIONS) console.log('Instructions (callgrind), in thousands where the table says µs and in millions where it says CPU ms:');
  console.log('| variant | CPU µs per fresh event | CPU µs per duplicate | cold init CPU ms | cold init wall ms | vs (b): fresh / duplicate / init CPU ms |');
  console.log('|---|---|---|---|---|---|');
  for (const v of SELECTED) {
    console.log(`| ${LABEL[v]} | ${micros(v, 'fresh')} | ${micros(v, 'duplicate')} | ${coldCpu[v]} | ${coldWall[v]} | ${ratio(v, 'fresh')}× / ${ratio(v, 'duplicate')}× / ${round(coldCpu[v] - coldCpu.powertools, 1)} |`);
  }
  if (CPU_PROF) console.log(`CPU profiles: ${path.relative(process.cwd(), path.join(OUT_DIR, 'cpu-prof'))}/<variant>/<round>/<phase>.cpuprofile`);

  const figures = {
    cpu_micros_per_event: Object.fromEntries(SELECTED.map((v) => [v, { fresh: micros(v, 'fresh'), duplicate: micros(v, 'duplicate') }])),
    cpu_ratio_vs_powertools: { fresh: ratio('wrapper', 'fresh'), duplicate: ratio('wrapper', 'duplicate') },
    cpu_cold_init_ms: coldCpu,
    cpu_cold_init_above_powertools_ms: round(coldCpu.wrapper - coldCpu.powertools, 1),
    cpu: {
      generated_at: new Date().toISOString(),
      environment: {
        node: process.version,
        cores: os.cpus().length,
        load_average_1m_at_start: loadAtStart,
        load_average_1m_at_end: round(os.loadavg()[0]),
      },
      config: { rounds: ROUNDS, events_per_phase: EVENTS, warm_up: WARM_UP, cold_starts: COLD_STARTS },
      cold_init_wall_ms: coldWall,
      system_micros_per_event: Object.fromEntries(SELECTED.map((v) => [v, {
        fresh: round(median(cpu[v].freshSystem), 1),
        duplicate: round(median(cpu[v].duplicateSystem), 1),
      }])),
    },
  };
  if (!WRITE_RESULTS) return;
  writeResults(figures);
  console.log(`written to ${path.relative(process.cwd(), RESULTS)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
