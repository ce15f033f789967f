/**
 * Event-population scenarios of `npm run bench`: CloudTrail LookupEvents at the documented rate limit
 * (2 requests per second per account and region), answered by the synthetic world (world.ts) with no extra
 * latency, so the wall time is set by the rate limiter alone. Measured: wall time against the expected
 * pages ÷ rate for the busiest account-region (account-regions proceed in parallel), peak RSS, and that the
 * population is complete (every event in one control's population, the human ones flagged).
 *
 *   npm run bench -- --scenario events-org-50x4 [--event-rate 2]
 */
import { executeRun } from "../engine/execute-run.js";
import { makeWorld, SyntheticAnswers } from "./world.js";

export interface EventScenario {
  name: string;
  accounts: number;
  regions: number;
  events: number;
}

export const EVENT_SCENARIOS: EventScenario[] = [
  { name: "events-100k", accounts: 1, regions: 1, events: 100_000 },
  { name: "events-org-50x4", accounts: 50, regions: 4, events: 5_000 },
];

export interface EventResult {
  scenario: string;
  accounts: number;
  regions: number;
  eventsPerRegion: number;
  rate: number;
  pages: number;
  expectedSeconds: number;
  seconds: number;
  peakRssMb: number;
  population: number;
  exceptions: number;
  status: string;
}

const CONTROL = "change-management.aws-click-ops-production";

export async function runEventScenario(s: EventScenario, rate: number): Promise<EventResult> {
  const w = makeWorld({
    accounts: s.accounts,
    users: 5,
    org: s.accounts > 1,
    regions: s.regions,
    events: s.events,
  });
  const t0 = performance.now();
  const outcome = await executeRun({
    filter: { control: [CONTROL] },
    recording: { dir: "(bench)", meta: { startedAt: w.recordedAt, homeRegion: w.homeRegion }, calls: [] },
    aws: {
      org: w.org,
      regions: w.regions,
      replaySource: new SyntheticAnswers(w),
      rateLimits: { "CloudTrail:LookupEvents": rate },
    },
    overrides: { [CONTROL]: { production_accounts: w.accounts } },
  });
  const seconds = (performance.now() - t0) / 1000;
  const r = outcome.results[0]!;
  const pages = outcome.calls.filter((c) => c.operation === "LookupEvents").length;
  const perRegion = Math.max(1, Math.ceil(s.events / 50));
  return {
    scenario: s.name,
    accounts: s.accounts,
    regions: s.regions,
    eventsPerRegion: s.events,
    rate,
    pages,
    // The first request of each account-region goes at once; each later one waits 1/rate.
    expectedSeconds: (perRegion - 1) / rate,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    population: r.population,
    exceptions: r.exceptions,
    status: r.status,
  };
}

export function renderEventTable(rows: EventResult[]): string {
  const header = [
    "scenario",
    "accounts × regions",
    "events / region",
    "LookupEvents pages",
    "rate limit",
    "expected (pages/region − 1) ÷ rate",
    "wall time",
    "wall / expected",
    "peak RSS",
    "population (exceptions)",
  ];
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const r of rows)
    out.push(
      `| ${[
        r.scenario,
        `${r.accounts} × ${r.regions}`,
        r.eventsPerRegion.toLocaleString("en-US"),
        String(r.pages),
        `${r.rate}/s per account-region`,
        `${r.expectedSeconds.toFixed(1)} s`,
        `${r.seconds.toFixed(1)} s`,
        `${(r.seconds / Math.max(r.expectedSeconds, 0.001)).toFixed(3)}×`,
        `${r.peakRssMb.toFixed(0)} MB`,
        `${r.population.toLocaleString("en-US")} (${r.exceptions.toLocaleString("en-US")}), ${r.status}`,
      ].join(" | ")} |`,
    );
  return `${out.join("\n")}\n`;
}
