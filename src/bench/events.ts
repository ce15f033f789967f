/**
 * Event-population scenarios of `npm run bench`: CloudTrail LookupEvents at the documented rate limit
 * (2 requests per second per account and region, 50 events a page at most).
 *
 * The measured run is a live `executeRun` of `change-management.aws-click-ops-production` over the default
 * period (the last 90 days) against a local AWS endpoint (events-wire.ts, in its own process): the real SDK
 * signs, sends and parses every page over HTTP, and the session's rate limiter spaces the pages exactly as in
 * a run against AWS (the live default is the documented rate; `--event-rate` only changes it to measure
 * something else). The endpoint answers at once, so the bound is the rate limiter's:
 * (pages per account-region − 1) ÷ rate — the first page goes at once — with account-regions in parallel.
 *
 * Measured in the run's process: wall time, CPU time (user + sys), peak RSS (maxRSS) and the heap still
 * held after the run and a full GC, per event, against the bytes of raw page the endpoint sent per event:
 * the memory design (issue 11 item 2) is that the raw pages are held once (the recorder's copy, the
 * evidence) and the query keeps only the normalised rows.
 *
 *   npm run bench -- --scenario events-100k,events-org-50x4 [--event-rate 2] [--bundle memory|spool]
 *
 * With `--bundle`, the run writes its evidence bundle too (throw-away key, temporary directory), its calls
 * kept in memory until then or spooled to disk as they complete (as `run` does); the heap held after the
 * run then shows what the recorder keeps either way.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { executeRun } from "../engine/execute-run.js";
import { PopulationStore } from "../engine/population-store.js";
import { writeBundle } from "../evidence/write-bundle.js";
import { SpoolRecorder } from "../recording/spool.js";
import { ephemeralSigner } from "../signing/local-key.js";
import { type EventScenario, eventWorld } from "./event-scenarios.js";
import { CALLER_ACCESS_KEY, CALLER_SECRET, type WireStats } from "./events-wire.js";
import { removeLater } from "./removal.js";

export interface EventResult {
  scenario: string;
  /** V8's heap growing factor of the measured run, as 1 + N/100 (undefined: V8's default). */
  heapGrowingPercent?: number;
  accounts: number;
  regions: number;
  eventsPerRegion: number;
  rate: number;
  pages: number;
  expectedSeconds: number;
  seconds: number;
  /** From the start until the last LookupEvents page was answered (the part the rate limit bounds). */
  listingSeconds?: number;
  /** user + sys CPU of the measured process, seconds. */
  cpuSeconds: number;
  /** user + sys CPU of the run's main thread alone (Linux /proc/thread-self), seconds; the listing's bottleneck. */
  mainThreadCpuSeconds?: number;
  peakRssMb: number;
  /** Heap in use after the run and a full GC, with the outcome (recorded pages, rows, results) still held. */
  retainedHeapMb: number;
  /** Heap in use before the run (modules loaded), for the difference. */
  baseHeapMb: number;
  /** Heap in use once the recorded LookupEvents pages are released too (rows, CEL values, findings stay). */
  withoutPagesHeapMb: number;
  population: number;
  exceptions: number;
  status: string;
  /** Bytes of HTTP body the endpoint sent for LookupEvents (the raw pages). */
  wireBytes?: number;
  /** CPU of the endpoint process (AWS's side), seconds. */
  serverCpuSeconds?: number;
  /** Load average (1 min) when the scenario started and ended, and the machine's cores. */
  load?: [number, number];
  cores?: number;
  /** With --bundle: how the calls were kept until the bundle was written, and the seconds writing it took. */
  /** The bundle's write: its seconds, its CPU, and the peak RSS before it started (the run's own). */
  bundle?: { mode: BundleMode; seconds: number; cpuSeconds: number; peakRssBeforeMb: number };
}

export type BundleMode = "memory" | "spool";

const CONTROL = "change-management.aws-click-ops-production";

export { EVENT_SCENARIOS, type EventScenario, eventWorld, serveEventScenario } from "./event-scenarios.js";

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

