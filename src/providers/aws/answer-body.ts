/**
 * Whether a successful AWS answer must carry a body: an empty 2xx body where one is required is a fault (an
 * endpoint's, a proxy's, an emulator's), never an empty result. The SDK reads an empty body as an output with
 * no members, so a list would come out empty ("no users", "no clusters") and a population would look
 * complete; the wire step refuses it instead (middleware.ts `wireCapture`).
 *
 * - AWS JSON 1.0 / 1.1 always answer a success with a JSON object (`{}` at least), and the query protocols
 *   (IAM, STS, EC2) with an XML `<…Response>` element: a body is always required.
 * - REST protocols (restJson1: EKS, GuardDuty, …; restXml: S3) bind output members to headers or to the
 *   body. An operation whose output has a member bound to the body needs one (S3 answers a bucket that never
 *   had versioning with `<VersioningConfiguration/>`, EKS a region without clusters with `{"clusters":[]}`).
 *   Members bound to a header, the status code or a header prefix do not, nor does a string or blob
 *   `@httpPayload` (an empty payload is a value: an empty object). Read from the SDK's operation schema.
 */
import { NormalizedSchema } from "./sdk/smithy-schema.js";

const DOCUMENT_PROTOCOLS: ReadonlySet<string> = new Set([
  "aws.protocols#awsJson1_0",
  "aws.protocols#awsJson1_1",
  "aws.protocols#awsQuery",
  "aws.protocols#ec2Query",
]);
const REST_PROTOCOLS: ReadonlySet<string> = new Set(["aws.protocols#restJson1", "aws.protocols#restXml"]);

/** What an operation schema is at run time: `[9, namespace, name, traits, input, output]` (a static schema). */
type OperationSchemaRef = readonly unknown[];

/** REST operations' answers, by their schema (one decision per operation for the run). */
const restDecisions = new WeakMap<object, boolean>();

/** Whether a 2xx answer to this operation must have a body (`protocol`: the client's, e.g. `aws.protocols#awsQuery`). */
export function successNeedsBody(protocol: string, operationSchema: unknown): boolean {
  if (DOCUMENT_PROTOCOLS.has(protocol)) return true;
  if (!REST_PROTOCOLS.has(protocol) || !Array.isArray(operationSchema)) return false;
  let decided = restDecisions.get(operationSchema);
  if (decided === undefined) {
    decided = outputHasBodyMember(operationSchema);
    restDecisions.set(operationSchema, decided);
  }
  return decided;
}

function outputHasBodyMember(operation: OperationSchemaRef): boolean {
  const output = operation[5];
  if (output === undefined) return false;
  const schema = NormalizedSchema.of(output as Parameters<typeof NormalizedSchema.of>[0]);
  if (!schema.isStructSchema()) return false;
  for (const [, member] of schema.structIterator()) {
    const traits = member.getMergedTraits();
    if (traits.httpHeader !== undefined || traits.httpPrefixHeaders !== undefined) continue;
    if (traits.httpResponseCode !== undefined) continue;
    // A string or blob payload may be empty (an empty object is a value); a structure payload is a document.
    if (traits.httpPayload !== undefined && !member.isStructSchema()) continue;
    return true;
  }
  return false;
}
