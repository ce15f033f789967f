/**
 * The AWS event-based controls over the audit period: for each a pass, a fail and an error case, replayed
 * through the real CloudTrail client from LookupEvents pages in the real shape (CloudTrailEvent as the JSON
 * string AWS returns), asserting the exact events flagged. Plus the fail-closed cases of the event source:
 * a period older than the event history, a throttle that outlasts the retries, an unreadable page.
 */
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../fixtures/lib/aws.js";
import { finalise } from "../../fixtures/lib/aws.js";
import {
  assumedRole,
  type EventSpec,
  eventId,
  iamUser,
  lookupEventsCalls,
  root,
  ssoUser,
} from "../../fixtures/lib/cloudtrail.js";
import { parsePeriod } from "../../src/core/period.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { ACCOUNT, identity, NOW, REGION } from "../controls/aws-logging-support.js";
import { flagged, resultOf } from "../support/recording.js";

const PERIOD = "2026-09-01..2026-11-19";
const START = "2026-09-01T00:00:00.000Z";
const END = "2026-11-19T23:59:59.999Z";

type Lookup = [attribute: string, value: string];

/** The pages answering each lookup a control makes, over the test period, from one set of events. */
function pages(events: EventSpec[], lookups: Lookup[], pageSize = 50): CallSpec[] {
  return lookups.flatMap(([attribute, value]) =>
    lookupEventsCalls({
      account: ACCOUNT,
      region: REGION,
      attribute,
      value,
      start: START,
      end: END,
      events,
      pageSize,
    }),
  );
}

async function runEvents(
  control: string,
  calls: CallSpec[],
  o: { period?: string; params?: Record<string, unknown>; maxAttempts?: number } = {},
) {
  return executeRun({
    filter: { control: [control] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: NOW, homeRegion: REGION },
      calls: finalise([...identity(), ...calls], NOW),
    },
    aws: { regions: [REGION], maxAttempts: o.maxAttempts ?? 3, retryMode: "standard" },
    overrides: o.params ? { [control]: o.params } : undefined,
    period: parsePeriod(o.period ?? PERIOD),
  });
}

const ev = (o: Partial<EventSpec> & Pick<EventSpec, "time" | "source" | "name" | "identity">): EventSpec => ({
  account: ACCOUNT,
  region: REGION,
  ...o,
});

// A quarter's worth of IAM / KMS / CloudTrail / Config activity by automation and by people.
const PIPELINE = assumedRole(ACCOUNT, "deploy-pipeline", "codebuild-run-4411");
const ALICE_TICKET = assumedRole(ACCOUNT, "admin-breakglass", "CHG-2291-alice");
const BOB = iamUser(ACCOUNT, "bob");
const CAROL_SSO = ssoUser(ACCOUNT, "AdministratorAccess", "carol@example.com");

const byPipeline = ev({
  time: "2026-09-03T10:00:00.000Z",
  source: "iam.amazonaws.com",
  name: "CreateRole",
  identity: PIPELINE,
});
const withTicket = ev({
  time: "2026-09-10T11:00:00.000Z",
  source: "iam.amazonaws.com",
  name: "AttachRolePolicy",
  identity: ALICE_TICKET,
});
const bobChange = ev({
  time: "2026-10-02T12:00:00.000Z",
  source: "iam.amazonaws.com",
  name: "CreateAccessKey",
  identity: BOB,
  userAgent: "console.amazonaws.com",
});
const carolKms = ev({
  time: "2026-10-15T09:30:00.000Z",
  source: "kms.amazonaws.com",
  name: "DisableKey",
  identity: CAROL_SSO,
  resources: [
    {
      type: "AWS::KMS::Key",
      name: `arn:aws:kms:${REGION}:${ACCOUNT}:key/5d2e1f3a-0b4c-4d6e-8f70-112233445566`,
    },
  ],
});
const readOnly = ev({
  time: "2026-10-20T09:30:00.000Z",
  source: "iam.amazonaws.com",
  name: "ListRoles",
  identity: BOB,
  readOnly: true,
});
const denied = ev({
  time: "2026-10-21T09:30:00.000Z",
  source: "cloudtrail.amazonaws.com",
  name: "StopLogging",
  identity: CAROL_SSO,
  errorCode: "AccessDenied",
  errorMessage: "User is not authorized to perform: cloudtrail:StopLogging",
});
const stopRecorder = ev({
  time: "2026-11-02T22:10:00.000Z",
  source: "config.amazonaws.com",
  name: "StopConfigurationRecorder",
  identity: BOB,
  requestParameters: { configurationRecorderName: "default" },
});
const beforePeriod = ev({
  time: "2026-08-25T09:00:00.000Z",
  source: "iam.amazonaws.com",
  name: "DeleteUser",
  identity: BOB,
});
const CHANGES = [byPipeline, withTicket, bobChange, carolKms, readOnly, denied, stopRecorder, beforePeriod];
const SOURCES: Lookup[] = ["iam", "kms", "organizations", "cloudtrail", "config"].map((s) => [
  "EventSource",
  `${s}.amazonaws.com`,
]);

