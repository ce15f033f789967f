/**
 * The CloudTrail event populations evaluated page by page (issue 11: aws.cloudtrail.events and
 * aws.cloudtrail.lookupEvents stream into their one reader; newest-first-merge.ts orders the pages):
 * - the streamed population is the materialised one, in its order (time ascending, ties by event id, one row
 *   per event id), with ties across page boundaries and several listings — replayed through the real
 *   CloudTrail client, and the merge itself against `events.fetch` on overlapping listings;
 * - a page newer than an earlier page breaks the order LookupEvents documents: the listing fails;
 * - fail closed through the real client over HTTP: a page throttled past the retries after earlier pages of
 *   that account-region were evaluated and written makes the control `error`, and nothing of that
 *   account-region is in the population or its counts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { finalise } from "../../fixtures/lib/aws.js";
import {
  assumedRole,
  type EventSpec,
  iamUser,
  lookupEventsCalls,
  ssoUser,
} from "../../fixtures/lib/cloudtrail.js";
import {
  CALLER_ACCESS_KEY,
  CALLER_SECRET,
  type EventsWireServer,
  startEventsWireServer,
} from "../../src/bench/events-wire.js";
import { makeWorld } from "../../src/bench/world.js";
import { parsePeriod } from "../../src/core/period.js";
import type { RowSink } from "../../src/core/query.js";
import type { ControlResult, Row } from "../../src/core/types.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { PopulationStore, populationOf } from "../../src/engine/population-store.js";
import type { AwsQueryContext } from "../../src/providers/aws/context.js";
import { events } from "../../src/queries/aws/events/cloudtrail-events.js";
import { NewestFirstMerge } from "../../src/queries/aws/events/newest-first-merge.js";
import { ACCOUNT, identity, NOW, REGION } from "../controls/aws-logging-support.js";

const dir = mkdtempSync(join(tmpdir(), "itgc-events-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
let stores = 0;
const store = () => new PopulationStore(join(dir, `run-${++stores}`), 0);

/** A result with its population read out, as JSON (a stored population's items are their JSON copies). */
function plain(r: ControlResult): unknown {
  const p = populationOf(r);
  const { stored: _, ...rest } = r;
  return JSON.parse(JSON.stringify({ ...rest, findings: [...p.findings()], items: [...p.items()] }));
}

const PERIOD = "2026-09-01..2026-11-19";
const START = "2026-09-01T00:00:00.000Z";
const END = "2026-11-19T23:59:59.999Z";

