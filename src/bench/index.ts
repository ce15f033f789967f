/**
 * `npm run bench` — replays synthetic recordings through the real engine with injected per-call latency and
 * throttling, and prints per scenario: API calls made, distinct calls needed, retries, throttles, wall time,
 * peak RSS, controls in error, and wall time over the critical-path latency.
 *
 *   npm run bench -- [--scenario startup,iam-100,org-200] [--latency 50] [--throttle 0.05] [--seed 1] [--markdown]
 *                    [--bundle memory|spool]
 *
 * The `startup` scenario times CLI commands as whole processes (`node bin/itgc-validate.js …`: start-up,
 * loading and the work, as a user waits for them): one warm-up, then the median of five runs, against the
 * start-up targets (--version / --help, lint / controls list, a warm demo).
 *   npm run bench -- --github [--repos 2000]   (the GitHub large-organization scenario, see github.ts)
 *
 * Each scenario runs in fresh child processes, so peak RSS (process.resourceUsage().maxRSS) is the run's own:
 *  1. build: the world's answers come from per-operation generators (world.ts); the real engine runs every
 *     AWS control against them once, and what its recorder captured is the scenario's recording (so the
 *     recording has exactly the calls the registered queries make, in the real API shapes);
 *  2. run (measured): a new process indexes that recording (JSON lines; a lazy replay source that reads each
 *     call back from the file when it is replayed, recording/replay-lazy.ts) and runs executeRun — the path
 *     of `run --replay`, with the heap growing factor `run` sets for an organization — with `beforeReplayAttempt` (deserialize step, inside the SDK retry loop) waiting the
 *     latency and throwing a ThrottlingException (HTTP 400) on the given share of attempts, so the SDK's
 *     own adaptive retry strategy handles it. Default CLI concurrency settings. With `--bundle`, the run
 *     also writes its evidence bundle (signed with a throw-away key, into a temporary directory), its calls
 *     kept in memory until then (`memory`, as tests and reperform do) or spooled to disk as they complete
 *     (`spool`, as `run` does): the measured peak RSS and CPU then include the bundle;
 *  3. calibrate: the same scenario with one account, no throttling and unbounded concurrency, run with a
 *     long latency (10 × --latency, at least 250 ms) and with none (after a warm-up): the difference / that
 *     latency is the number of calls on the longest dependent chain of one account (plus the extra
 *     ListAccounts pages of a larger organization). The critical-path latency is that × --latency.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeHeapSnapshot } from "node:v8";
import { ServiceException } from "@smithy/smithy-client";
import { executeRun, type RunOutcome } from "../engine/execute-run.js";
import { tuneHeapForRun } from "../engine/heap-tuning.js";
import { PopulationStore } from "../engine/population-store.js";
import { writeBundle } from "../evidence/write-bundle.js";
import { awsClientsCreated } from "../providers/aws/session.js";
import { getQuery } from "../queries/registry.js";
import type { RecordedCall } from "../recording/format.js";
import type { Recorder } from "../recording/recorder.js";
import { SerializedReplayIndex } from "../recording/replay-lazy.js";
import { SpoolRecorder } from "../recording/spool.js";
import { loadRecording } from "../recording/store.js";
import { ephemeralSigner } from "../signing/local-key.js";
import { canonicalJson } from "../util/canonical-json.js";
import {
  benchEventScenario,
  EVENT_SCENARIOS,
  type EventResult,
  renderEventTable,
  runEventScenario,
  serveEventScenario,
} from "./events.js";
import { githubBench } from "./github.js";
import { deferRemovals, removeLater } from "./removal.js";
import { benchSql, type SqlBenchResult, sqlBenchTable } from "./sql-bench.js";
import { type StartupFigure, targetsTable } from "./targets-table.js";
import { hasGenerator, makeWorld, SyntheticAnswers, type World } from "./world.js";
import type { IdentityWorld } from "./world-identity.js";

interface Scenario {
  name: string;
  accounts: number;
  users: number;
  org: boolean;
  /** Regions per account (default: all 17). */
  regions?: number;
  /** Identity Center and KMS key sizes (world-identity.ts); defaults are small. */
  identity?: Partial<IdentityWorld>;
  /** Only these controls (default: every AWS control). */
  controls?: string[];
  /** Targets, for the verdict column. */
  maxSeconds?: number;
  maxRssMb?: number;
}

