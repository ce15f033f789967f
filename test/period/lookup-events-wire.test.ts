/**
 * CloudTrail LookupEvents through the real SDK client over HTTP (the benchmark's local endpoint,
 * src/bench/events-wire.ts, in the JSON 1.1 wire shape: EventTime in epoch seconds, CloudTrailEvent the JSON
 * string), checking two things the event benchmark relies on:
 *
 * - the memory design of issue 11 item 2: a listing streams through the query without holding raw pages
 *   twice — after the listing every page the SDK parsed is garbage (nothing in the query or the middleware
 *   keeps it), the recorder holds each page once (the evidence) and the rows carry no raw record;
 * - a live organization run against the endpoint: member accounts reached with AssumeRole credentials, each
 *   account-region's history its own (the endpoint tells accounts apart by the signing key, as AWS does), the
 *   exact events flagged.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CALLER_ACCESS_KEY,
  CALLER_SECRET,
  type EventsWireServer,
  eventWriter,
  startEventsWireServer,
} from "../../src/bench/events-wire.js";
import { makeWorld, syntheticEvent } from "../../src/bench/world.js";
import type { Row } from "../../src/core/types.js";
import { executeRun } from "../../src/engine/execute-run.js";
import type { AwsQueryContext } from "../../src/providers/aws/context.js";
import { AwsSession } from "../../src/providers/aws/session.js";
import { lookupEvents } from "../../src/queries/aws/events/cloudtrail-events.js";
import { Recorder } from "../../src/recording/recorder.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const credentials = async () => ({ accessKeyId: CALLER_ACCESS_KEY, secretAccessKey: CALLER_SECRET });
const EVENTS = 260; // 6 pages of at most 50
/** Events i with i % 20 === 7 are by the IAM user bench-admin (world.ts syntheticEvent). */
const humanIndices = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 20 === 7);

describe("LookupEvents over HTTP through the real SDK (bench endpoint)", () => {
  const world = makeWorld({ accounts: 2, users: 1, org: true, regions: 1, events: EVENTS });
  let server: EventsWireServer;
  beforeAll(async () => {
    server = await startEventsWireServer(world);
  });
  afterAll(() => server.close());

  it("streams a listing: no SDK page outlives the listing; the recorder holds each page once", async () => {
    const recorder = new Recorder();
    const region = world.regions[0]!;
    const session = new AwsSession(
      {
        recorder,
        maxAttempts: 2,
        retryMode: "standard",
        endpoint: server.endpoint,
        rateLimits: { "CloudTrail:LookupEvents": 1000 },
      },
      credentials,
      world.caller,
    );
    const client = session.client(CloudTrailClient, region);
    // Every page object the SDK deserialised, held weakly: the question is whether anything else holds it.
    const pages: WeakRef<object>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const r = await next(args);
        pages.push(new WeakRef(r.output as object));
        return r;
      },
      { step: "initialize", priority: "low", name: "testPageRefs" },
    );
    const now = new Date();
    const ctx = {
      scope: { account: world.caller, region },
      now,
      period: { start: new Date(now.getTime() - 90 * 86_400_000), end: now },
      aws: {
        accountId: world.caller,
        region,
        homeRegion: region,
        partition: "aws",
        session,
        client: () => client,
      },
    } as unknown as AwsQueryContext;

    const rows = (await lookupEvents.fetch(ctx, { attribute: "ReadOnly", value: "false" })) as Row[];
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept until the current job ends
    gc();

    expect(rows).toHaveLength(EVENTS);
    expect(pages).toHaveLength(6);
    expect(pages.filter((p) => p.deref() !== undefined)).toHaveLength(0);
    const recorded = recorder.all().filter((c) => c.operation === "LookupEvents");
    expect(recorded).toHaveLength(6);
    expect(recorded.map((c) => (c.output as { Events: unknown[] }).Events.length)).toEqual([
      50, 50, 50, 50, 50, 10,
    ]);
    // The rows keep what controls test, not the raw record (that is the recorder's copy).
    expect(Object.keys(rows[0]!)).not.toContain("CloudTrailEvent");
    expect(rows[0]!.time).toBeInstanceOf(Date);
  });

  it("a live organization run: each account's own history, the IAM user's writes flagged exactly", async () => {
    const control = "change-management.aws-click-ops-production";
    const outcome = await executeRun({
      filter: { control: [control] },
      aws: {
        org: true,
        regions: world.regions,
        homeRegion: world.homeRegion,
        endpoint: server.endpoint,
        credentials,
        rateLimits: { "CloudTrail:LookupEvents": 1000 },
      },
      overrides: { [control]: { production_accounts: world.accounts } },
    });
    const r = outcome.results[0]!;
    expect(r.status).toBe("fail");
    expect(r.population).toBe(2 * EVENTS);
    // Event ids end in the event's index (world.ts): exactly the IAM user's events, in each account.
    const human = humanIndices(EVENTS).map((i) => String(i).padStart(12, "0"));
    for (const account of world.accounts) {
      const flagged = r.findings.filter((f) => f.status === "fail" && f.account === account);
      expect(flagged.map((f) => f.resource.slice(-12)).sort()).toEqual(human);
    }
    expect(r.exceptions).toBe(2 * human.length);
    const members = outcome.calls.filter((c) => c.operation === "AssumeRole").map((c) => c.account);
    expect(members).toEqual([world.accounts[1]]);
    const byAccount = new Set(r.items.map((row) => row.account));
    expect([...byAccount].sort()).toEqual([...world.accounts].sort());
  });

  it("writes each event as the JSON of the world's LookupEvents event (EventTime in epoch seconds)", () => {
    const span = 89 * 86_400_000;
    const writer = eventWriter(world, span);
    for (const account of world.accounts)
      for (const i of [0, 1, 7, 27, 49, 50, EVENTS - 1]) {
        const e = syntheticEvent(world, account, world.regions[0]!, i, span);
        const t = Date.parse(String(e.EventTime));
        expect(writer.time(i)).toBe(t);
        expect(writer.json(account, world.regions[0]!, i)).toBe(
          JSON.stringify({ ...e, EventTime: t / 1000 }),
        );
      }
    // Text JSON must escape (not an account or region AWS has) takes the writer's other path: the same bytes.
    for (const [account, region] of [
      ['1"2', "us-east-1"],
      [world.accounts[0]!, "eu\\west"],
    ] as const) {
      const e = syntheticEvent(world, account, region, 7, span);
      expect(writer.json(account, region, 7)).toBe(
        JSON.stringify({ ...e, EventTime: writer.time(7) / 1000 }),
      );
    }
  });
});
