/**
 * The CLI as users run it (bin/ → the bundled CLI and its bundled SDK, dist/bundle/), live against the
 * benchmark's local AWS endpoint (src/bench/events-wire.ts: STS and CloudTrail LookupEvents in their wire
 * formats, EventTime in epoch seconds): an event-based control over the period, end to end, with
 * LookupEvents' pages read by the bundled CloudTrailProtocol. Its verdict, population and exceptions are the
 * world's, and the recorded pages keep the SDK's member order with EventTime stored as ISO 8601.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CALLER_ACCESS_KEY,
  CALLER_SECRET,
  type EventsWireServer,
  startEventsWireServer,
} from "../../src/bench/events-wire.js";
import { makeWorld } from "../../src/bench/world.js";
import { cliAsync } from "../support/cli.js";

const CONTROL = "change-management.aws-click-ops-production";
const EVENTS = 120; // 3 pages; events i % 20 === 7 are by the IAM user bench-admin (world.ts)

describe("the bundled CLI, live: LookupEvents over HTTP through the bundled SDK and CloudTrailProtocol", () => {
  const world = makeWorld({ accounts: 1, users: 1, org: false, regions: 1, events: EVENTS });
  const region = world.regions[0]!;
  let server: EventsWireServer;
  let dir: string;
  beforeAll(async () => {
    server = await startEventsWireServer(world);
    dir = mkdtempSync(join(tmpdir(), "itgc-events-cli-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("tests every write event of the period and flags the IAM user's, as recorded", async () => {
    const params = join(dir, "params.yaml");
    writeFileSync(params, `${CONTROL}:\n  production_accounts: ["${world.caller}"]\n`);
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: dir,
      XDG_CACHE_HOME: dir,
      NO_COLOR: "1",
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: CALLER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: CALLER_SECRET,
      AWS_REGION: region,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const out = join(dir, "out");
    const r = await cliAsync(
      [
        "run",
        "--control",
        CONTROL,
        "--region",
        region,
        "--params",
        params,
        "--json",
        "--no-sign",
        "--out",
        out,
      ],
      env,
    );
    expect(r.stderr).not.toMatch(/TypeError|internal error/);
    expect(server.stats.requests.LookupEvents).toBe(3);

    const [bundle] = readdirSync(out).filter((d) => d.startsWith("itgc-"));
    const data = join(out, bundle!, "data");
    const results = JSON.parse(readFileSync(join(data, "results.json"), "utf8"));
    const control = results.controls.find((c: { id: string }) => c.id === CONTROL);
    expect(control.status).toBe("fail");
    const humans = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => i % 20 === 7).length;
    expect(control.population).toBe(EVENTS);
    expect(control.exceptions).toBe(humans);
    const failed = (control.findings as { status: string; resource: string }[]).filter(
      (f) => f.status === "fail",
    );
    expect(failed).toHaveLength(humans);
    expect(r.code).toBe(1); // a control failed (README, Exit codes)

    const rawDir = join(data, "raw", world.caller, region);
    const pages = readdirSync(rawDir).filter((f) => f.endsWith("CloudTrail.LookupEvents.json"));
    expect(pages).toHaveLength(3);
    let events = 0;
    for (const file of pages) {
      const call = JSON.parse(readFileSync(join(rawDir, file), "utf8"));
      for (const e of call.output.Events as Record<string, unknown>[]) {
        events++;
        expect(Object.keys(e)).toEqual([
          "EventId",
          "EventName",
          "ReadOnly",
          "EventTime",
          "EventSource",
          "Username",
          "Resources",
          "CloudTrailEvent",
        ]);
        expect(e.EventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    }
    expect(events).toBe(EVENTS);
  });
});