/** Child: the measured live run against the local endpoint. */
export async function runEventScenario(
  s: EventScenario,
  rate: number,
  endpoint: string,
  bundleMode?: BundleMode,
): Promise<EventResult> {
  const outDir = bundleMode ? mkdtempSync(join(tmpdir(), "itgc-bench-events-")) : undefined;
  try {
    return await measureEventRun(s, rate, endpoint, bundleMode, outDir);
  } finally {
    // Removed when the bench ends, not before the next measurement (removal.ts).
    if (outDir) removeLater(outDir);
  }
}

async function measureEventRun(
  s: EventScenario,
  rate: number,
  endpoint: string,
  bundleMode: BundleMode | undefined,
  outDir: string | undefined,
): Promise<EventResult> {
  const w = eventWorld(s);
  const recorder = bundleMode === "spool" && outDir ? SpoolRecorder.in(outDir) : undefined;
  const baseHeapMb = heapMb();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const t0 = performance.now();
  const outcome = await executeRun({
    // As `run` does: the population goes beside the spool as it is evaluated.
    ...(recorder ? { recorder, population: PopulationStore.beside(recorder.root) } : {}),
    filter: { control: [CONTROL] },
    aws: {
      org: w.org,
      regions: w.regions,
      homeRegion: w.homeRegion,
      endpoint,
      credentials: async () => ({ accessKeyId: CALLER_ACCESS_KEY, secretAccessKey: CALLER_SECRET }),
      rateLimits: { "CloudTrail:LookupEvents": rate },
    },
    overrides: { [CONTROL]: { production_accounts: w.accounts } },
  });
  const seconds = (performance.now() - t0) / 1000;
  const startedAt = Date.now() - seconds * 1000;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuSeconds();
  // ITGC_BENCH_THREADS: the CPU of each of the process's threads, on stderr (main thread first, then V8's
  // collector threads, the spool's writer thread…), for diagnosis: the process's CPU alone hides which it is.
  if (process.env.ITGC_BENCH_THREADS) process.stderr.write(`threads ${threadCpuSeconds()}\n`);
  const retainedHeapMb = heapMb();
  const r = outcome.results[0]!;
  const lookups = outcome.calls.filter((c) => c.operation === "LookupEvents");
  const pages = outcome.spooled
    ? outcome.spooled.calls.filter((c) => c.path.endsWith("-CloudTrail.LookupEvents.json")).length
    : lookups.length;
  // The listing phase (what the rate limit bounds): until the last page was answered; the rest of the wall
  // is evaluating the population and building the results. (Spooled calls keep no times in memory.)
  const lastPage = lookups.length > 0 ? Math.max(...lookups.map((c) => Date.parse(c.endedAt))) : undefined;
  const perRegion = Math.max(1, Math.ceil(s.events / (s.pageSize ?? 50)));
  let bundle: EventResult["bundle"];
  if (bundleMode && outDir) {
    const peakRssBeforeMb = process.resourceUsage().maxRSS / 1024;
    const b0 = performance.now();
    const c0 = process.cpuUsage();
    await writeBundle(outcome, { outDir, signer: ephemeralSigner(), toolCommit: null });
    const bc = process.cpuUsage(c0);
    bundle = {
      mode: bundleMode,
      seconds: (performance.now() - b0) / 1000,
      cpuSeconds: (bc.user + bc.system) / 1e6,
      peakRssBeforeMb,
    };
  }
  // The heap the recorded LookupEvents pages (the evidence) hold: released here, after every figure above.
  for (const c of outcome.calls) if (c.operation === "LookupEvents") c.output = undefined;
  const withoutPagesHeapMb = heapMb();
  return {
    scenario: s.name,
    accounts: s.accounts,
    regions: s.regions,
    eventsPerRegion: s.events,
    rate,
    pages,
    expectedSeconds: (perRegion - 1) / rate,
    seconds,
    ...(lastPage !== undefined ? { listingSeconds: (lastPage - startedAt) / 1000 } : {}),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(main0 !== undefined && main1 !== undefined ? { mainThreadCpuSeconds: main1 - main0 } : {}),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    retainedHeapMb,
    baseHeapMb,
    withoutPagesHeapMb,
    population: r.population,
    exceptions: r.exceptions,
    status: r.status === "error" ? `error: ${r.reason ?? ""}` : r.status,
    ...(bundle ? { bundle } : {}),
  };
}

