/**
 * CloudTrailProtocol (src/providers/aws/cloudtrail-protocol.ts) against the SDK's own AwsJson1_1Protocol:
 * the same LookupEvents output — values, Dates, key order (the recorded evidence keeps it), `$metadata` —
 * for the pages AWS answers with (the bench's wire pages, the demo's recorded events written back in the
 * wire shape) and for odd bodies, where the SDK's deserialiser reads the bytes instead (the same output, or
 * the same error). Then over HTTP: a CloudTrailClient built by AwsSession reads its pages with it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CloudTrailClient, LookupEventsCommand, LookupEventsResponse$ } from "@aws-sdk/client-cloudtrail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventWriter } from "../../src/bench/events-wire.js";
import { makeWorld } from "../../src/bench/world.js";
import {
  CloudTrailProtocol,
  lookupEventsReads,
  readLookupEventsBody,
} from "../../src/providers/aws/cloudtrail-protocol.js";
import { AwsSession } from "../../src/providers/aws/session.js";
import { Recorder } from "../../src/recording/recorder.js";
import { type LocalHttp, startLocalHttp } from "../support/local-http.js";

const credentials = { accessKeyId: "AKIAEXAMPLE000000000", secretAccessKey: "not-a-secret" };
const sdkClient = new CloudTrailClient({ region: "us-east-1", credentials });
const ownClient = new CloudTrailClient({ region: "us-east-1", credentials, protocol: CloudTrailProtocol });

/** The operation schema as the SDK's deserialisation middleware hands it to the protocol. */
const LOOKUP_EVENTS = {
  name: "LookupEvents",
  namespace: "com.amazonaws.cloudtrail",
  traits: 0,
  input: undefined,
  output: LookupEventsResponse$,
};

function read(client: CloudTrailClient, body: string, operation: object = LOOKUP_EVENTS) {
  const protocol = client.config.protocol as unknown as {
    deserializeResponse(op: object, context: object, response: object): Promise<Record<string, unknown>>;
  };
  const response = { statusCode: 200, headers: { "X-Amzn-RequestId": "req-1" }, body: Buffer.from(body) };
  return protocol.deserializeResponse(operation, client.config, response);
}

/** Both protocols' outputs for `body`, checked equal — values, Dates and every object's key order. */
async function same(body: string): Promise<Record<string, unknown>> {
  const expected = await read(sdkClient, body);
  const actual = await read(ownClient, body);
  expect(actual).toStrictEqual(expected);
  expect(keyOrder(actual)).toEqual(keyOrder(expected));
  return actual;
}

/** Every object's keys, depth first (toStrictEqual ignores their order). */
function keyOrder(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) keyOrder(x, out);
  else if (v && typeof v === "object" && !(v instanceof Date)) {
    out.push(Object.keys(v).join(","));
    for (const x of Object.values(v)) keyOrder(x, out);
  }
  return out;
}

/** Runs `f` and says how many pages each path read. */
async function counted(f: () => Promise<unknown>): Promise<{ fast: number; bySdk: number }> {
  const before = { ...lookupEventsReads };
  await f();
  return { fast: lookupEventsReads.fast - before.fast, bySdk: lookupEventsReads.bySdk - before.bySdk };
}

/** The demo's recorded LookupEvents pages, written back as CloudTrail sends them (EventTime in epoch seconds). */
function demoWireBodies(): string[] {
  const root = join(import.meta.dirname, "../../fixtures/aws/demo/raw");
  const bodies: string[] = [];
  for (const account of readdirSync(root))
    for (const region of readdirSync(join(root, account)))
      for (const file of readdirSync(join(root, account, region)).filter((f) =>
        f.endsWith("CloudTrail.LookupEvents.json"),
      )) {
        const call = JSON.parse(readFileSync(join(root, account, region, file), "utf8"));
        const out = call.output as { Events?: Record<string, unknown>[] };
        for (const e of out.Events ?? []) e.EventTime = Date.parse(String(e.EventTime)) / 1000;
        bodies.push(JSON.stringify(out));
      }
  return bodies;
}