/** The controls that read Identity Center and KMS keys. */
const IDENTITY_CONTROLS = [
  "access.aws-sso-privileged-users-approved",
  "access.aws-sso-admin-permission-sets-approved",
  "access.aws-sso-assignments-to-groups",
  "access.aws-sso-leavers-no-access",
  "access.aws-kms-signing-key-users-approved",
  "access.aws-kms-signing-key-no-public-or-foreign",
  "access.aws-kms-signing-key-segregation-of-duties",
  "change-management.aws-kms-keys-not-pending-deletion",
  "logging.aws-kms-key-rotation-enabled",
];
const IC = {
  accounts: 200,
  users: 25,
  org: true,
  regions: 1,
  controls: IDENTITY_CONTROLS,
  identity: { ssoUsers: 5_000, groups: 100, permissionSets: 20, assignments: 500, kmsKeys: 300 },
};

/**
 * The 42 AWS controls of the catalogue when issue 14's figures were taken (commit 2707e15, 2026-11-22:
 * 31,217 calls for 200 accounts). The catalogue has grown to 76 AWS controls since, ≈ 4× the calls per
 * account, so `org-200-42` measures today's engine on the workload the issue's targets were set for.
 */
const ISSUE_14_CONTROLS = [
  "access.aws-access-analyzer-all-regions",
  "access.aws-iam-access-keys-rotated",
  "access.aws-iam-admin-access-review",
  "access.aws-iam-console-mfa",
  "access.aws-iam-console-users-without-keys",
  "access.aws-iam-cross-account-trust-conditions",
  "access.aws-iam-no-full-admin-policies",
  "access.aws-iam-no-users-sso-only",
  "access.aws-iam-password-policy",
  "access.aws-iam-policies-through-groups",
  "access.aws-iam-single-active-access-key",
  "access.aws-iam-unused-credentials-disabled",
  "access.aws-root-hardware-mfa",
  "access.aws-root-mfa",
  "access.aws-root-no-access-keys",
  "access.aws-root-not-used",
  "access.aws-support-role-exists",
  "change-management.aws-alarm-cloudtrail-config-changes",
  "change-management.aws-alarm-config-changes",
  "change-management.aws-alarm-iam-policy-changes",
  "change-management.aws-alarm-nacl-changes",
  "change-management.aws-alarm-network-gateway-changes",
  "change-management.aws-alarm-organizations-changes",
  "change-management.aws-alarm-route-table-changes",
  "change-management.aws-alarm-s3-bucket-policy-changes",
  "change-management.aws-alarm-security-group-changes",
  "change-management.aws-alarm-vpc-changes",
  "change-management.aws-cloudtrail-management-write-events",
  "change-management.aws-codepipeline-production-approval",
  "change-management.aws-config-recorder-all-regions",
  "change-management.aws-iam-write-access-review",
  "change-management.aws-scp-protects-audit-logging",
  "logging.aws-cloudtrail-bucket-access-logging",
  "logging.aws-cloudtrail-bucket-data-events",
  "logging.aws-cloudtrail-bucket-public-access-blocked",
  "logging.aws-cloudtrail-cloudwatch-logs-delivery",
  "logging.aws-cloudtrail-kms-encryption",
  "logging.aws-cloudtrail-log-file-validation",
  "logging.aws-cloudtrail-log-group-retention",
  "logging.aws-cloudtrail-multi-region-logging",
  "logging.aws-s3-account-public-access-block",
  "logging.aws-vpc-flow-logs-enabled",
];

export const SCENARIOS: Scenario[] = [
  { name: "iam-100", accounts: 1, users: 100, org: false },
  { name: "iam-1000", accounts: 1, users: 1_000, org: false },
  { name: "iam-10000", accounts: 1, users: 10_000, org: false, maxSeconds: 10, maxRssMb: 400 },
  { name: "org-50", accounts: 50, users: 25, org: true },
  { name: "org-200", accounts: 200, users: 25, org: true, maxSeconds: 30, maxRssMb: 500 },
  { name: "org-1000", accounts: 1_000, users: 25, org: true, maxSeconds: 180, maxRssMb: 1_000 },
  // Like for like with the issue's own figures: its 42-control catalogue over the same organizations.
  {
    name: "org-200-42",
    accounts: 200,
    users: 25,
    org: true,
    controls: ISSUE_14_CONTROLS,
    maxSeconds: 30,
    maxRssMb: 500,
  },
  {
    name: "org-1000-42",
    accounts: 1_000,
    users: 25,
    org: true,
    controls: ISSUE_14_CONTROLS,
    maxSeconds: 180,
    maxRssMb: 1_000,
  },
  // Identity Center at scale: 500 account assignments over 200 accounts, 300 KMS keys; 1,000 vs 5,000 people
  // with the same assignments shows that calls follow assignments and keys, not users × accounts.
  { name: "ic-1000u", ...IC, identity: { ...IC.identity, ssoUsers: 1_000 } },
  { name: "ic-5000u", ...IC },
];

interface StartupCase {
  name: string;
  args: (out: string) => string[];
  maxSeconds: number;
}