/**
 * user + sys CPU of the calling thread so far (fields 14 and 15 of /proc/thread-self/stat, in clock ticks of
 * 1/100 s on Linux), or undefined where there is no such file. The process's CPU also counts the spool
 * writer's thread and the SDK's I/O threads; the main thread's is the one that bounds the listing.
 */
function mainThreadCpuSeconds(): number | undefined {
  try {
    return statCpuSeconds("/proc/thread-self/stat");
  } catch {
    return undefined;
  }
}

/** "tid:seconds …" of every thread of this process that used more than half a second (Linux /proc). */
function threadCpuSeconds(): string {
  // A thread that ends between the listing and the read of its stat file (a collector helper) is left out.
  const cpuOf = (tid: string) => {
    try {
      return statCpuSeconds(`/proc/self/task/${tid}/stat`);
    } catch {
      return 0;
    }
  };
  try {
    return readdirSync("/proc/self/task")
      .map((tid) => [tid, cpuOf(tid)] as const)
      .filter(([, cpu]) => cpu > 0.5)
      .map(([tid, cpu]) => `${tid}:${cpu.toFixed(1)}${runQueueWait(tid)}`)
      .join(" ");
  } catch {
    return "(no /proc)";
  }
}

/**
 * A thread's time runnable but waiting for a core (schedstat's second field, ns), as "(+N.N s waiting)":
 * whether the cores, not the thread's own work, held it back.
 */
function runQueueWait(tid: string): string {
  try {
    const waited = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
    return Number.isFinite(waited) ? `(+${waited.toFixed(1)} s waiting)` : "";
  } catch {
    return "";
  }
}

/** user + sys CPU, seconds, of a /proc …/stat file (fields 14 and 15, in clock ticks of 1/100 s). */
function statCpuSeconds(file: string): number {
  const stat = readFileSync(file, "utf8");
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function message<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`bench endpoint exited ${code}`)));
  });
}

/** Parent: one scenario = the endpoint process + the measured process. */
export async function benchEventScenario(
  name: string,
  rate: number,
  bundleMode?: BundleMode,
  heapGrowingPercent?: number,
): Promise<EventResult> {
  const self = fileURLToPath(new URL("./index.js", import.meta.url));
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  // ITGC_BENCH_ENDPOINT_PROFILE_DIR: a CPU profile of the endpoint process (AWS's side) on its own.
  const endpointProfile = process.env.ITGC_BENCH_ENDPOINT_PROFILE_DIR;
  // The endpoint from its own light entry (event-scenarios.ts), not the bench's (index.js loads every SDK client).
  const endpointMain = fileURLToPath(new URL("./event-scenarios.js", import.meta.url));
  const server = fork(endpointMain, [name], {
    env,
    stdio: "inherit",
    ...(endpointProfile ? { execArgv: ["--cpu-prof", `--cpu-prof-dir=${endpointProfile}`] } : {}),
  });
  try {
    const { endpoint } = await message<{ endpoint: string }>(server);
    const load0 = loadavg()[0]!;
    const r = spawnSync(
      process.execPath,
      [
        // A million events and their recorded pages (the evidence) need more than the default heap.
        "--max-old-space-size=12288",
        "--expose-gc",
        // ITGC_BENCH_NODE_FLAGS: more V8 / Node flags for the measured process (e.g. --trace-gc), for diagnosis.
        ...(process.env.ITGC_BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
        // ITGC_BENCH_PROFILE_DIR: a CPU profile of the measured process only (not the endpoint, not this one).
        ...(process.env.ITGC_BENCH_PROFILE_DIR
          ? ["--cpu-prof", `--cpu-prof-dir=${process.env.ITGC_BENCH_PROFILE_DIR}`]
          : []),
        self,
        ...["--child", "events", "--scenario", name, "--event-rate", String(rate), "--endpoint", endpoint],
        ...(bundleMode ? ["--bundle", bundleMode] : []),
        ...(heapGrowingPercent !== undefined ? ["--heap-growing-percent", String(heapGrowingPercent)] : []),
      ],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        // A live run: the SDK must not pick up a profile, region or endpoint of the machine it runs on.
        env: {
          ...env,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_PROFILE: "",
        },
      },
    );
    if (r.status !== 0) throw new Error(`bench child events ${name} failed:\n${r.stderr}`);
    // The diagnostics' output (ITGC_BENCH_THREADS on stderr, e.g. --trace-gc on stdout) is passed on.
    if (process.env.ITGC_BENCH_THREADS) process.stderr.write(r.stderr);
    if (process.env.ITGC_BENCH_NODE_FLAGS) process.stderr.write(r.stdout);
    const result = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as EventResult;
    const load1 = loadavg()[0]!;
    server.send("stop");
    const { stats, cpuSeconds } = await message<{ stats: WireStats; cpuSeconds: number }>(server);
    return {
      ...result,
      wireBytes: stats.bytesOut,
      serverCpuSeconds: cpuSeconds,
      load: [load0, load1],
      cores: cpus().length,
    };
  } finally {
    // A profiled endpoint exits by itself once it has answered (and then writes its profile).
    if (endpointProfile && server.exitCode === null)
      await new Promise((r) => {
        server.once("exit", r);
        setTimeout(() => server.kill(), 30_000).unref();
      });
    else server.kill();
  }
}

