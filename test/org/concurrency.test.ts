/**
 * The layered limits of an AWS run (session.ts, middleware.ts): the run-wide limit is taken per attempt, so a
 * call sleeping a retry backoff holds no run-wide slot; the per-account/region/operation limit is held for the
 * whole call, so a throttled operation slows down only itself. Clients are made on first use and reused (and counted).
 */
import { GetAccountSummaryCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { ServiceException } from "@smithy/smithy-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { finalise } from "../../fixtures/lib/aws.js";
import { newAttemptStats } from "../../src/providers/aws/middleware.js";
import { RunRetryStrategy } from "../../src/providers/aws/retry.js";
import { AWS_DEFAULTS, AwsRuntime } from "../../src/providers/aws/runtime.js";
import { type AwsEnvironment, AwsSession, awsClientsCreated } from "../../src/providers/aws/session.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";
import { startWireServer } from "../support/aws-wire.js";

const ACCOUNT = "111122223333";
const recording = finalise(
  [
    {
      service: "IAM",
      operation: "GetAccountSummary",
      account: ACCOUNT,
      region: "us-east-1",
      input: {},
      output: { SummaryMap: { Users: 3 } },
    },
    {
      service: "IAM",
      operation: "ListUsers",
      account: ACCOUNT,
      region: "us-east-1",
      input: {},
      output: { Users: [], IsTruncated: false },
    },
  ],
  "2026-11-20T09:00:00.000Z",
);

const throttling = () =>
  new ServiceException({
    name: "ThrottlingException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Rate exceeded",
  });

/** A limit that counts what it holds. */
function countingLimit() {
  const c = { active: 0, max: 0 };
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    c.active++;
    c.max = Math.max(c.max, c.active);
    try {
      return await fn();
    } finally {
      c.active--;
    }
  };
  return { c, limit };
}

function env(extra: Partial<AwsEnvironment>, throttleFirst: (op: string, n: number) => boolean) {
  const seen = new Map<string, number>();
  return {
    recorder: new Recorder(),
    replay: new ReplayIndex(recording),
    maxAttempts: 3,
    retryMode: "standard" as const,
    backoff: { throttlingDelayMs: 1 },
    stats: newAttemptStats(),
    beforeReplayAttempt: async (call: { operation: string }) => {
      const n = (seen.get(call.operation) ?? 0) + 1;
      seen.set(call.operation, n);
      if (throttleFirst(call.operation, n)) throw throttling();
    },
    ...extra,
  } satisfies AwsEnvironment;
}

afterEach(() => vi.restoreAllMocks());

describe("AWS run limits", () => {
  it("a call waiting out a retry backoff holds no run-wide slot", async () => {
    const run = countingLimit();
    const heldDuringBackoff: number[] = [];
    const refresh = RunRetryStrategy.prototype.refreshRetryTokenForRetry;
    vi.spyOn(RunRetryStrategy.prototype, "refreshRetryTokenForRetry").mockImplementation(function (
      this: RunRetryStrategy,
      ...args
    ) {
      heldDuringBackoff.push(run.c.active);
      return refresh.apply(this, args);
    });
    const e = env({ limit: run.limit }, (op, n) => op === "GetAccountSummary" && n === 1);
    const client = new AwsSession(e, undefined, ACCOUNT).client(IAMClient, "us-east-1");
    const out = await client.send(new GetAccountSummaryCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    // The retry was decided (and its backoff slept) with nothing held in the run-wide limit…
    expect(heldDuringBackoff).toEqual([0]);
    // …and each attempt took the run-wide slot: two attempts, never more than one at once.
    expect(run.c.max).toBe(1);
    expect(e.stats).toEqual({ attempts: 2, throttles: 1 });
  }, 30_000);

  it("the per-operation limit is held through a call's retries: the throttled operation waits, others do not", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const e = env({ apiConcurrency: 1 }, () => false);
    e.beforeReplayAttempt = async (call) => {
      order.push(call.operation);
      // The first GetAccountSummary attempt is held until ListUsers (another operation) has been answered.
      if (call.operation === "GetAccountSummary" && order.length === 1) {
        await gate;
        throw throttling();
      }
    };
    const client = new AwsSession(e, undefined, ACCOUNT).client(IAMClient, "us-east-1");
    const first = client.send(new GetAccountSummaryCommand({}));
    const second = client.send(new GetAccountSummaryCommand({}));
    await client.send(new ListUsersCommand({}));
    release();
    await Promise.all([first, second]);
    // The second GetAccountSummary started only after the first one's retry: same operation, one at a time.
    expect(order).toEqual(["GetAccountSummary", "ListUsers", "GetAccountSummary", "GetAccountSummary"]);
  }, 30_000);

  it("creates a client on first use and reuses it", () => {
    const before = awsClientsCreated();
    const s = new AwsSession(
      env({}, () => false),
      undefined,
      ACCOUNT,
    );
    const a = s.client(IAMClient, "us-east-1");
    expect(s.client(IAMClient, "us-east-1")).toBe(a);
    expect(s.client(IAMClient, "eu-west-1")).not.toBe(a);
    expect(awsClientsCreated() - before).toBe(2);
  });

  it("a live run opens as many sockets to one endpoint as its run-wide limit lets attempts fly (not the SDK's 50)", async () => {
    // Every request hangs until the client gives up: the server sees the requests that got a socket.
    const server = await startWireServer(() => "hang");
    try {
      const limit = 64;
      const e: AwsEnvironment = {
        recorder: new Recorder(),
        maxAttempts: 1,
        retryMode: "standard",
        endpoint: server.endpoint,
        callTimeoutMs: 1_000,
        socketsPerHost: limit,
        shared: {},
      };
      const credentials = async () => ({
        accessKeyId: "AKIAEXAMPLEEXAMPLE00",
        secretAccessKey: "not-a-secret",
      });
      const client = new AwsSession(e, credentials, ACCOUNT).client(IAMClient, "us-east-1");
      const calls = await Promise.allSettled(
        Array.from({ length: limit }, () => client.send(new ListUsersCommand({}))),
      );
      expect(calls.every((c) => c.status === "rejected")).toBe(true);
      // With the SDK's default agent only 50 would have reached the server; the rest timed out in its queue.
      expect(server.requests).toHaveLength(limit);
    } finally {
      await server.close();
    }
  }, 30_000);

  it("the engine keeps twice the run-wide limit of fetches in flight, so a raised --concurrency is used", () => {
    const runtime = (concurrency?: number) =>
      new AwsRuntime({
        recorder: new Recorder(),
        replay: { dir: "(test)", meta: {}, calls: [] },
        concurrency,
      });
    expect(runtime().fetchesInFlight).toBe(2 * AWS_DEFAULTS.concurrency);
    expect(runtime(10).fetchesInFlight).toBe(20);
  });

  it("forgets an idle per-operation limiter, so a session does not keep one per region and operation", async () => {
    const session = new AwsSession(
      env({ apiConcurrency: 1 }, () => false),
      undefined,
      ACCOUNT,
    );
    const limiters = () => (session as unknown as { apiLimits: Map<string, unknown> }).apiLimits;
    const client = session.client(IAMClient, "us-east-1");
    const calls = [client.send(new ListUsersCommand({})), client.send(new GetAccountSummaryCommand({}))];
    expect(limiters().size).toBe(2);
    await Promise.all(calls);
    expect(limiters().size).toBe(0);
  });
});