describe("change-management.aws-change-population-authorised", () => {
  const ID = "change-management.aws-change-population-authorised";
  it("fails for each write by a person without a ticket, listing exactly those events", async () => {
    const outcome = await runEvents(ID, pages(CHANGES, SOURCES, 2));
    const r = resultOf(outcome, ID);
    expect(r.status).toBe("fail");
    // Population: the successful writes in the period (not the read, not the denied attempt, not August's).
    expect(r.population).toBe(5);
    expect(flagged(outcome, ID)).toEqual(
      [eventId(bobChange), eventId(carolKms), eventId(stopRecorder)].sort(),
    );
    const bob = r.findings.find((f) => f.resource === eventId(bobChange));
    expect(bob?.message).toContain(
      "iam.amazonaws.com CreateAccessKey by bob (iam_user) at 2026-10-02T12:00:00.000Z",
    );
  });
  it("passes when every change is by approved automation or carries a ticket", async () => {
    const outcome = await runEvents(ID, pages([byPipeline, withTicket, readOnly, denied], SOURCES));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "pass", population: 2, exceptions: 0 });
  });
  it("is error for a period older than the 90-day event history (not a shorter population)", async () => {
    const outcome = await runEvents(ID, [], { period: "2026-07-01..2026-09-30" });
    const r = resultOf(outcome, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(
      /period not covered by the event source: CloudTrail event history keeps 90 days/,
    );
    expect(r.findings).toEqual([]);
  });
  it("is error when LookupEvents stays throttled past the retries", async () => {
    const throttled: CallSpec = {
      ...pages([], [SOURCES[0]!])[0]!,
      output: undefined,
      error: { name: "ThrottlingException", message: "Rate exceeded", fault: "client", httpStatusCode: 400 },
    };
    const rest = pages(CHANGES, SOURCES.slice(1));
    const outcome = await runEvents(ID, [throttled, ...rest], { maxAttempts: 2 });
    const r = resultOf(outcome, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/ThrottlingException|Rate exceeded/);
  });
  it("is error when a page cannot be read (CloudTrailEvent is not JSON)", async () => {
    const calls = pages(CHANGES, SOURCES, 2);
    const broken = calls.find((c) => (c.input as { NextToken?: string }).NextToken)!;
    const events = (broken.output as { Events: Record<string, unknown>[] }).Events;
    events[0] = { ...events[0], CloudTrailEvent: '{"eventVersion":"1.09","userIdentity":' };
    const outcome = await runEvents(ID, calls);
    const r = resultOf(outcome, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/page 2: event .*CloudTrailEvent is not valid JSON/);
  });
  it("is error when a page is empty (no Events list), never an empty population", async () => {
    const calls = pages(CHANGES, SOURCES, 2);
    const empty = calls.find((c) => (c.input as { NextToken?: string }).NextToken)!;
    empty.output = {};
    const outcome = await runEvents(ID, calls);
    const r = resultOf(outcome, ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/page 2 has no Events list \(an empty or garbled answer\)/);
  });
});

describe("change-management.aws-click-ops-production", () => {
  const ID = "change-management.aws-click-ops-production";
  const WRITES: Lookup[] = [["ReadOnly", "false"]];
  it("flags the writes people made in a production account", async () => {
    const outcome = await runEvents(ID, pages(CHANGES, WRITES));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "fail", population: 5 });
    expect(flagged(outcome, ID)).toEqual(
      [eventId(withTicket), eventId(bobChange), eventId(carolKms), eventId(stopRecorder)].sort(),
    );
  });
  it("passes in production when only automation wrote; accounts outside params are not in the population", async () => {
    const pass = await runEvents(ID, pages([byPipeline, readOnly], WRITES));
    expect(resultOf(pass, ID)).toMatchObject({ status: "pass", population: 1 });
    const elsewhere = await runEvents(ID, pages(CHANGES, WRITES), {
      params: { production_accounts: ["444455556666"] },
    });
    expect(resultOf(elsewhere, ID)).toMatchObject({ status: "pass", population: 0 });
  });
  it("is error when the listing fails", async () => {
    const outcome = await runEvents(ID, [], { period: "2026-08-01.." });
    expect(resultOf(outcome, ID).status).toBe("error");
  });
});

