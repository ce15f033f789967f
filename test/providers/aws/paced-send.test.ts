/**
 * A run's documented request rates (LookupEvents: per account and region) over HTTP, through an AwsSession's
 * CloudTrailClient (sendWhenPaced, middleware.ts): a command waits for its slot before the SDK builds its
 * call, takes exactly one slot for its first attempt, and each retry waits for a slot of its own.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsSession } from "../../../src/providers/aws/session.js";
import { Recorder } from "../../../src/recording/recorder.js";

const RATE = 5; // 200 ms between requests
const credentials = async () => ({ accessKeyId: "AKIAEXAMPLE000000000", secretAccessKey: "not-a-secret" });

describe("rate-limited sends: the slot before the SDK, one slot per attempt", () => {
  let server: Server;
  let endpoint: string;
  /** performance.now() of each request the server received, and how many to answer with a throttle first. */
  let arrivals: number[] = [];
  let throttleFirst = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        arrivals.push(performance.now());
        if (throttleFirst > 0) {
          throttleFirst--;
          res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
          return;
        }
        res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1" });
        res.end('{"Events":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const session = (maxAttempts = 1) =>
    new AwsSession(
      {
        recorder: new Recorder(),
        maxAttempts,
        retryMode: "standard",
        endpoint,
        rateLimits: { "CloudTrail:LookupEvents": RATE },
        backoff: { baseDelayMs: 1, throttlingDelayMs: 1, maxDelayMs: 1 },
      },
      credentials,
      "111122223333",
    );
  const lookup = () =>
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "false" }] });

  it("three sends at once: each enters the SDK when its slot comes, and is sent once, 1/rate apart", async () => {
    arrivals = [];
    const client = session().client(CloudTrailClient, "eu-west-1");
    const t0 = performance.now();
    const built: number[] = [];
    const commands = [lookup(), lookup(), lookup()].map((c) => {
      const resolve = c.resolveMiddleware.bind(c);
      c.resolveMiddleware = ((...args: Parameters<typeof resolve>) => {
        built.push(performance.now() - t0);
        return resolve(...args);
      }) as typeof c.resolveMiddleware;
      return c;
    });
    await Promise.all(commands.map((c) => client.send(c)));
    const sent = arrivals.map((t) => t - t0);
    expect(sent).toHaveLength(3);
    // The first goes at once; the others 200 and 400 ms later — one slot each, not two (a second wait
    // would put the last one at 800 ms). Arrivals carry the connection's jitter, hence the margins.
    expect(sent[0]!).toBeLessThan(150);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(120);
    expect(sent[2]! - sent[1]!).toBeGreaterThanOrEqual(120);
    expect(sent[2]!).toBeGreaterThanOrEqual(390);
    expect(sent[2]!).toBeLessThan(700);
    // Nothing of the SDK's call was built for the second and third before their slots.
    expect(built).toHaveLength(3);
    expect(built[1]!).toBeGreaterThanOrEqual(190);
    expect(built[2]!).toBeGreaterThanOrEqual(390);
  });

  it("a retry waits for a slot of its own", async () => {
    arrivals = [];
    throttleFirst = 1;
    const client = session(2).client(CloudTrailClient, "eu-west-1");
    await client.send(lookup());
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(150);
  });
});
