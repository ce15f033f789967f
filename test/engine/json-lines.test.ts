/**
 * The population sink's serialiser (src/engine/json-lines.ts) writes exactly `JSON.stringify(r) + "\n"` per
 * record, whatever the records hold: normalised CloudTrail event rows (Dates, nested request parameters,
 * resources), text that needs escaping, records that carry the batch separator itself (forged), records with
 * a `toJSON` of their own, non-objects, and batches longer than one serialiser call.
 */
import { describe, expect, it } from "vitest";
import { BATCH_RECORDS, jsonLines, SEPARATOR_FOR_TESTS } from "../../src/engine/json-lines.js";
import { normaliseEvent } from "../../src/queries/aws/events/normalise-event.js";

const reference = (records: readonly unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join("");

const eventRow = (i: number) =>
  normaliseEvent({
    EventId: `id-${i}`,
    EventName: "AuthorizeSecurityGroupIngress",
    EventTime: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
    Resources: [
      { ResourceType: "AWS::EC2::SecurityGroup", ResourceName: `sg-${i}` },
      { ResourceType: "AWS::EC2::Vpc", ResourceName: `vpc-${i}` },
    ],
    CloudTrailEvent: JSON.stringify({
      eventVersion: "1.09",
      userIdentity: {
        type: "AssumedRole",
        principalId: `AROAEXAMPLE:run-${i}`,
        arn: `arn:aws:sts::111122223333:assumed-role/deploy/run-${i}`,
        sessionContext: { sessionIssuer: { userName: "deploy" }, attributes: { mfaAuthenticated: "false" } },
      },
      eventTime: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventSource: "ec2.amazonaws.com",
      eventName: "AuthorizeSecurityGroupIngress",
      awsRegion: "eu-west-1",
      sourceIPAddress: "203.0.113.9",
      userAgent: 'console "quoted" \u2028 ünïcode \n',
      requestParameters: { groupId: `sg-${i}`, ipPermissions: { items: [{ fromPort: 443, toPort: 443 }] } },
      eventID: `id-${i}`,
      eventType: "AwsApiCall",
      recipientAccountId: "111122223333",
    }),
  });

describe("jsonLines", () => {
  it("writes each event row as JSON.stringify does, across batch boundaries", () => {
    for (const n of [0, 1, 2, 50, BATCH_RECORDS, BATCH_RECORDS + 1, 3 * BATCH_RECORDS + 7]) {
      const rows = Array.from({ length: n }, (_, i) => eventRow(i));
      expect(jsonLines(rows)).toBe(reference(rows));
    }
  });

  it("writes findings (null messages, escapes, an inherited grant's reaches) as JSON.stringify does", () => {
    const findings = [
      { resource: "a", account: "1", region: "eu-west-1", status: "pass", message: null },
      { resource: 'b"\\', account: "1", region: "eu-west-1", status: "fail", message: "x\ny\u0000" },
      { resource: "c", account: "folders/1", region: "global", status: "fail", reaches: ["p1", "p2"] },
      { resource: "d", account: "1", region: "eu-west-1", status: "error", message: undefined },
    ];
    expect(jsonLines(findings)).toBe(reference(findings));
  });

  it("falls back to one call per record when a record carries the separator (forged or by chance)", () => {
    const forged = [
      { a: 1 },
      { text: SEPARATOR_FOR_TESTS },
      { list: [SEPARATOR_FOR_TESTS, SEPARATOR_FOR_TESTS] },
      { [SEPARATOR_FOR_TESTS]: SEPARATOR_FOR_TESTS },
      { b: 2 },
    ];
    const text = jsonLines(forged);
    expect(text).toBe(reference(forged));
    expect(text.split("\n")).toHaveLength(forged.length + 1);
  });

  it("keeps JSON.stringify's text for records that are not plain objects or have their own toJSON", () => {
    const odd = [
      { a: 1 },
      { toJSON: (key: string) => ({ key }) },
      [1, { b: 2 }],
      "text",
      42,
      null,
      { when: new Date(Date.UTC(2026, 0, 1)), invalid: new Date(Number.NaN), big: { nested: [{}, []] } },
    ];
    expect(jsonLines(odd)).toBe(reference(odd));
  });
});
