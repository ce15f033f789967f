/**
 * An organization run keeps only its most recently used SDK clients (src/providers/aws/client-cache.ts):
 * a finished account's clients are let go and collected, and a late call of that account gets a client
 * built again with the run's whole middleware — answered from the recording, recorded, guarded.
 * Real SDK clients; the answers come from a ReplayIndex as in `run --replay`.
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DeleteUserCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { RecentClients } from "../../src/providers/aws/client-cache.js";
import { OperationAllowList, ReadOnlyViolation } from "../../src/providers/aws/read-only.js";
import { type AwsEnvironment, AwsSession, awsClientsCreated } from "../../src/providers/aws/session.js";
import type { RecordedCall } from "../../src/recording/format.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";
import { recordedCall } from "../support/recorded-calls.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ACCOUNTS = ["111111111111", "222222222222", "333333333333"];
const REGIONS = ["us-east-1", "eu-west-1"];

const listUsers = (account: string, region: string, seq: number): RecordedCall =>
  recordedCall({
    seq,
    operation: "ListUsers",
    account,
    region,
    output: {
      Users: [
        { UserName: `u-${account}`, UserId: "AIDAX", Arn: `arn:aws:iam::${account}:user/u`, Path: "/" },
      ],
      IsTruncated: false,
    },
  });

function run(capacity: number, calls: RecordedCall[]) {
  const recorder = new Recorder();
  const env: AwsEnvironment = {
    recorder,
    replay: new ReplayIndex(calls),
    maxAttempts: 1,
    retryMode: "standard",
    allow: new OperationAllowList(["IAM:ListUsers"]),
    shared: { recent: new RecentClients(capacity) },
  };
  const sessions = new Map(ACCOUNTS.map((a) => [a, new AwsSession(env, undefined, a)]));
  return { recorder, sessions };
}

describe("SDK clients of an organization run", () => {
  it("keeps no client of a finished account beyond the run's recent ones", async () => {
    // Capacity 2 = one account's clients (two regions): each account's work releases the one before.
    const calls = ACCOUNTS.flatMap((a, i) => REGIONS.map((r, j) => listUsers(a, r, i * 2 + j + 1)));
    const { recorder, sessions } = run(2, calls);
    const released: WeakRef<object>[] = [];
    for (const account of ACCOUNTS) {
      for (const region of REGIONS) {
        const client = sessions.get(account)!.client(IAMClient, region);
        await client.send(new ListUsersCommand({}));
        if (account !== ACCOUNTS.at(-1)) released.push(new WeakRef(client));
      }
    }
    await new Promise((r) => setTimeout(r, 0)); // WeakRef targets are kept until the current job ends
    gc();
    expect(released).toHaveLength(4);
    expect(released.filter((w) => w.deref() !== undefined)).toHaveLength(0);
    // Every call was still answered and recorded once, under its own account and region.
    expect(recorder.all().map((c) => `${c.account}|${c.region}`)).toEqual(
      ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a}|${r}`)),
    );
  });

  it("reuses a client while it is recent, and rebuilds a released one for a late call", async () => {
    const [first, second] = ACCOUNTS as [string, string];
    const calls = [
      listUsers(first, "us-east-1", 1),
      listUsers(second, "us-east-1", 2),
      listUsers(first, "us-east-1", 3),
    ];
    const { recorder, sessions } = run(1, calls);
    const early = sessions.get(first)!.client(IAMClient, "us-east-1");
    expect(sessions.get(first)!.client(IAMClient, "us-east-1")).toBe(early);
    await early.send(new ListUsersCommand({}));
    // Another account's client takes the only slot: the first account's client is let go.
    await sessions.get(second)!.client(IAMClient, "us-east-1").send(new ListUsersCommand({}));
    const before = awsClientsCreated();
    const late = sessions.get(first)!.client(IAMClient, "us-east-1");
    expect(awsClientsCreated()).toBe(before + 1);
    expect(late).not.toBe(early);
    // The rebuilt client carries the run's middleware: replayed, recorded under its account, guarded.
    expect(await late.config.region()).toBe("us-east-1");
    const out = await late.send(new ListUsersCommand({}));
    expect(out.Users?.map((u) => u.UserName)).toEqual([`u-${first}`]);
    expect(recorder.all().map((c) => `${c.account}:${c.operation}`)).toEqual([
      `${first}:ListUsers`,
      `${second}:ListUsers`,
      `${first}:ListUsers`,
    ]);
    await expect(late.send(new DeleteUserCommand({ UserName: "u" }))).rejects.toBeInstanceOf(
      ReadOnlyViolation,
    );
  });
});