describe("streamed event populations, replayed through the real CloudTrail client", () => {
  const PIPELINE = assumedRole(ACCOUNT, "deploy-pipeline", "codebuild-run-4411");
  const BOB = iamUser(ACCOUNT, "bob");
  const CAROL = ssoUser(ACCOUNT, "AdministratorAccess", "carol@example.com");
  const who = [PIPELINE, BOB, CAROL];
  // 30 writes over IAM / KMS / CloudTrail, in groups sharing one second (CloudTrail's eventTime resolution):
  // with pages of 2, most groups straddle a page boundary.
  const EVENTS: EventSpec[] = Array.from({ length: 30 }, (_, i) => ({
    account: ACCOUNT,
    region: REGION,
    time: new Date(Date.parse("2026-10-01T00:00:00Z") + Math.floor(i / 3) * 86_400_000).toISOString(),
    source: `${["iam", "kms", "cloudtrail"][i % 3]!}.amazonaws.com`,
    name: `Write${i}`,
    identity: who[i % 3]!,
  }));
  const SOURCES = ["iam", "kms", "organizations", "cloudtrail", "config"];
  const calls: CallSpec[] = [
    ...SOURCES.flatMap((s) =>
      lookupEventsCalls({
        account: ACCOUNT,
        region: REGION,
        attribute: "EventSource",
        value: `${s}.amazonaws.com`,
        start: START,
        end: END,
        events: EVENTS,
        pageSize: 2,
      }),
    ),
    ...lookupEventsCalls({
      account: ACCOUNT,
      region: REGION,
      attribute: "ReadOnly",
      value: "false",
      start: START,
      end: END,
      events: EVENTS,
      pageSize: 2,
    }),
  ];
  const CONTROLS = [
    "change-management.aws-change-population-authorised",
    "change-management.aws-click-ops-production",
  ];
  const run = (streamResults: boolean, withStore: boolean) =>
    executeRun({
      filter: { control: CONTROLS },
      recording: {
        dir: "(in-memory)",
        meta: { startedAt: NOW, homeRegion: REGION },
        calls: finalise([...identity(), ...calls], NOW),
      },
      aws: { regions: [REGION], maxAttempts: 2, retryMode: "standard" },
      overrides: { [CONTROLS[1]!]: { production_accounts: [ACCOUNT] } },
      period: parsePeriod(PERIOD),
      engine: { streamResults },
      ...(withStore ? { population: store() } : {}),
    });

  it("gives the materialised populations, in their order (ties across pages, five listings merged)", async () => {
    for (const withStore of [false, true]) {
      const stream = vi.spyOn(events, "stream");
      const streamed = await run(true, withStore);
      expect(stream).toHaveBeenCalledTimes(2);
      stream.mockClear();
      const held = await run(false, withStore);
      expect(stream).not.toHaveBeenCalled();
      vi.restoreAllMocks();
      expect(streamed.results.map(plain)).toEqual(held.results.map(plain));
      for (const r of streamed.results) {
        expect(r.population).toBeGreaterThan(15);
        const items = [...populationOf(r).items()];
        const keys = items.map((i) => `${new Date(i.time as string).toISOString()}|${String(i.event_id)}`);
        const sorted = [...keys].sort((a, b) => {
          const [ta, ia] = a.split("|");
          const [tb, ib] = b.split("|");
          return ta!.localeCompare(tb!) || ia!.localeCompare(ib!);
        });
        expect(keys).toEqual(sorted);
      }
    }
  });
});

describe("NewestFirstMerge against events.fetch", () => {
  /** An event row as normaliseEvent makes it (only what the merge and the sort read matters). */
  const row = (id: string, second: number, listing: number): Row => ({
    event_id: id,
    time: new Date(Date.UTC(2026, 9, 1, 0, 0, second)),
    from: listing,
  });

  function ctxFor(listings: Row[][], pageSize: number): AwsQueryContext {
    const attr = (p: Record<string, unknown>) => Number(String(p.value).replace("name", ""));
    return {
      aws: { accountId: ACCOUNT, region: REGION },
      query: async (_id: string, p: Record<string, unknown>) => listings[attr(p)]!,
      queryBatches: async (_id: string, p: Record<string, unknown>, onBatch: (rows: Row[]) => void) => {
        const rows = listings[attr(p)]!;
        for (let i = 0; i === 0 || i < rows.length; i += pageSize) {
          await new Promise((r) => setTimeout(r, Math.random() * 2));
          onBatch(rows.slice(i, i + pageSize));
        }
      },
    } as unknown as AwsQueryContext;
  }

  async function streamed(ctx: AwsQueryContext, params: Record<string, unknown>): Promise<Row[]> {
    const batches: { rows: readonly Row[]; rank: number; seq: number }[] = [];
    const sink: RowSink = { rows: (rows, rank) => batches.push({ rows, rank, seq: batches.length }) };
    await events.stream!(ctx, params, sink);
    return batches.sort((a, b) => a.rank - b.rank || a.seq - b.seq).flatMap((b) => b.rows);
  }

  it("overlapping listings with ties: the same rows, the same copies, the same order", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 40; trial++) {
      const k = 1 + (trial % 4);
      const pool = Array.from({ length: 60 }, (_, i) => ({
        id: `e-${(i * 7919) % 997}`,
        second: Math.floor(random() * 12),
      }));
      // Each listing: a random subset (events may be in several), newest first, ties in any order.
      const listings = Array.from({ length: k }, (_, l) =>
        pool
          .filter(() => random() < 0.5)
          .map((e) => row(e.id, e.second, l))
          .sort((a, b) => (b.time as Date).getTime() - (a.time as Date).getTime() || random() - 0.5),
      );
      const params = { event_names: listings.map((_, l) => `name${l}`) };
      const pageSize = 1 + (trial % 5);
      const expected = (await events.fetch(ctxFor(listings, pageSize), params)) as Row[];
      const got = await streamed(ctxFor(listings, pageSize), params);
      expect(got).toEqual(expected);
      // The very copies `fetch` keeps (a copy from a later listing wins).
      expect(got.map((r) => r.from)).toEqual(expected.map((r) => r.from));
    }
  });

  it("a page newer than an earlier page of its listing fails the listing", () => {
    const out: Row[][] = [];
    const merge = new NewestFirstMerge(
      1,
      (rows) => out.push(rows),
      () => "CloudTrail:LookupEvents ReadOnly=false",
    );
    merge.page(0, [row("b", 9, 0), row("a", 8, 0)]);
    expect(() => merge.page(0, [row("c", 8, 0)])).not.toThrow(); // a tie with the oldest so far is in order
    expect(() => merge.page(0, [row("d", 10, 0)])).toThrow(
      /newer than an earlier page's oldest.*most recent first/,
    );
  });
});