const mb = (n: number) => `${n.toFixed(0)} MB`;
const perEvent = (megabytes: number, events: number) =>
  `${((megabytes * 1024 * 1024) / events).toFixed(0)} B`;

function heldText(r: EventResult, events: number): string {
  const held = r.retainedHeapMb - r.baseHeapMb;
  const pages = r.retainedHeapMb - r.withoutPagesHeapMb;
  const rest = r.withoutPagesHeapMb - r.baseHeapMb;
  return `${mb(held)}: ${perEvent(held, events)} = ${perEvent(pages, events)} + ${perEvent(rest, events)}`;
}

export function renderEventTable(rows: EventResult[]): string {
  const header = [
    "scenario",
    "accounts × regions",
    "events / region",
    "LookupEvents pages",
    "rate limit",
    "bound (pages/region − 1) ÷ rate",
    "wall time (listing phase)",
    "wall / bound",
    "CPU (user+sys) of the run (main thread; endpoint)",
    "peak RSS",
    "heap held after run, per event: total = recorded pages + the rest",
    "raw page bytes per event",
    "population (exceptions)",
    "load (1 min) start → end",
  ];
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const r of rows) {
    const events = r.accounts * r.regions * r.eventsPerRegion;
    out.push(
      `| ${[
        r.bundle
          ? `${r.scenario}${heapNote(r)} (bundle written, calls ${r.bundle.mode === "spool" ? "spooled" : "in memory"}: ${r.bundle.seconds.toFixed(1)} s, ${r.bundle.cpuSeconds.toFixed(1)} s CPU; peak RSS before it ${r.bundle.peakRssBeforeMb.toFixed(0)} MB)`
          : `${r.scenario}${heapNote(r)}`,
        `${r.accounts} × ${r.regions}`,
        r.eventsPerRegion.toLocaleString("en-US"),
        String(r.pages),
        `${r.rate}/s per account-region`,
        `${r.expectedSeconds.toFixed(1)} s`,
        `${r.seconds.toFixed(1)} s${r.listingSeconds !== undefined ? ` (listing ${r.listingSeconds.toFixed(1)} s)` : ""}`,
        `${(r.seconds / Math.max(r.expectedSeconds, 0.001)).toFixed(3)}×`,
        `${r.cpuSeconds.toFixed(1)} s (${r.mainThreadCpuSeconds !== undefined ? `main thread ${r.mainThreadCpuSeconds.toFixed(1)} s, ${((r.mainThreadCpuSeconds * 1000) / Math.max(1, r.pages)).toFixed(2)} ms/page; ` : ""}endpoint ${r.serverCpuSeconds?.toFixed(1) ?? "?"} s)`,
        mb(r.peakRssMb),
        heldText(r, events),
        r.wireBytes ? `${(r.wireBytes / events).toFixed(0)} B` : "?",
        `${r.population.toLocaleString("en-US")} (${r.exceptions.toLocaleString("en-US")}), ${r.status}`,
        r.load ? `${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} (${r.cores} cores)` : "?",
      ].join(" | ")} |`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** The heap factor beside the scenario's name, when the run had one (an organization run does, as `run --org`). */
function heapNote(r: EventResult): string {
  return r.heapGrowingPercent !== undefined
    ? ` [heap growing factor ${(1 + r.heapGrowingPercent / 100).toFixed(2)}]`
    : "";
}