const STARTUP: StartupCase[] = [
  { name: "--version", args: () => ["--version"], maxSeconds: 0.15 },
  { name: "--help", args: () => ["--help"], maxSeconds: 0.15 },
  { name: "lint", args: () => ["lint"], maxSeconds: 0.6 },
  { name: "controls list", args: () => ["controls", "list"], maxSeconds: 0.6 },
  { name: "demo (warm)", args: (out) => ["demo", "--no-sign", "--quiet", "--out", out], maxSeconds: 1.5 },
];

const BIN = fileURLToPath(new URL("../../bin/itgc-validate.js", import.meta.url));

/**
 * Median wall seconds of five runs of each command after one warm-up, as whole processes.
 *
 * Each run writes its own output directory, removed when the bench ends (removal.ts), not between runs: on
 * this machine's ext4 without a journal, creating a file steps past every inode deleted in the last minutes,
 * so a demo right after the previous demo's 1,237 files were deleted paid for that deletion in system time
 * (0.4 → 1.5 s over a series; docs/performance.md, round 11).
 */
function startupBench(dir: string): { figures: StartupFigure[]; nodeSeconds: number } {
  const time = (args: (out: string) => string[], out: string, ok: (status: number | null) => boolean) => {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args(`${out}-${i}`), {
        stdio: "ignore",
        env: { ...process.env, XDG_CONFIG_HOME: dir },
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (!ok(r.status)) throw new Error(`bench: ${args(`${out}-${i}`).join(" ")} exited ${r.status}`);
      if (i > 0) times.push(seconds); // the first run warms the file cache
    }
    for (let i = 0; i < 6; i++) removeLater(`${out}-${i}`);
    return times.sort((a, b) => a - b);
  };
  // The machine's own speed: a Node process that does nothing, in the same bench.
  const node = time(
    () => ["-e", "0"],
    join(dir, "node"),
    (s) => s === 0,
  );
  const figures = STARTUP.map((c) => {
    const out = join(dir, "startup-out");
    const times = time(
      (o) => [BIN, ...c.args(o)],
      out,
      (s) => s === 0 || (c.name.startsWith("demo") && s === 3),
    );
    return { name: c.name, median: times[2]!, min: times[0]!, max: times.at(-1)!, maxSeconds: c.maxSeconds };
  });
  return { figures, nodeSeconds: node[2]! };
}

interface Args {
  scenarios: string[];
  latency: number;
  throttle: number;
  seed: number;
  markdown: boolean;
  /** LookupEvents requests per second per account-region in the event scenarios (documented: 2). */
  eventRate: number;
  /** The measured run also writes its bundle, its calls kept in memory or spooled to disk. */
  bundle?: "memory" | "spool";
  /** Engine tuning of the measured run: top-level fetches in flight, and keeping every result (to compare). */
  fetchesInFlight?: number;
  /** The AWS run-wide attempts in flight of the measured run (default: the CLI's, AWS_DEFAULTS). */
  concurrency?: number;
  keepResults: boolean;
  /**
   * V8's heap growing factor for the measured run, as 1 + N/100 (V8 picks up to 4× by default): how much
   * garbage the heap may gather before a full collection (docs/performance.md, "Per-account memory").
   */
  heapGrowingPercent?: number;
}

function parseArgs(argv: string[]): Args & { child?: string; file?: string; endpoint?: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    scenarios: (
      get("--scenario") ??
      [
        "startup",
        ...[...SCENARIOS, ...EVENT_SCENARIOS.filter((e) => !e.onlyWhenNamed)].map((s) => s.name),
        "sql-200",
      ].join(",")
    )
      .split(",")
      .filter(Boolean),
    latency: Number(get("--latency") ?? 50),
    throttle: Number(get("--throttle") ?? 0.05),
    seed: Number(get("--seed") ?? 1),
    markdown: argv.includes("--markdown"),
    eventRate: Number(get("--event-rate") ?? 2),
    bundle: bundleMode(get("--bundle")),
    fetchesInFlight: get("--fetches-in-flight") ? Number(get("--fetches-in-flight")) : undefined,
    concurrency: get("--concurrency") ? Number(get("--concurrency")) : undefined,
    keepResults: argv.includes("--keep-results"),
    heapGrowingPercent: get("--heap-growing-percent") ? Number(get("--heap-growing-percent")) : undefined,
    child: get("--child"),
    endpoint: get("--endpoint"),
    file: get("--file"),
  };
}

function bundleMode(v: string | undefined): Args["bundle"] {
  if (v === undefined) return undefined;
  if (v === "memory" || v === "spool") return v;
  throw new Error(`--bundle ${v}: expected memory or spool`);
}

/** `sql` over the bundle of an org-200 run (src/bench/sql-bench.ts). */
const SQL_SCENARIO = "sql-200";

