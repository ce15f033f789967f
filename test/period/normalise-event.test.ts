/**
 * The event normaliser (src/queries/aws/events/normalise-event.ts), restructured in round 9 to make one object
 * a row, against the version before (normalise-event-reference.ts): on generated LookupEvents events of
 * every identity type CloudTrail records — with and without each optional element, console sign-ins with
 * and without MFA, failed calls, resources, odd values — the rows are identical, key order included (the
 * results document keeps it), and so is every refusal.
 */
import { describe, expect, it } from "vitest";
import { type LookupEvent, normaliseEvent } from "../../src/queries/aws/events/normalise-event.js";
import { rng } from "../support/seeded-random.js";
import { referenceNormaliseEvent } from "./normalise-event-reference.js";

/** Drops the keys whose value is undefined (JSON.stringify would), so each optional element may be absent. */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function identity(r: ReturnType<typeof rng>): unknown {
  const account = r.pick(["111122223333", "444455556666"]);
  const type = r.pick([
    "IAMUser",
    "Root",
    "AssumedRole",
    "AssumedRole",
    "IdentityCenterUser",
    "AWSService",
    "FederatedUser",
    "SAMLUser",
    "WebIdentityUser",
    "AWSAccount",
    "Unknown",
    undefined,
  ]);
  const role = r.pick([
    "deploy-pipeline",
    "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
    "AWSReservedSSO_Read_Only_fedcba9876543210",
    "AWSReservedSSO_Short_0123",
    "OrganizationAccountAccessRole",
  ]);
  const session = r.pick(["alice@example.com", "run-17", "i-0abc"]);
  return defined({
    type,
    principalId: r.maybe(0.8, () => r.pick([`AROAEXAMPLE:${session}`, "AIDAEXAMPLE", "", "AROANOCOLON"])),
    arn: r.maybe(0.8, () =>
      r.pick([
        `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
        `arn:aws:iam::${account}:user/bob`,
        `arn:aws:iam::${account}:root`,
        "",
      ]),
    ),
    accountId: r.maybe(0.8, () => account),
    userName: r.maybe(0.5, () => r.pick(["bob", "alice@example.com", ""])),
    invokedBy: r.maybe(0.3, () => r.pick(["cloudformation.amazonaws.com", "AWS Internal"])),
    onBehalfOf: r.maybe(0.3, () =>
      defined({ userId: r.maybe(0.8, () => "9067-uuid"), identityStoreArn: "arn:x" }),
    ),
    sessionContext: r.maybe(0.7, () =>
      defined({
        sessionIssuer: r.maybe(0.8, () =>
          defined({
            type: "Role",
            arn: r.maybe(0.9, () => `arn:aws:iam::${account}:role/${role}`),
            userName: r.maybe(0.8, () => role),
          }),
        ),
        attributes: r.maybe(0.8, () =>
          defined({
            mfaAuthenticated: r.maybe(0.8, () => r.pick(["true", "false"])),
            creationDate: "2026-10-01T00:00:00Z",
          }),
        ),
      }),
    ),
  });
}

function event(r: ReturnType<typeof rng>, i: number): LookupEvent {
  const console = r.next() < 0.2;
  const record = defined({
    eventVersion: "1.09",
    userIdentity: r.maybe(0.95, () => identity(r)),
    eventTime: r.pick(["2026-10-01T12:00:00Z", "2026-11-30T23:59:59Z", "2026-10-15T08:30:00.123Z"]),
    eventSource: r.maybe(0.9, () =>
      r.pick(["iam.amazonaws.com", "signin.amazonaws.com", "ec2.amazonaws.com"]),
    ),
    eventName: console
      ? "ConsoleLogin"
      : r.pick(["CreateUser", "AuthorizeSecurityGroupIngress", "PutObject"]),
    awsRegion: r.maybe(0.9, () => r.pick(["us-east-1", "eu-west-1"])),
    sourceIPAddress: r.maybe(0.8, () => r.pick(["203.0.113.9", "codebuild.amazonaws.com", 7])),
    userAgent: r.maybe(0.8, () => r.pick(["console.amazonaws.com", "aws-cli/2.15"])),
    requestParameters: r.maybe(0.7, () => r.pick([null, { groupId: "sg-1", items: [{ port: 443 }] }, {}])),
    responseElements: r.maybe(0.6, () =>
      console ? { ConsoleLogin: r.pick(["Success", "Failure"]) } : r.pick([null, { _return: true }]),
    ),
    additionalEventData: r.maybe(0.5, () =>
      console ? defined({ MFAUsed: r.maybe(0.8, () => r.pick(["Yes", "No"])) }) : { x: 1 },
    ),
    errorCode: r.maybe(0.2, () => r.pick(["AccessDenied", 403])),
    errorMessage: r.maybe(0.2, () => "User is not authorized"),
    eventID: r.maybe(0.9, () => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`),
    readOnly: r.maybe(0.9, () => r.pick([true, false, "true"])),
    eventType: r.maybe(0.9, () => (console ? "AwsConsoleSignIn" : "AwsApiCall")),
    managementEvent: r.maybe(0.9, () => r.pick([true, false])),
    recipientAccountId: r.maybe(0.8, () => "111122223333"),
  });
  return defined({
    EventId: r.maybe(0.9, () => `id-${i}`),
    EventName: String(record.eventName),
    ReadOnly: r.maybe(0.9, () => r.pick(["true", "false"])),
    EventTime: r.pick([new Date("2026-10-01T12:00:00Z"), "2026-10-01T12:00:00Z"]),
    EventSource: r.maybe(0.8, () => "iam.amazonaws.com"),
    Username: r.maybe(0.8, () => "bob"),
    Resources: r.maybe(0.7, () =>
      r.pick([
        [],
        [{ ResourceType: "AWS::IAM::User", ResourceName: "bob" }],
        [{ ResourceName: "only-name" }, { ResourceType: "only-type" }, {}],
      ]),
    ),
    CloudTrailEvent: JSON.stringify(record),
  }) as LookupEvent;
}

const outcome = (f: () => Record<string, unknown>) => {
  try {
    const row = f();
    return { keys: Object.keys(row), row };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

describe("normaliseEvent against the version before round 9", () => {
  it("makes the same rows (key order included) on 3,000 generated events", () => {
    const types = new Set<unknown>();
    for (let seed = 1; seed <= 3000; seed++) {
      const e = event(rng(seed), seed);
      const now = outcome(() => normaliseEvent(e));
      expect(now, `seed ${seed}: ${e.CloudTrailEvent}`).toEqual(outcome(() => referenceNormaliseEvent(e)));
      types.add(now.row?.actor_type);
    }
    // Every branch of the actor was taken.
    for (const t of [
      "iam_user",
      "root",
      "assumed_role",
      "identity_center",
      "aws_service",
      "federateduser",
      "unknown",
    ])
      expect(types).toContain(t);
  });

  it("refuses what the version before refused, with the same message", () => {
    const bad: LookupEvent[] = [
      { EventId: "a" },
      { EventId: "b", CloudTrailEvent: "{not json" },
      { EventId: "c", CloudTrailEvent: "null" },
      { CloudTrailEvent: JSON.stringify({ eventName: "X" }) },
      { CloudTrailEvent: JSON.stringify({ eventTime: "2026-10-01T00:00:00Z" }) },
      { CloudTrailEvent: JSON.stringify({ eventTime: "yesterday", eventName: "X" }) },
    ];
    for (const e of bad) {
      const now = outcome(() => normaliseEvent(e));
      expect(now.error, JSON.stringify(e)).toBeDefined();
      expect(now).toEqual(outcome(() => referenceNormaliseEvent(e)));
    }
  });
});