describe("CloudTrailProtocol: LookupEvents read by one JSON.parse, as the SDK reads it", () => {
  it("reads the bench's wire pages (50 events: roles and IAM users) exactly as the SDK does", async () => {
    const world = makeWorld({ accounts: 1, users: 5, org: false, regions: 1, events: 200 });
    const writer = eventWriter(world, 80 * 86_400_000);
    for (let page = 0; page < 4; page++) {
      const events = Array.from({ length: 50 }, (_, i) =>
        writer.json("111122223333", "eu-west-1", page * 50 + i),
      );
      const body = `{"Events":[${events.join(",")}]${page < 3 ? `,"NextToken":"t${page}"` : ""}}`;
      const n = await counted(async () => {
        const out = await same(body);
        expect((out.Events as unknown[]).length).toBe(50);
        expect((out.Events as { EventTime: unknown }[])[0]!.EventTime).toBeInstanceOf(Date);
      });
      expect(n).toEqual({ fast: 1, bySdk: 0 });
    }
  });

  it("reads every recorded page of the demo (real event shapes, several resources, no resources)", async () => {
    const bodies = demoWireBodies();
    expect(bodies.length).toBeGreaterThan(20);
    let events = 0;
    const n = await counted(async () => {
      for (const body of bodies) events += ((await same(body)).Events as unknown[] | undefined)?.length ?? 0;
    });
    expect(events).toBeGreaterThan(100);
    expect(n).toEqual({ fast: bodies.length, bySdk: 0 });
  });

  it("leaves out null and unknown members, keeps the schema's order, rounds epoch seconds to the millisecond", async () => {
    const body = JSON.stringify({
      NextToken: "next",
      Unknown: 1,
      Events: [
        {
          CloudTrailEvent: "{}",
          Resources: [
            { ResourceName: "b", Extra: true, ResourceType: "AWS::S3::Bucket" },
            { ResourceType: null },
          ],
          EventTime: 1_763_600_000.0005,
          EventId: "e1",
          Username: null,
          Other: "dropped",
        },
        { EventId: "e2", Resources: null, ReadOnly: "true" },
        {},
      ],
    });
    const out = await same(body);
    expect(out.Events).toEqual([
      {
        EventId: "e1",
        EventTime: new Date(1_763_600_000_001),
        Resources: [{ ResourceType: "AWS::S3::Bucket", ResourceName: "b" }, {}],
        CloudTrailEvent: "{}",
      },
      { EventId: "e2", ReadOnly: "true" },
      {},
    ]);
    expect(Object.keys(out)).toEqual(["Events", "NextToken", "$metadata"]);
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, requestId: "req-1" });
    for (const empty of ["", "{}", '{"Events":[]}', '{"Events":null}']) await same(empty);
  });

  it("hands odd bodies to the SDK's deserialiser: the SDK's output, or the SDK's error", async () => {
    const odd = [
      '{"Events":[{"EventId":"a","EventTime":"1763600000.5"}]}', // a time as a string: the SDK parses it
      '{"Events":[{"EventId":"a","__type":"x","Extra":1}]}', // __type: the SDK keeps unknown members
      '{"__type":"x","Events":[],"Extra":1}',
      '{"Events":[null]}',
      '{"Events":["text"]}',
      '{"Events":[{"Resources":[null]}]}',
      '{"Events":[{"Resources":{"ResourceName":"x"}}]}',
      '{"Events":{"EventId":"a"}}',
      "[]",
      '"text"',
    ];
    for (const body of odd) {
      expect(readLookupEventsBody(body)).toBeUndefined();
      const n = await counted(() => same(body));
      expect(n).toEqual({ fast: 0, bySdk: 1 });
    }
    for (const body of ["not json", '{"Events":[{"EventTime":"soon"}]}', '{"Events":[{"EventTime":true}]}']) {
      const expected = await read(sdkClient, body).then(
        () => "resolved",
        (e: Error) => `${e.name}: ${e.message}`,
      );
      const actual = await read(ownClient, body).then(
        () => "resolved",
        (e: Error) => `${e.name}: ${e.message}`,
      );
      expect(expected).not.toBe("resolved");
      expect(actual).toBe(expected);
    }
  });

  it("leaves other operations and error answers to the SDK", async () => {
    const n = await counted(async () => {
      const trails = { ...LOOKUP_EVENTS, name: "DescribeTrails" };
      await read(ownClient, '{"trailList":[]}', trails);
    });
    expect(n).toEqual({ fast: 0, bySdk: 0 });
  });
});

describe("CloudTrailProtocol over HTTP: the run's CloudTrail clients read pages with it", () => {
  const page = JSON.stringify({
    Events: [
      {
        EventId: "0b3f-1",
        EventName: "CreateUser",
        ReadOnly: "false",
        EventTime: 1_763_600_000,
        EventSource: "iam.amazonaws.com",
        Username: "alice",
        Resources: [{ ResourceType: "AWS::IAM::User", ResourceName: "bob" }],
        CloudTrailEvent:
          '{"eventVersion":"1.09","eventName":"CreateUser","eventTime":"2025-11-20T00:53:20Z"}',
      },
    ],
  });
  let http: LocalHttp;
  let endpoint: string;
  beforeAll(async () => {
    http = await startLocalHttp((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "req-http" });
      res.end(page);
    });
    endpoint = http.endpoint;
  });
  afterAll(() => http.close());

  it("an AwsSession's CloudTrailClient: the same output as the SDK's, read by the protocol", async () => {
    const session = new AwsSession(
      { recorder: new Recorder(), maxAttempts: 1, retryMode: "standard", endpoint },
      async () => credentials,
      "111122223333",
    );
    const client = session.client(CloudTrailClient, "us-east-1");
    const input = {
      LookupAttributes: [{ AttributeKey: "EventSource" as const, AttributeValue: "iam.amazonaws.com" }],
    };
    let viaSession: Record<string, unknown> = {};
    const n = await counted(async () => {
      viaSession = (await client.send(new LookupEventsCommand(input))) as unknown as Record<string, unknown>;
    });
    expect(n).toEqual({ fast: 1, bySdk: 0 });
    const plain = new CloudTrailClient({ region: "us-east-1", credentials, endpoint });
    const expected = (await plain.send(new LookupEventsCommand(input))) as unknown as Record<string, unknown>;
    const { $metadata: m1, ...a } = viaSession;
    const { $metadata: m2, ...b } = expected;
    expect(a).toStrictEqual(b);
    expect(keyOrder(a)).toEqual(keyOrder(b));
    expect((m1 as { requestId?: string }).requestId).toBe("req-http");
    expect((m2 as { requestId?: string }).requestId).toBe("req-http");
  });
});
