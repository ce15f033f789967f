/**
 * The cached middleware order (src/providers/aws/stack-order-cache.ts): a command's handler is composed from
 * an order sorted once per client and shape of command stack, with every middleware factory called per call.
 * What must hold: the order is the SDK's own for the real clients a run builds (replayed and live, every
 * command shape used: plain, S3's extra plugins, STS, EC2, CloudTrail), concurrent calls of one command
 * share no state (each its own handler context, endpoint and request), a change to a client's stack after
 * its first command is seen, and a stack the SDK refuses is still refused with the SDK's own error.
 */
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import {
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { constructStack } from "@smithy/core/client";
import { describe, expect, it } from "vitest";
import { OperationAllowList } from "../../../src/providers/aws/read-only.js";
import { type AwsEnvironment, AwsSession } from "../../../src/providers/aws/session.js";
import {
  cacheStackOrder,
  orderedConcats,
  type SdkStack,
  stackOrdersSorted,
} from "../../../src/providers/aws/stack-order-cache.js";
import { Recorder } from "../../../src/recording/recorder.js";
import { ReplayIndex } from "../../../src/recording/store.js";

// biome-ignore lint/suspicious/noExplicitAny: SDK stacks and middleware of any command
type Any = any;
interface Captured {
  relative: boolean;
  options: Record<string, unknown>;
}

/** The entries a stack holds, in insertion order, with their options (as the SDK's stack clones them). */
function entriesOf(stack: { applyToStack(s: unknown): void }): Captured[] {
  const out: Captured[] = [];
  const take = (relative: boolean) => (_mw: unknown, options: Record<string, unknown>) => {
    const { middleware: _, ...rest } = options;
    out.push({ relative, options: rest });
  };
  stack.applyToStack({ add: take(false), addRelativeTo: take(true), identifyOnResolve: () => false });
  return out;
}

/** The command's own stack entries, after its middlewareFn ran (as the SDK's send does). */
function commandEntries(command: Any, config: unknown): Captured[] {
  let captured: Captured[] = [];
  const fakeClientStack = {
    concat(from: Any) {
      captured = entriesOf(from);
      return { resolve: () => () => Promise.resolve() };
    },
  };
  command.resolveMiddleware(fakeClientStack, config);
  return captured;
}

/**
 * The order in which the handlers of `client ++ command` entries run, for a stack built with the SDK's own
 * constructStack (tracing middleware in place of each), composed by the SDK's concat or by the cache.
 */
async function runOrder(
  client: Captured[],
  command: Captured[],
  cached: boolean,
  shareBy?: object,
): Promise<string[]> {
  const trace: string[] = [];
  const tracer = (label: string) => (next: Any) => (args: Any) => {
    trace.push(label);
    return next(args);
  };
  const label = (c: Captured, i: number, side: string) => `${side}${i}:${String(c.options.name ?? "-")}`;
  const fill = (stack: Any, entries: Captured[], side: string) => {
    entries.forEach((c, i) => {
      if (c.relative) stack.addRelativeTo(tracer(label(c, i, side)), { ...c.options });
      else stack.add(tracer(label(c, i, side)), { ...c.options });
    });
  };
  const clientStack = constructStack<Any, Any>() as Any;
  fill(clientStack, client, "c");
  if (cached) cacheStackOrder(clientStack as SdkStack, undefined, shareBy);
  const commandStack = constructStack<Any, Any>() as Any;
  fill(commandStack, command, "m");
  const handler = clientStack.concat(commandStack).resolve(async () => ({ output: {} }), {});
  await handler({ input: {} });
  return trace;
}

const replayEnv = (): AwsEnvironment => ({
  recorder: new Recorder(),
  replay: new ReplayIndex([]),
  maxAttempts: 3,
  retryMode: "standard",
  allow: new OperationAllowList(["IAM:ListUsers"]),
  accountConcurrency: 16,
  apiConcurrency: 8,
  limit: (fn) => fn(),
  stats: { attempts: 0, throttles: 0 },
  rateLimits: { "CloudTrail:LookupEvents": 2 },
  shareClientsAcrossAccounts: true,
  shared: {},
});
const liveEnv = (): AwsEnvironment => ({
  recorder: new Recorder(),
  maxAttempts: 3,
  retryMode: "standard",
  accountConcurrency: 16,
  apiConcurrency: 8,
  limit: (fn) => fn(),
  shared: {},
});
const CREDENTIALS = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

const CASES: [string, Any, () => object][] = [
  ["IAM ListUsers", IAMClient, () => new ListUsersCommand({})],
  ["S3 GetBucketPolicy (throw-200 plugin)", S3Client, () => new GetBucketPolicyCommand({ Bucket: "b" })],
  ["S3 GetBucketLocation (location plugin)", S3Client, () => new GetBucketLocationCommand({ Bucket: "b" })],
  ["S3 GetBucketVersioning", S3Client, () => new GetBucketVersioningCommand({ Bucket: "b" })],
  ["STS GetCallerIdentity", STSClient, () => new GetCallerIdentityCommand({})],
  ["EC2 DescribeRegions", EC2Client, () => new DescribeRegionsCommand({})],
  ["CloudTrail LookupEvents", CloudTrailClient, () => new LookupEventsCommand({})],
];

describe("the cached middleware order is the SDK's own", () => {
  for (const [mode, env] of [
    ["replayed (trimmed stack, shared client)", replayEnv],
    ["live", liveEnv],
  ] as const)
    for (const [name, Ctor, make] of CASES)
      it(`${name}, ${mode}`, async () => {
        const session = new AwsSession(env(), mode === "live" ? CREDENTIALS : undefined, "123456789012");
        const client = session.client(Ctor, "eu-west-1") as Any;
        const own = entriesOf(client.middlewareStack);
        const mine = commandEntries(make(), client.config);
        expect(own.length).toBeGreaterThan(10);
        expect(mine.length).toBeGreaterThan(0);
        const sdk = await runOrder(own, mine, false);
        const before = orderedConcats();
        const first = await runOrder(own, mine, true);
        expect(orderedConcats()).toBe(before + 1);
        expect(first).toEqual(sdk);
        // Every entry runs exactly once, the run's own middleware among them.
        expect(new Set(first).size).toBe(first.length);
        expect(first.some((l) => l.endsWith(":itgcRecorder"))).toBe(true);
      });

  it("a command entry overriding a client entry by name replaces it, as in the SDK", async () => {
    const client: Captured[] = [
      { relative: false, options: { name: "a", step: "initialize" } },
      { relative: false, options: { name: "shared", step: "serialize", priority: "high" } },
      { relative: true, options: { name: "r", relation: "after", toMiddleware: "a" } },
      { relative: false, options: { name: "z", step: "deserialize", priority: "low" } },
    ];
    const command: Captured[] = [
      { relative: false, options: { name: "shared", step: "serialize", priority: "high", override: true } },
      { relative: true, options: { name: "before-z", relation: "before", toMiddleware: "z" } },
      { relative: false, options: { step: "build" } },
    ];
    const sdk = await runOrder(client, command, false);
    expect(sdk).not.toContain("c1:shared");
    expect(await runOrder(client, command, true)).toEqual(sdk);
  });
});

describe("orders shared by the clients of one class", () => {
  it("a second client of the class with the same stack reuses the order; another stack shape is sorted anew", async () => {
    const session = new AwsSession(liveEnv(), CREDENTIALS, "123456789012");
    const client = session.client(S3Client, "eu-west-1") as Any;
    const own = entriesOf(client.middlewareStack);
    const mine = commandEntries(new GetBucketVersioningCommand({ Bucket: "b" }), client.config);
    const sdk = await runOrder(own, mine, false);
    const byClass = {};
    const sortedBefore = stackOrdersSorted();
    expect(await runOrder(own, mine, true, byClass)).toEqual(sdk);
    expect(await runOrder(own, mine, true, byClass)).toEqual(sdk);
    expect(stackOrdersSorted()).toBe(sortedBefore + 1);
    // A client of the class whose own stack differs (one more entry) gets its own order, the SDK's.
    const more: Captured[] = [
      ...own,
      { relative: false, options: { name: "testExtra", step: "build", priority: "high" } },
    ];
    const sdkMore = await runOrder(more, mine, false);
    expect(sdkMore).not.toEqual(sdk);
    expect(await runOrder(more, mine, true, byClass)).toEqual(sdkMore);
    expect(stackOrdersSorted()).toBe(sortedBefore + 2);
    // Without a class to share by, each client sorts its own.
    expect(await runOrder(own, mine, true)).toEqual(sdk);
    expect(stackOrdersSorted()).toBe(sortedBefore + 3);
  });
});

describe("calls composed from the cached order", () => {
  it("share no state: two concurrent calls of one command each get their own context, endpoint and answer", async () => {
    const contexts: object[] = [];
    const hosts: string[] = [];
    let arrived = 0;
    let bothArrived!: () => void;
    const barrier = new Promise<void>((r) => {
      bothArrived = r;
    });
    const requestHandler = {
      async handle(request: Any) {
        hosts.push(request.hostname);
        if (++arrived === 2) bothArrived();
        await barrier; // both calls are in flight at once here
        const status = request.hostname.startsWith("alpha.") ? "Enabled" : "Suspended";
        const body = `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`;
        return {
          response: {
            statusCode: 200,
            headers: { "content-type": "application/xml" },
            body: new TextEncoder().encode(body),
          },
        };
      },
    };
    const seeContext = {
      applyToStack(stack: Any) {
        stack.add(
          (next: Any, context: Any) => async (args: Any) => {
            contexts.push(context);
            return next(args);
          },
          { step: "finalizeRequest", name: "testSeeContext" },
        );
      },
    };
    const session = new AwsSession({ ...liveEnv(), shared: { requestHandler } }, CREDENTIALS, "123456789012");
    const client = session.client(S3Client, "eu-west-1") as Any;
    client.middlewareStack.use(seeContext);
    const before = orderedConcats();
    const [a, b] = await Promise.all([
      client.send(new GetBucketVersioningCommand({ Bucket: "alpha" })),
      client.send(new GetBucketVersioningCommand({ Bucket: "beta" })),
    ]);
    expect(orderedConcats()).toBe(before + 2);
    expect([a.Status, b.Status]).toEqual(["Enabled", "Suspended"]);
    expect(hosts.sort()).toEqual(["alpha.s3.eu-west-1.amazonaws.com", "beta.s3.eu-west-1.amazonaws.com"]);
    expect(contexts).toHaveLength(2);
    expect(contexts[0]).not.toBe(contexts[1]);
    const endpoints = contexts.map((c) => (c as Any).endpointV2.url.hostname).sort();
    expect(endpoints).toEqual(["alpha.s3.eu-west-1.amazonaws.com", "beta.s3.eu-west-1.amazonaws.com"]);
  });

  it("sees a change to the client's stack after its first command", async () => {
    const seen: string[] = [];
    const stack = constructStack<Any, Any>() as Any;
    stack.add((next: Any) => (args: Any) => next(args), { name: "first", step: "initialize" });
    cacheStackOrder(stack as SdkStack);
    const send = () =>
      stack.concat(constructStack<Any, Any>()).resolve(async () => ({ output: {} }), {})({ input: {} });
    await send();
    stack.add(
      (next: Any) => (args: Any) => {
        seen.push("added later");
        return next(args);
      },
      { name: "later", step: "build" },
    );
    await send();
    expect(seen).toEqual(["added later"]);
    stack.remove("later");
    await send();
    expect(seen).toEqual(["added later"]);
  });

  it("leaves a stack the SDK refuses to the SDK, with its own error", () => {
    const stack = constructStack<Any, Any>() as Any;
    stack.add((next: Any) => next, { name: "dup", step: "initialize" });
    cacheStackOrder(stack as SdkStack);
    const command = constructStack<Any, Any>() as Any;
    command.add((next: Any) => next, { name: "dup", step: "initialize" });
    expect(() => stack.concat(command)).toThrow(/Duplicate middleware name 'dup'/);
  });
});
