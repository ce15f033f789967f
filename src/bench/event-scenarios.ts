/**
 * The event-population scenarios (events.ts) and their endpoint process (events-wire.ts), in a module that
 * imports neither the engine nor the SDK: the endpoint is started as its own process
 * (`node dist/bench/event-scenarios.js <scenario>`, forked by events.ts), and it used to load the whole
 * bench — every SDK client, the engine — to serve LookupEvents: ≈ 1 s of CPU on the cores the measured run
 * needs, before the run. events.ts re-exports what it always exported from here.
 */
import { fileURLToPath } from "node:url";
import { startEventsWireServer } from "./events-wire.js";
import { makeWorld, type World } from "./world.js";

export interface EventScenario {
  name: string;
  accounts: number;
  regions: number;
  events: number;
  /** Not part of a plain `npm run bench` (the memory-slope sizes, the diagnostic). */
  onlyWhenNamed?: boolean;
  /** Events per page (default 50, LookupEvents' maximum): the diagnostic uses fewer. */
  pageSize?: number;
}

export const EVENT_SCENARIOS: EventScenario[] = [
  { name: "events-100k", accounts: 1, regions: 1, events: 100_000 },
  { name: "events-org-50x4", accounts: 50, regions: 4, events: 5_000 },
  // Smaller sizes of one account-region, for the memory slope (peak RSS and retained heap against events).
  { name: "events-10k", accounts: 1, regions: 1, events: 10_000, onlyWhenNamed: true },
  { name: "events-25k", accounts: 1, regions: 1, events: 25_000, onlyWhenNamed: true },
  { name: "events-50k", accounts: 1, regions: 1, events: 50_000, onlyWhenNamed: true },
  // Diagnostic: the pages and parallelism of events-org-50x4 (200 account-regions × 100 pages at 2/s) with
  // one event a page (a fiftieth of the per-event CPU, every per-page cost kept: HTTP, signing, parsing,
  // recording): shows whether the limiter and the concurrency caps hold the bound when the per-event work
  // does not dominate.
  // A fifth of events-org-50x4 (20 pages per account-region): the same per-page work in a quarter of a minute,
  // for comparing changes before the full scenario is measured.
  { name: "events-org-50x4-short", accounts: 50, regions: 4, events: 1_000, onlyWhenNamed: true },
  { name: "events-org-50x4-1pp", accounts: 50, regions: 4, events: 100, pageSize: 1, onlyWhenNamed: true },
];

export function eventWorld(s: EventScenario): World {
  return makeWorld({
    accounts: s.accounts,
    users: 5,
    org: s.accounts > 1,
    regions: s.regions,
    events: s.events,
  });
}

/** Child: the endpoint, until the parent says stop; then its request counts and CPU go back over IPC. */
export async function serveEventScenario(s: EventScenario): Promise<void> {
  const server = await startEventsWireServer(eventWorld(s), s.pageSize);
  process.send!({ endpoint: server.endpoint });
  process.on("message", async () => {
    const cpu = process.cpuUsage();
    await server.close();
    process.send!({ stats: server.stats, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, () => process.exit(0));
  });
}

// Started as the endpoint process: `node event-scenarios.js <scenario>` with an IPC channel (fork).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = EVENT_SCENARIOS.find((x) => x.name === process.argv[2]);
  if (!s || !process.send) {
    process.stderr.write(`event-scenarios: unknown scenario ${process.argv[2]} (or no IPC channel)\n`);
    process.exit(2);
  }
  void serveEventScenario(s);
}