/** Child: an org-200 run written as a bundle into DIR, then every saved query over it. */
async function childSql(dir: string): Promise<void> {
  const s = scenarioNamed(process.env.ITGC_BENCH_SQL_SCENARIO ?? "org-200");
  const { outcome } = await build(worldOf(s));
  const r = await benchSql(outcome, s.accounts, dir);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

const scenarioNamed = (name: string) => {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.map((x) => x.name).join(", ")})`);
  return s;
};

type BenchWorld = World & { controls?: string[] };

function worldOf(s: Scenario, accounts = s.accounts): BenchWorld {
  return {
    ...makeWorld({ accounts, users: s.users, org: s.org, regions: s.regions, identity: s.identity }),
    controls: s.controls,
  };
}

const ALL_AWS = { provider: ["aws" as const] };
/** The scenario's control filter: every AWS control unless it names its own. */
const filterOf = (w: BenchWorld) => (w.controls ? { control: w.controls } : ALL_AWS);
const UNBOUNDED = { concurrency: 1_000_000, accountConcurrency: 1_000_000, apiConcurrency: 1_000_000 };

/** Every operation the registered AWS queries declare must have a generator. */
function checkGenerators(outcome: RunOutcome): void {
  const missing = new Set<string>();
  for (const c of outcome.controls) {
    const q = getQuery(c.query);
    for (const decl of q?.calls ?? []) {
      const op = decl.split(/\s/)[0]!;
      if (!hasGenerator(op)) missing.add(op);
    }
  }
  for (const r of outcome.results)
    for (const e of r.errors) {
      const m = /no synthetic generator for (\S+):/.exec(e.message);
      if (m) missing.add(m[1]!);
    }
  if (missing.size > 0)
    throw new Error(
      `bench: no synthetic generator for ${[...missing].sort().join(", ")} — add them to GENERATORS in src/bench/world.ts`,
    );
}

/** Runs every AWS control against the generators; the recorder's calls are the scenario's recording. */
async function build(w: BenchWorld): Promise<{ calls: RecordedCall[]; outcome: RunOutcome }> {
  const outcome = await executeRun({
    filter: filterOf(w),
    recording: { dir: "(bench)", meta: { startedAt: w.recordedAt, homeRegion: w.homeRegion }, calls: [] },
    aws: { org: w.org, replaySource: new SyntheticAnswers(w), ...UNBOUNDED },
  });
  checkGenerators(outcome);
  return { calls: outcome.calls, outcome };
}

/** A small seeded PRNG (mulberry32), so a scenario throttles the same way every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function replay(
  w: BenchWorld,
  /** The recorded calls, or a replay source over them (the measured child's lazy index). */
  from: RecordedCall[] | SerializedReplayIndex,
  o: {
    latency: number;
    throttle: number;
    seed: number;
    unbounded?: boolean;
    recorder?: Recorder;
    fetchesInFlight?: number;
    concurrency?: number;
    keepResults?: boolean;
  },
) {
  const rand = prng(o.seed);
  let injected = 0;
  // BENCH_HEAP_SNAPSHOT_AT=N: a heap snapshot (in the working directory) at the N-th replayed attempt, to see
  // what the run holds mid-way (docs/performance.md, "Per-account memory").
  const snapshotAt = Number(process.env.BENCH_HEAP_SNAPSHOT_AT ?? 0) || -1;
  let attempts = 0;
  const t0 = performance.now();
  const outcome = await executeRun({
    filter: filterOf(w),
    engine: { fetchesInFlight: o.fetchesInFlight, releaseResults: !o.keepResults },
    recording: {
      dir: "(bench)",
      meta: { startedAt: w.recordedAt, homeRegion: w.homeRegion },
      calls: Array.isArray(from) ? from : [],
    },
    // As `run` does: a spooled run's large populations go beside the spool as they are evaluated.
    ...(o.recorder ? { recorder: o.recorder } : {}),
    ...(o.recorder instanceof SpoolRecorder ? { population: PopulationStore.beside(o.recorder.root) } : {}),
    aws: {
      org: w.org,
      ...(Array.isArray(from) ? {} : { replaySource: from }),
      ...(o.unbounded ? UNBOUNDED : {}),
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      beforeReplayAttempt: async () => {
        if (++attempts === snapshotAt) process.stderr.write(`heap snapshot: ${writeHeapSnapshot()}\n`);
        if (o.latency > 0) await sleep(o.latency);
        if (o.throttle > 0 && rand() < o.throttle) {
          injected++;
          throw new ServiceException({
            name: "ThrottlingException",
            $fault: "client",
            $metadata: { httpStatusCode: 400 },
            message: "Rate exceeded",
          });
        }
      },
    },
  });
  return { outcome, seconds: (performance.now() - t0) / 1000, injected };
}

const keyOf = (c: RecordedCall) =>
  [c.service, c.operation, c.account, c.region, canonicalJson(c.input ?? {})].join("|");

export interface ScenarioResult {
  scenario: string;
  accounts: number;
  regions: number;
  users: number;
  controls: number;
  apiCalls: number;
  distinctNeeded: number;
  retries: number;
  throttles: number;
  injectedThrottles: number;
  lostCalls: number;
  controlsInError: number;
  controlsInErrorThrottling: number;
  verdictsMatchUnthrottled: boolean;
  seconds: number;
  /** CPU time (user + system) of the measured replay, recording load excluded: less noise-sensitive. */
  cpuSeconds: number;
  /** cpuSeconds per API call made, ms. */
  cpuMsPerCall: number;
  /** SDK clients created by the measured replay. */
  clientsCreated: number;
  peakRssMb: number;
  /** V8's heap growing factor of the measured run, as 1 + N/100 (0: V8's default). */
  heapGrowingPercent: number;
  /** With --bundle: how the calls were kept, the bundle's files and the seconds writing it took. */
  bundle?: { mode: "memory" | "spool"; files: number; seconds: number };
  chainCalls?: number;
  ratio?: number;
}

/** Child: build the recording of a scenario into a file. */
async function childBuild(name: string, file: string): Promise<void> {
  const s = scenarioNamed(name);
  const { calls, outcome } = await build(worldOf(s));
  const verdicts = Object.fromEntries(outcome.results.map((r) => [r.id, r.status]));
  // JSON lines (the verdicts, then one call a line, in recorded order): the measured child reads it a line
  // at a time, as a large recording must be read, instead of parsing one string of the whole recording.
  const fd = openSync(file, "w");
  try {
    writeSync(fd, `${JSON.stringify({ verdicts })}\n`);
    for (const c of calls) writeSync(fd, `${JSON.stringify(c)}\n`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Indexes a recording written by childBuild for a lazy replay: the index keeps where each call is in the
 * file and reads it back when it is replayed (recording/replay-lazy.ts), as a large recording must be read.
 */
function loadBenchRecording(file: string) {
  const index = new SerializedReplayIndex(file);
  let verdicts: Record<string, string> | undefined;
  for (const { text, offset, bytes } of readLines(file)) {
    if (verdicts === undefined)
      verdicts = (JSON.parse(text) as { verdicts: Record<string, string> }).verdicts;
    else index.addAt(text, offset, bytes);
  }
  return { index, verdicts: verdicts ?? {} };
}

/** The recorded calls of a recording written by childBuild, one at a time. */
function* recordedCalls(file: string): Generator<RecordedCall> {
  let first = true;
  for (const { text } of readLines(file)) {
    if (!first) yield JSON.parse(text) as RecordedCall;
    first = false;
  }
}

/**
 * The lines of a file with their byte offsets, each decoded on its own (a string of its own, not a slice of
 * a chunk that one kept line would keep alive).
 */
function* readLines(file: string): Generator<{ text: string; offset: number; bytes: number }> {
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let base = 0; // file offset of buf[0]
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        if (nl > start)
          yield { text: buf.toString("utf8", start, nl), offset: base + start, bytes: nl - start };
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
      base += start;
    }
    if (carry.length > 0) yield { text: carry.toString("utf8"), offset: base, bytes: carry.length };
  } finally {
    closeSync(fd);
  }
}

const digestOf = (key: string) => createHash("sha1").update(key).digest("base64");

/** Child: the measured replay. */
async function childRun(name: string, file: string, a: Args): Promise<void> {
  const s = scenarioNamed(name);
  // At the child's start, as the CLI does at its entry (engine/heap-tuning.ts, cli/heap-for-command.ts): an
  // organization scenario gets the organization factor unless --heap-growing-percent says otherwise (0:
  // V8's default).
  const heapGrowingPercent = tuneHeapForRun(
    { organization: s.org },
    a.heapGrowingPercent !== undefined ? { ITGC_HEAP_GROWING_PERCENT: String(a.heapGrowingPercent) } : {},
  );
  const w = worldOf(s);
  const { index, verdicts } = loadBenchRecording(file);
  const cpu0 = process.cpuUsage();
  const clients0 = awsClientsCreated();
  let peakRss: number | undefined;
  let cpuAfter: NodeJS.CpuUsage | undefined;
  const outDir = a.bundle ? mkdtempSync(join(tmpdir(), "itgc-bench-bundle-")) : undefined;
  const recorder = a.bundle === "spool" && outDir ? SpoolRecorder.in(outDir) : undefined;
  const { outcome, seconds, injected } = await replay(w, index, { ...a, recorder });
  let bundle: ScenarioResult["bundle"];
  let madeCalls = outcome.calls;
  if (a.bundle && outDir) {
    const t0 = performance.now();
    try {
      const written = await writeBundle(outcome, { outDir, signer: ephemeralSigner(), toolCommit: null });
      const files = written.digests.size;
      bundle = { mode: a.bundle, files, seconds: (performance.now() - t0) / 1000 };
      // The peak is read before the check below reads the spooled calls back.
      peakRss = process.resourceUsage().maxRSS;
      cpuAfter = process.cpuUsage(cpu0);
      if (outcome.spooled) madeCalls = loadRecording(written.path).calls;
    } finally {
      removeLater(outDir);
    }
  }
  const cpu = cpuAfter ?? process.cpuUsage(cpu0);
  // The run's peak, before the bench's own check below reads the recording again.
  peakRss ??= process.resourceUsage().maxRSS;
  index.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const stats = outcome.document.run.stats;
  // Lost: a recorded call the throttled run did not complete with the recorded outcome.
  const made = new Map<string, string>();
  for (const c of madeCalls) made.set(digestOf(keyOf(c)), c.error?.name ?? "ok");
  let lost = 0;
  for (const c of recordedCalls(file)) if (made.get(digestOf(keyOf(c))) !== (c.error?.name ?? "ok")) lost++;
  const inError = outcome.results.filter((r) => r.status === "error");
  const result: ScenarioResult = {
    scenario: s.name,
    accounts: s.accounts,
    regions: w.regions.length,
    users: s.users,
    controls: outcome.results.length,
    apiCalls: stats.apiCalls,
    distinctNeeded: index.size,
    retries: stats.retries,
    throttles: stats.throttles,
    injectedThrottles: injected,
    lostCalls: lost,
    controlsInError: inError.length,
    controlsInErrorThrottling: inError.filter((r) =>
      r.errors.some((e) => /thrott|rate exceeded/i.test(e.message)),
    ).length,
    verdictsMatchUnthrottled: outcome.results.every((r) => verdicts[r.id] === r.status),
    seconds,
    cpuSeconds,
    cpuMsPerCall: (cpuSeconds * 1000) / Math.max(1, stats.apiCalls),
    clientsCreated: awsClientsCreated() - clients0,
    peakRssMb: (peakRss ?? process.resourceUsage().maxRSS) / 1024,
    heapGrowingPercent: heapGrowingPercent ?? 0,
    ...(bundle ? { bundle } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Child: the one-account calibration (unbounded concurrency, no throttling) → calls on the chain. */
async function childCalibrate(name: string, a: Args): Promise<void> {
  const s = scenarioNamed(name);
  const one = worldOf(s, 1);
  const { calls } = await build(one);
  // Warm up (module loading, first clients), then subtract the CPU time of a run with no latency at all.
  const bare = { throttle: 0, seed: a.seed, unbounded: true };
  await replay(one, calls, { ...bare, latency: 0 });
  const cpu = await replay(one, calls, { ...bare, latency: 0 });
  // A latency far above the run's own CPU time, so waiting on the chain does not hide under computation.
  const slow = Math.max(10 * a.latency, 250);
  const timed = await replay(one, calls, { ...bare, latency: slow });
  const seconds = Math.max(0, timed.seconds - cpu.seconds);
  // A bigger organization has more ListAccounts pages (20 accounts a page), each one more call in sequence.
  const extraPages = s.org ? Math.ceil(s.accounts / 20) - 1 : 0;
  const chain = Math.max(1, Math.round((seconds * 1000) / slow)) + extraPages;
  process.stdout.write(`${JSON.stringify({ chainCalls: chain })}\n`);
}

function spawnChild(args: string[], nodeFlags: string[] = []): string {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...nodeFlags, self, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim().split("\n").pop() ?? "";
}

function verdict(s: Scenario, r: ScenarioResult, flat: boolean): string {
  const notes: string[] = [];
  if (s.maxSeconds !== undefined)
    notes.push(r.seconds < s.maxSeconds ? `< ${s.maxSeconds} s met` : `< ${s.maxSeconds} s NOT met`);
  if (s.maxRssMb !== undefined)
    notes.push(r.peakRssMb < s.maxRssMb ? `< ${s.maxRssMb} MB met` : `< ${s.maxRssMb} MB NOT met`);
  if (r.bundle)
    notes.push(
      `bundle written (calls ${r.bundle.mode === "spool" ? "spooled" : "in memory"}): ${r.bundle.files} files in ${r.bundle.seconds.toFixed(1)} s`,
    );
  if (r.lostCalls > 0) notes.push(`${r.lostCalls} calls lost`);
  if (r.controlsInErrorThrottling > 0)
    notes.push(`${r.controlsInErrorThrottling} controls in error from throttling`);
  if (!r.verdictsMatchUnthrottled) notes.push("verdicts differ from the unthrottled run");
  if (s.name.startsWith("iam-")) {
    notes.push(
      flat
        ? "no per-user calls (only IAM pages of 1,000 items)"
        : "calls GROW faster than IAM pagination (NOT met)",
    );
  }
  return notes.join("; ") || "ok";
}

const HELP = `npm run bench -- [options]   (without --scenario: every scenario, which takes a long time)

  --scenario a,b       scenarios: startup, ${SCENARIOS.map((s) => s.name).join(", ")},
                       ${EVENT_SCENARIOS.map((s) => s.name).join(", ")}, sql-200
  --latency MS         injected latency per attempt (default 50)
  --throttle SHARE     share of attempts throttled (default 0.05)
  --seed N             PRNG seed of the throttling (default 1)
  --event-rate N       LookupEvents requests/s per account-region in the event scenarios (default 2)
  --heap-growing-percent N  V8 heap growing factor 1 + N/100 for the measured run (set at run time;
                       default: what \`run\` sets, 50 for organization scenarios; 0: V8's default)
  --fetches-in-flight N  top-level (query, scope) fetches in flight per provider (default 128)
  --concurrency N      AWS attempts in flight over the measured run (default: the CLI's)
  --keep-results       keep every cached query result for the whole run (to compare memory)
  --markdown           also print the raw results as JSON
  --bundle MODE        the measured run also writes its bundle: memory (calls kept until then) or spool
                       (calls written to disk as they complete, as \`run\` does)
  --github [--repos N] the GitHub large-organization scenario
`;

async function main(): Promise<void> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(HELP);
    return;
  }
  // The GitHub large-organization scenario has its own driver (github.ts): its cost is requests, not time.
  if (process.argv.includes("--github")) return githubBench(process.argv.slice(2));
  const a = parseArgs(process.argv.slice(2));
  if (a.child === "build") return childBuild(a.scenarios[0]!, a.file!);
  if (a.child === "run") return childRun(a.scenarios[0]!, a.file!, a);
  if (a.child === "calibrate") return childCalibrate(a.scenarios[0]!, a);
  if (a.child === "sql") return childSql(a.file!);
  if (a.child === "events" || a.child === "events-server") {
    const s = EVENT_SCENARIOS.find((x) => x.name === a.scenarios[0]);
    if (!s) throw new Error(`unknown event scenario ${a.scenarios[0]}`);
    if (a.child === "events-server") return serveEventScenario(s);
    // As `run --org` does at the CLI's entry (engine/heap-tuning.ts): an organization's event run gets the
    // organization growing factor, unless --heap-growing-percent says otherwise (0: V8's default).
    const heapGrowingPercent = tuneHeapForRun(
      { organization: s.accounts > 1 },
      a.heapGrowingPercent !== undefined ? { ITGC_HEAP_GROWING_PERCENT: String(a.heapGrowingPercent) } : {},
    );
    const result = await runEventScenario(s, a.eventRate, a.endpoint!, a.bundle);
    process.stdout.write(`${JSON.stringify({ ...result, heapGrowingPercent })}\n`);
    return;
  }
  // The bench's outputs are removed at its end, not between measurements (removal.ts).
  deferRemovals();
  const eventRows: EventResult[] = [];
  for (const name of a.scenarios.filter((n) => EVENT_SCENARIOS.some((s) => s.name === n))) {
    process.stderr.write(`bench: ${name}: LookupEvents at ${a.eventRate}/s per account-region, over HTTP…\n`);
    eventRows.push(await benchEventScenario(name, a.eventRate, a.bundle, a.heapGrowingPercent));
  }
  a.scenarios = a.scenarios.filter((n) => !EVENT_SCENARIOS.some((s) => s.name === n));
  if (eventRows.length > 0) process.stdout.write(`\nEvent populations\n\n${renderEventTable(eventRows)}`);
  if (a.scenarios.length === 0) return;

  const dir = mkdtempSync(join(tmpdir(), "itgc-bench-"));
  const rows: { s: Scenario; r: ScenarioResult }[] = [];
  let sqlTable = "";
  let startup: ReturnType<typeof startupBench> | undefined;
  if (a.scenarios.includes("startup")) {
    process.stderr.write("bench: startup: timing commands as whole processes…\n");
    try {
      startup = startupBench(dir);
    } finally {
      if (a.scenarios.length === 1) rmSync(dir, { recursive: true, force: true });
    }
    a.scenarios = a.scenarios.filter((n) => n !== "startup");
  }
  // Issue 14's targets in one table (start-up, warm demo, organization scenarios), printed after the runs.
  const printTargets = () =>
    process.stdout.write(
      `\nissue 14 targets (start-up: whole processes, median of 5 after a warm-up)\n\n${targetsTable(
        startup?.figures ?? [],
        startup?.nodeSeconds,
        rows.filter((x) => x.s.name.startsWith("org-")).map((x) => x.r),
      )}`,
    );
  if (a.scenarios.length === 0) {
    printTargets();
    return;
  }
  const common = [
    ...["--latency", String(a.latency), "--throttle", String(a.throttle), "--seed", String(a.seed)],
    ...(a.fetchesInFlight ? ["--fetches-in-flight", String(a.fetchesInFlight)] : []),
    ...(a.concurrency ? ["--concurrency", String(a.concurrency)] : []),
    ...(a.keepResults ? ["--keep-results"] : []),
    ...(a.heapGrowingPercent !== undefined ? ["--heap-growing-percent", String(a.heapGrowingPercent)] : []),
  ];
  const measured = a.bundle ? [...common, "--bundle", a.bundle] : common;
  try {
    for (const name of a.scenarios) {
      if (name === SQL_SCENARIO) continue;
      const s = scenarioNamed(name);
      const file = join(dir, `${name}.json`);
      process.stderr.write(`bench: ${name}: building the recording…\n`);
      spawnChild(["--child", "build", "--scenario", name, "--file", file]);
      process.stderr.write(
        `bench: ${name}: replaying (latency ${a.latency} ms, throttle ${a.throttle * 100} %)…\n`,
      );
      const r = JSON.parse(
        spawnChild(["--child", "run", "--scenario", name, "--file", file, ...measured]),
      ) as ScenarioResult;
      const { chainCalls } = JSON.parse(
        spawnChild(["--child", "calibrate", "--scenario", name, ...common]),
      ) as {
        chainCalls: number;
      };
      r.chainCalls = chainCalls;
      r.ratio = r.seconds / ((chainCalls * a.latency) / 1000);
      rows.push({ s, r });
      process.stderr.write(`bench: ${name}: ${r.apiCalls} calls in ${r.seconds.toFixed(2)} s\n`);
      rmSync(file, { force: true });
    }
    if (a.scenarios.includes(SQL_SCENARIO)) {
      process.stderr.write(`bench: ${SQL_SCENARIO}: building an org-200 bundle and querying it…\n`);
      sqlTable = sqlBenchTable(JSON.parse(spawnChild(["--child", "sql", "--file", dir])) as SqlBenchResult);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Users cost no calls of their own: the only growth allowed is GetAccountAuthorizationDetails pagination
  // (MaxItems 1,000 — AWS's maximum), one more page per 1,000 items; the account's groups, roles and policies
  // share those pages, hence the one page of slack.
  const iam = rows.filter((x) => x.s.name.startsWith("iam-"));
  const pages = (users: number) => Math.ceil(users / 1000);
  const base = iam[0];
  const flat = iam.every(
    (x) => !base || x.r.apiCalls - base.r.apiCalls <= pages(x.s.users) - pages(base.s.users) + 1,
  );
  const header = [
    "scenario",
    "accounts × regions",
    "controls",
    "API calls made",
    "distinct calls needed",
    "retries",
    "throttles",
    "calls lost",
    "controls in error (throttling)",
    "wall time",
    "CPU (user+sys)",
    "CPU per call",
    "SDK clients",
    "peak RSS",
    "chain calls",
    "wall / critical path",
    "targets",
  ];
  const lines = rows.map(({ s, r }) => [
    r.scenario,
    `${r.accounts} × ${r.regions}${s.name.startsWith("iam-") ? ` (${r.users} users)` : ""}${
      s.identity
        ? ` (Identity Center: ${s.identity.ssoUsers} users, ${s.identity.groups} groups, ${s.identity.permissionSets} permission sets, ${s.identity.assignments} assignments; ${s.identity.kmsKeys} KMS keys)`
        : ""
    }`,
    String(r.controls),
    String(r.apiCalls),
    String(r.distinctNeeded),
    String(r.retries),
    `${r.throttles} (${r.injectedThrottles} injected)`,
    String(r.lostCalls),
    `${r.controlsInError} (${r.controlsInErrorThrottling})`,
    `${r.seconds.toFixed(2)} s`,
    `${r.cpuSeconds.toFixed(1)} s`,
    `${r.cpuMsPerCall.toFixed(2)} ms`,
    String(r.clientsCreated),
    `${r.peakRssMb.toFixed(0)} MB`,
    String(r.chainCalls),
    `${r.ratio!.toFixed(1)}×`,
    verdict(s, r, flat),
  ]);
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const l of lines) out.push(`| ${l.join(" | ")} |`);
  process.stdout.write(
    `\nlatency ${a.latency} ms per attempt, ${a.throttle * 100} % of attempts throttled, seed ${a.seed}\n\n`,
  );
  if (rows.length > 0) process.stdout.write(`${out.join("\n")}\n`);
  process.stdout.write(sqlTable);
  if (a.markdown) process.stdout.write(`\n${JSON.stringify(rows.map((x) => x.r))}\n`);
  printTargets();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