describe("fail closed over HTTP: a page throttled past the retries after earlier pages were evaluated", () => {
  const EVENTS = 260; // 6 pages of at most 50
  const world = makeWorld({ accounts: 2, users: 1, org: true, regions: 1, events: EVENTS });
  const failing = world.accounts[1]!;
  let server: EventsWireServer;
  beforeAll(async () => {
    // The fourth page of the second account's listing is throttled every time it is asked.
    server = await startEventsWireServer(
      world,
      undefined,
      (account, _region, page) => account === failing && page === 3,
    );
  });
  afterAll(() => server.close());

  const control = "change-management.aws-click-ops-production";
  const run = (streamResults: boolean) => {
    const population = store();
    return executeRun({
      filter: { control: [control] },
      aws: {
        org: true,
        regions: world.regions,
        homeRegion: world.homeRegion,
        endpoint: server.endpoint,
        credentials: async () => ({ accessKeyId: CALLER_ACCESS_KEY, secretAccessKey: CALLER_SECRET }),
        rateLimits: { "CloudTrail:LookupEvents": 1000 },
        maxAttempts: 2,
      },
      overrides: { [control]: { production_accounts: world.accounts } },
      population,
      engine: { streamResults },
    }).then((outcome) => ({ outcome, population }));
  };

  it("the control is error; nothing of that account-region counts; the materialised run's result", async () => {
    const { outcome, population } = await run(true);
    const r = outcome.results[0]!;
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(new RegExp(`${failing}/${world.regions[0]}: .*(Throttling|Rate exceeded)`));
    // Only the account that answered is in the population, its counts and its exceptions.
    expect(r.population).toBe(EVENTS);
    const findings = [...populationOf(r).findings()];
    expect(new Set(findings.map((f) => f.account))).toEqual(new Set([world.accounts[0]]));
    expect(populationOf(r).counts.fail).toBe(r.exceptions);
    expect(r.exceptions).toBe(findings.filter((f) => f.status === "fail").length);
    // The failing account-region's first three pages were evaluated and written before the throttle (all
    // but their oldest event, which waits for the next page in case it shares its second): their lines are
    // in the scratch file, not in the population.
    const lines = readFileSync(join(population.dir, "0.findings.ndjson"), "utf8").trim().split("\n");
    expect(lines.filter((l) => l.includes(`"account":"${failing}"`)).length).toBe(3 * 50 - 1);
    expect(lines.length).toBe(EVENTS + 3 * 50 - 1);
    const held = await run(false);
    expect(outcome.results.map(plain)).toEqual(held.outcome.results.map(plain));
    population.discard();
    held.population.discard();
  });
});
