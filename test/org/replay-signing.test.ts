/**
 * A replayed call is not signed (its request is answered inside the process and never sent), and every call
 * that leaves the process is: live calls, and the calls a pass-through replay source sends to a real
 * endpoint. The read-only guard and the recorder see replayed calls as before. Real SDK clients; the live
 * side goes over the AWS wire protocol to a local server on 127.0.0.1.
 */
import { DeleteUserCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  MetadataBearer,
  Pluggable,
} from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplaySource } from "../../src/providers/aws/middleware.js";
import { OperationAllowList, ReadOnlyViolation } from "../../src/providers/aws/read-only.js";
import { replayRequestHandler } from "../../src/providers/aws/sdk/replay-request-handler.js";
import { type AwsEnvironment, AwsSession } from "../../src/providers/aws/session.js";
import type { RecordedCall } from "../../src/recording/format.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex, ReplayMissError } from "../../src/recording/store.js";
import { ok, startWireServer, type WireServer } from "../support/aws-wire.js";

const ACCOUNT = "123456789012";
const USERS = [
  { UserName: "alice", UserId: "AIDAALICE", Arn: `arn:aws:iam::${ACCOUNT}:user/alice`, Path: "/" },
];
let server: WireServer;

beforeAll(async () => {
  server = await startWireServer((req) =>
    ok(
      req,
      "<Users><member><UserName>alice</UserName><UserId>AIDAALICE</UserId>" +
        `<Arn>arn:aws:iam::${ACCOUNT}:user/alice</Arn><Path>/</Path>` +
        "<CreateDate>2026-01-01T00:00:00Z</CreateDate></member></Users><IsTruncated>false</IsTruncated>",
    ),
  );
});
afterAll(() => server.close());

const recordedListUsers: RecordedCall = {
  seq: 1,
  provider: "aws",
  service: "IAM",
  operation: "ListUsers",
  account: ACCOUNT,
  region: "us-east-1",
  input: {},
  output: { Users: USERS, IsTruncated: false },
  startedAt: "2026-11-20T09:00:00.000Z",
  endedAt: "2026-11-20T09:00:00.100Z",
};

function env(recorder: Recorder, extra: Partial<AwsEnvironment>): AwsEnvironment {
  return {
    recorder,
    maxAttempts: 1,
    retryMode: "standard",
    allow: new OperationAllowList(["IAM:ListUsers"]),
    ...extra,
  };
}

/** The request as it reaches the replay step: after signing (finalizeRequest), before the answer. */
function requestProbe(seen: { headers: Record<string, string> }[]): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack) {
      stack.addRelativeTo(
        (next: DeserializeHandler<object, MetadataBearer>) =>
          async (args: DeserializeHandlerArguments<object>) => {
            seen.push({ headers: { ...(args.request as { headers: Record<string, string> }).headers } });
            return next(args);
          },
        // Just before the replay answers: every finalize step (signing included) has run.
        { relation: "before", toMiddleware: "itgcReplay", name: "testRequestProbe" },
      );
    },
  };
}

