/**
 * A replayed organization run builds one SDK client per (service, region) for all its accounts
 * (session.ts, `shareClientsAcrossAccounts`): each account's session hands out a view of the shared client
 * whose `send` binds the command to that account. What must still see the right account: the replay key
 * (each account gets its own recorded answer), the recorder, the per-account limit, and the read-only guard.
 * Real SDK clients (IAM's query protocol); the answers come from a ReplayIndex as in `run --replay`.
 */
import { DeleteUserCommand, IAMClient, ListUsersCommand, paginateListUsers } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { OperationAllowList, ReadOnlyViolation } from "../../src/providers/aws/read-only.js";
import { type AwsEnvironment, AwsSession, awsClientsCreated } from "../../src/providers/aws/session.js";
import type { RecordedCall } from "../../src/recording/format.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";
import { recordedCall } from "../support/recorded-calls.js";

const [A, B] = ["111111111111", "222222222222"] as const;

const page = (account: string, seq: number, marker?: string, next?: string): RecordedCall =>
  recordedCall({
    seq,
    operation: "ListUsers",
    account,
    input: marker ? { Marker: marker } : {},
    output: {
      Users: [
        { UserName: `u${seq}-${account}`, UserId: "AIDAX", Arn: `arn:aws:iam::${account}:user/u`, Path: "/" },
      ],
      IsTruncated: next !== undefined,
      ...(next ? { Marker: next } : {}),
    },
  });

function run(extra: Partial<AwsEnvironment> = {}) {
  const recorder = new Recorder();
  const env: AwsEnvironment = {
    recorder,
    replay: new ReplayIndex([page(A, 1, undefined, "m1"), page(A, 2, "m1"), page(B, 3)]),
    maxAttempts: 1,
    retryMode: "standard",
    allow: new OperationAllowList(["IAM:ListUsers"]),
    shareClientsAcrossAccounts: true,
    shared: {},
    ...extra,
  };
  return { recorder, a: new AwsSession(env, undefined, A), b: new AwsSession(env, undefined, B) };
}

describe("one SDK client per (service, region) for every account of a replayed run", () => {
  it("builds one client, and each account's calls are answered, recorded and paged as that account's", async () => {
    const { recorder, a, b } = run();
    const before = awsClientsCreated();
    const ca = a.client(IAMClient, "us-east-1");
    const cb = b.client(IAMClient, "us-east-1");
    expect(awsClientsCreated()).toBe(before + 1);
    // The SDK's own paginator accepts the view (it checks `instanceof IAMClient`).
    expect(ca).toBeInstanceOf(IAMClient);
    const pagesA: string[] = [];
    const [, outB] = await Promise.all([
      (async () => {
        for await (const p of paginateListUsers({ client: ca }, {}))
          pagesA.push(...(p.Users ?? []).map((u) => u.UserName!));
      })(),
      cb.send(new ListUsersCommand({})),
    ]);
    expect(pagesA).toEqual([`u1-${A}`, `u2-${A}`]);
    expect(outB.Users?.map((u) => u.UserName)).toEqual([`u3-${B}`]);
    expect(
      recorder
        .all()
        .map((c) => `${c.account}:${(c.input as { Marker?: string }).Marker ?? "-"}`)
        .sort(),
    ).toEqual([`${A}:-`, `${A}:m1`, `${B}:-`]);
  });

  it("keeps each account's own limit: account A's calls queue behind each other, B's do not wait for them", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const started: string[] = [];
    const { a, b } = run({
      accountConcurrency: 1,
      beforeReplayAttempt: async () => {
        started.push(`attempt ${started.length + 1}`);
        if (started.length === 1) await gate; // A's first call holds A's only slot
      },
    });
    const first = a.client(IAMClient, "us-east-1").send(new ListUsersCommand({}));
    const second = a.client(IAMClient, "us-east-1").send(new ListUsersCommand({ Marker: "m1" }));
    const other = b.client(IAMClient, "us-east-1").send(new ListUsersCommand({}));
    // B's call completes while A's first call still holds A's slot, and A's second has not started.
    expect((await other).Users?.map((u) => u.UserName)).toEqual([`u3-${B}`]);
    expect(started).toHaveLength(2);
    release();
    await Promise.all([first, second]);
    expect(started).toHaveLength(3);
  });

  it("still refuses what the run did not declare, and a command sent for two accounts at once", async () => {
    const { a, b } = run();
    await expect(
      a.client(IAMClient, "us-east-1").send(new DeleteUserCommand({ UserName: "u" })),
    ).rejects.toBeInstanceOf(ReadOnlyViolation);
    const command = new ListUsersCommand({});
    const results = await Promise.allSettled([
      a.client(IAMClient, "us-east-1").send(command),
      b.client(IAMClient, "us-east-1").send(command),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/sent for two accounts at once/);
  });
});
