/**
 * CloudTrail's wire protocol (AWS JSON 1.1, the SDK's own `AwsJson1_1Protocol`) with one change: a
 * LookupEvents answer is read by one `JSON.parse` and a pass that builds the SDK's output from it, instead of
 * the SDK's schema walk over the parsed body.
 *
 * Why: an organization's audit period is tens of thousands of LookupEvents pages (events-org-50x4: 20,000
 * pages of 50 events, 1,000,000 events), and the run's main thread is its bottleneck. The SDK's deserialiser
 * parses the 75 kB body and then walks it against the schema, copying every structure (50 events, their
 * resources) and looking each member up in the schema: 0.27–0.48 ms a page on this 2-core machine, against
 * 0.13–0.17 ms for the `JSON.parse` alone (docs/performance.md, round 15). The walk's copies are also garbage
 * the young-generation collector has to deal with.
 *
 * Same output, exactly: the SDK's `_readStruct` builds each structure with the schema's members in the
 * schema's order (the recorded evidence keeps that key order), leaves out members that are null or absent,
 * keeps list elements as they are unless they are structures, and turns `EventTime` (epoch seconds) into
 * `new Date(Math.round(seconds * 1000))`. `readLookupEventsBody` does that for the shape AWS answers with,
 * and for anything else — a body that is not JSON, a member of an unexpected type, a non-finite time, a
 * structure carrying `__type` (the SDK then keeps unknown members too) — it gives up and the SDK's own
 * deserialiser reads the same bytes, so an odd answer gets the SDK's output or the SDK's error.
 * test/unit/cloudtrail-protocol.test.ts compares the two on the bench's pages, the demo's recorded events and
 * odd bodies. Error answers (status ≥ 300) and every other operation go to the SDK unchanged.
 */
import type {
  HandlerExecutionContext,
  HttpResponse,
  MetadataBearer,
  OperationSchema,
  SerdeFunctions,
} from "@smithy/types";
import { AwsJson1_1Protocol } from "./sdk/core-protocols.js";

type Json = Record<string, unknown>;

/** The members of each structure, in the SDK schema's order (client-cloudtrail: Event$, Resource$, …). */
const RESPONSE_MEMBERS = ["Events", "NextToken"] as const;
const EVENT_MEMBERS = [
  "EventId",
  "EventName",
  "ReadOnly",
  "AccessKeyId",
  "EventTime",
  "EventSource",
  "Username",
  "Resources",
  "CloudTrailEvent",
] as const;
const RESOURCE_MEMBERS = ["ResourceType", "ResourceName"] as const;

/** Pages read here and pages handed to the SDK's deserialiser (the tests read it). */
export const lookupEventsReads = { fast: 0, bySdk: 0 };

/** A JSON object that the SDK reads as a plain structure (no `__type`, which makes it keep unknown members). */
function isPlainStruct(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as Json).__type !== "string";
}

/**
 * LookupEvents' output (without `$metadata`) from the body's text, as the SDK's deserialiser makes it; or
 * undefined when the body is not of the shape this reads (the SDK reads it then).
 */
export function readLookupEventsBody(text: string): Json | undefined {
  if (text.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainStruct(body)) return undefined;
  const out: Json = {};
  for (const member of RESPONSE_MEMBERS) {
    const v = body[member];
    if (v == null) continue;
    if (member === "Events") {
      const events = readStructs(v, readEvent);
      if (events === undefined) return undefined;
      out.Events = events;
    } else out[member] = v;
  }
  return out;
}

function readEvent(e: Json): Json | undefined {
  const out: Json = {};
  for (const member of EVENT_MEMBERS) {
    const v = e[member];
    if (v == null) continue;
    if (member === "EventTime") {
      if (typeof v !== "number" || !Number.isFinite(v)) return undefined;
      out.EventTime = new Date(Math.round(v * 1000));
    } else if (member === "Resources") {
      const resources = readStructs(v, readResource);
      if (resources === undefined) return undefined;
      out.Resources = resources;
    } else out[member] = v;
  }
  return out;
}

function readResource(r: Json): Json {
  const out: Json = {};
  for (const member of RESOURCE_MEMBERS) if (r[member] != null) out[member] = r[member];
  return out;
}

/** A list of structures, each read by `read`; undefined when `v` is not such a list or an element fails. */
function readStructs(v: unknown, read: (s: Json) => Json | undefined): Json[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Json[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    const s = isPlainStruct(item) ? read(item) : undefined;
    if (s === undefined) return undefined;
    out[i] = s;
  }
  return out;
}

/** The client's protocol: `new CloudTrailClient({ protocol: CloudTrailProtocol, … })` (session.ts). */
export class CloudTrailProtocol extends AwsJson1_1Protocol {
  override async deserializeResponse<Output extends MetadataBearer>(
    operationSchema: OperationSchema,
    context: HandlerExecutionContext & SerdeFunctions,
    response: HttpResponse,
  ): Promise<Output> {
    if (operationSchema.name !== "LookupEvents" || response.statusCode >= 300)
      return super.deserializeResponse(operationSchema, context, response);
    const body: unknown = response.body;
    // The SDK's collectBody: bytes as they are, no body as none, a stream through the client's collector.
    const bytes =
      body instanceof Uint8Array
        ? body
        : body == null
          ? new Uint8Array()
          : await context.streamCollector(body);
    const output = readLookupEventsBody(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
    );
    if (output === undefined) {
      lookupEventsReads.bySdk++;
      response.body = bytes;
      return super.deserializeResponse(operationSchema, context, response);
    }
    lookupEventsReads.fast++;
    // As the SDK's RPC protocol does before it reads the metadata: header names in lower case.
    for (const header of Object.keys(response.headers)) {
      const value = response.headers[header]!;
      delete response.headers[header];
      response.headers[header.toLowerCase()] = value;
    }
    output.$metadata = this.deserializeMetadata(response);
    return output as unknown as Output;
  }
}