describe("SigV4 signing: only requests that leave the process", () => {
  it("a replayed call is answered unsigned, still recorded, still guarded", async () => {
    const recorder = new Recorder();
    const session = new AwsSession(
      env(recorder, { replay: new ReplayIndex([recordedListUsers]) }),
      undefined,
      ACCOUNT,
    );
    const seen: { headers: Record<string, string> }[] = [];
    const client = session.client(IAMClient, "us-east-1");
    client.middlewareStack.use(requestProbe(seen) as never);
    const out = await client.send(new ListUsersCommand({}));
    expect(out.Users?.map((u) => u.UserName)).toEqual(["alice"]);
    // The request was built (serialized) but carries no signature, and nothing reached the network.
    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0]!.headers).map((h) => h.toLowerCase())).not.toContain("authorization");
    expect(server.seen).not.toContain("IAM:ListUsers");
    // The recorder saw the call; the read-only guard still refuses what is not allowed.
    expect(recorder.all().map((c) => `${c.service}:${c.operation}:${c.account}`)).toEqual([
      `IAM:ListUsers:${ACCOUNT}`,
    ]);
    await expect(client.send(new DeleteUserCommand({ UserName: "alice" }))).rejects.toBeInstanceOf(
      ReadOnlyViolation,
    );
    expect(seen).toHaveLength(1);
  });

  it("a pure replay's clients have no HTTP handler to send with; a request reaching it is refused", async () => {
    const session = new AwsSession(
      env(new Recorder(), { replay: new ReplayIndex([recordedListUsers]) }),
      undefined,
      ACCOUNT,
    );
    const client = session.client(IAMClient, "us-east-1");
    const handler = (client.config as unknown as { requestHandler: unknown }).requestHandler;
    expect(handler).toBe(replayRequestHandler);
    await expect(replayRequestHandler.handle()).rejects.toThrow(/a replay sends no request/);
    // A replay source that passes calls through keeps the SDK's own handler (it sends them).
    const passing = new AwsSession(
      env(new Recorder(), {
        replay: { take: (key) => Promise.reject(new ReplayMissError(key)) as never, passThrough: () => true },
        endpoint: server.endpoint,
      }),
      undefined,
      ACCOUNT,
    );
    const live = passing.client(IAMClient, "us-east-1").config as unknown as { requestHandler: unknown };
    expect(live.requestHandler).not.toBe(replayRequestHandler);
    expect(typeof (live.requestHandler as { handle?: unknown }).handle).toBe("function");
  });

  it("a live call is signed (SigV4 Authorization header on the wire)", async () => {
    const recorder = new Recorder();
    const session = new AwsSession(
      env(recorder, { endpoint: server.endpoint }),
      async () => ({ accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake-secret" }),
      ACCOUNT,
    );
    const before = server.requests.length;
    const out = await session.client(IAMClient, "us-east-1").send(new ListUsersCommand({}));
    expect(out.Users?.map((u) => u.UserName)).toEqual(["alice"]);
    const sent = server.requests.slice(before);
    expect(sent.map((r) => `${r.service}:${r.operation}`)).toEqual(["IAM:ListUsers"]);
    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE\/\d{8}\/us-east-1\/iam\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
    );
    expect(sent[0]!.headers["user-agent"]).toMatch(/aws-sdk-js/);
    expect(recorder.all()).toHaveLength(1);
  });

  it("a replay source that passes a call through to an endpoint gets it signed", async () => {
    const recorder = new Recorder();
    const passing: ReplaySource = {
      take: (key) => {
        throw new ReplayMissError(key);
      },
      passThrough: (key) => key.operation === "ListUsers",
    };
    const session = new AwsSession(
      env(recorder, { replay: passing, endpoint: server.endpoint }),
      undefined,
      ACCOUNT,
    );
    const before = server.requests.length;
    await session.client(IAMClient, "us-east-1").send(new ListUsersCommand({}));
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    // Signed with the replay mode's placeholder credentials: a request that is sent is always signed.
    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAREPLAY/);
    expect(recorder.all()).toHaveLength(1);
  });

  it("with a pass-through source, one client signs (and names its user agent in) the call it sends, not the one it answers from the recording", async () => {
    const recorder = new Recorder();
    // The same operation on one client: the call with PathPrefix /sent/ goes to the endpoint, the other is replayed.
    const passing: ReplaySource = {
      take: (key) => new ReplayIndex([recordedListUsers]).take(key),
      passThrough: (key) => (key.input as { PathPrefix?: string }).PathPrefix === "/sent/",
    };
    const session = new AwsSession(
      env(recorder, { replay: passing, endpoint: server.endpoint }),
      undefined,
      ACCOUNT,
    );
    const client = session.client(IAMClient, "us-east-1");
    const seen: { headers: Record<string, string> }[] = [];
    client.middlewareStack.use(requestProbe(seen) as never);
    const before = server.requests.length;
    const replayed = await client.send(new ListUsersCommand({}));
    const live = await client.send(new ListUsersCommand({ PathPrefix: "/sent/" }));
    expect(replayed.Users?.map((u) => u.UserName)).toEqual(["alice"]);
    expect(live.Users?.map((u) => u.UserName)).toEqual(["alice"]);
    // Both requests were built; only the one that left the process carries a signature.
    expect(seen).toHaveLength(2);
    expect(Object.keys(seen[0]!.headers).map((h) => h.toLowerCase())).not.toContain("authorization");
    expect(Object.keys(seen[0]!.headers).map((h) => h.toLowerCase())).not.toContain("user-agent");
    expect(seen[1]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAREPLAY/);
    expect(seen[1]!.headers["user-agent"]).toMatch(/aws-sdk-js/);
    const sent = server.requests.slice(before);
    expect(sent.map((r) => `${r.service}:${r.operation}:${r.params.PathPrefix}`)).toEqual([
      "IAM:ListUsers:/sent/",
    ]);
    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAREPLAY/);
    expect(recorder.all()).toHaveLength(2);
  });
});