describe("logging.aws-cloudtrail-config-tampering", () => {
  const ID = "logging.aws-cloudtrail-config-tampering";
  const NAMES: Lookup[] = [
    "StopLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
    "StopConfigurationRecorder",
    "DeleteConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutConfigurationRecorder",
  ].map((n) => ["EventName", n]);
  it("flags the stop that succeeded; the refused attempt passes", async () => {
    const outcome = await runEvents(ID, pages(CHANGES, NAMES));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "fail", population: 2, exceptions: 1 });
    expect(flagged(outcome, ID)).toEqual([eventId(stopRecorder)]);
  });
  it("passes with no such event", async () => {
    const outcome = await runEvents(ID, pages([byPipeline, denied], NAMES));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "pass", population: 1 });
  });
  it("is error when one of the listings is denied", async () => {
    const calls = pages(CHANGES, NAMES);
    calls[3] = {
      ...calls[3]!,
      output: undefined,
      error: {
        name: "AccessDeniedException",
        message: "not authorized to perform: cloudtrail:LookupEvents",
        fault: "client",
        httpStatusCode: 400,
      },
    };
    const r = resultOf(await runEvents(ID, calls), ID);
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/AccessDenied/);
  });
});

describe("access.aws-root-activity-period and access.aws-console-signin-mfa", () => {
  const signIn = (identity: EventSpec["identity"], mfa: boolean, time: string, result = "Success") =>
    ev({
      time,
      source: "signin.amazonaws.com",
      name: "ConsoleLogin",
      identity,
      eventType: "AwsConsoleSignIn",
      userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
      responseElements: { ConsoleLogin: result },
      additionalEventData: {
        LoginTo: "https://console.aws.amazon.com/console/home",
        MobileVersion: "No",
        MFAUsed: mfa ? "Yes" : "No",
      },
    });
  const rootLogin = signIn(root(ACCOUNT), true, "2026-09-14T07:00:00.000Z");
  const rootCall = ev({
    time: "2026-09-14T07:05:00.000Z",
    source: "iam.amazonaws.com",
    name: "ListUsers",
    identity: root(ACCOUNT),
    readOnly: true,
  });
  const bobNoMfa = signIn(BOB, false, "2026-10-05T08:00:00.000Z");
  const bobFailed = signIn(BOB, false, "2026-10-05T07:59:00.000Z", "Failure");
  const daveMfa = signIn(iamUser(ACCOUNT, "dave"), true, "2026-10-06T08:00:00.000Z");
  const ssoLogin = signIn(CAROL_SSO, false, "2026-10-07T08:00:00.000Z");
  const ALL = [rootLogin, rootCall, bobNoMfa, bobFailed, daveMfa, ssoLogin];

  it("root: every root event is an exception", async () => {
    const ID = "access.aws-root-activity-period";
    const outcome = await runEvents(ID, pages(ALL, [["Username", "root"]]));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "fail", population: 2 });
    expect(flagged(outcome, ID)).toEqual([eventId(rootLogin), eventId(rootCall)].sort());
    const quiet = await runEvents(ID, pages([bobNoMfa], [["Username", "root"]]));
    expect(resultOf(quiet, ID)).toMatchObject({ status: "pass", population: 0 });
    const old = await runEvents(ID, [], { period: "last-91d" });
    expect(resultOf(old, ID).reason).toMatch(/period not covered/);
  });

  it("console MFA: the successful IAM-user sign-in without MFA is flagged; failures and SSO are not in the population", async () => {
    const ID = "access.aws-console-signin-mfa";
    const outcome = await runEvents(ID, pages(ALL, [["EventName", "ConsoleLogin"]]));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "fail", population: 3 });
    expect(flagged(outcome, ID)).toEqual([eventId(bobNoMfa)]);
    const pass = await runEvents(ID, pages([rootLogin, daveMfa, bobFailed], [["EventName", "ConsoleLogin"]]));
    expect(resultOf(pass, ID)).toMatchObject({ status: "pass", population: 2 });
    const old = await runEvents(ID, [], { period: "2026-08-01..2026-08-31" });
    expect(resultOf(old, ID).status).toBe("error");
  });
});

describe("change-management.aws-kms-key-destruction-authorised", () => {
  const ID = "change-management.aws-kms-key-destruction-authorised";
  const NAMES: Lookup[] = [
    ["EventName", "ScheduleKeyDeletion"],
    ["EventName", "DisableKey"],
  ];
  const ticketed = ev({
    time: "2026-09-20T09:00:00.000Z",
    source: "kms.amazonaws.com",
    name: "ScheduleKeyDeletion",
    identity: ALICE_TICKET,
    requestParameters: { keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", pendingWindowInDays: 30 },
  });
  it("flags the key disabled without a ticket", async () => {
    const outcome = await runEvents(ID, pages([ticketed, carolKms], NAMES));
    expect(resultOf(outcome, ID)).toMatchObject({ status: "fail", population: 2 });
    expect(flagged(outcome, ID)).toEqual([eventId(carolKms)]);
    const pass = await runEvents(ID, pages([ticketed], NAMES));
    expect(resultOf(pass, ID)).toMatchObject({ status: "pass", population: 1 });
    const old = await runEvents(ID, [], { period: "2026-08-01.." });
    expect(resultOf(old, ID).status).toBe("error");
  });
});
