/**
 * An empty success answer is a fault, not an empty result (answer-body.ts, middleware.ts `wireCapture`):
 * over HTTP, through an AwsSession's real clients, for a JSON protocol (KMS), a query protocol (IAM) and
 * REST (EKS: a body member; S3 GetBucketPolicy: a string payload, which may be empty). Each framing a server or proxy can use: a
 * Content-Length of 0, a chunked empty body, a blank body. A real answer, however small (`{}`), is read
 * as before.
 */
import { EKSClient, ListClustersCommand } from "@aws-sdk/client-eks";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { KMSClient, ListKeysCommand } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { successNeedsBody } from "../../../src/providers/aws/answer-body.js";
import { AwsSession } from "../../../src/providers/aws/session.js";
import { Recorder } from "../../../src/recording/recorder.js";
import { type LocalHttp, startLocalHttp } from "../../support/local-http.js";

const credentials = async () => ({ accessKeyId: "AKIAEXAMPLE000000000", secretAccessKey: "not-a-secret" });

type Framing = "length-0" | "chunked-empty" | "blank";
/** What the server answers next: a framing of an empty 200, or a body. */
let next: Framing | { body: string; type: string } = "length-0";
let requests = 0;

describe("an empty 2xx answer where the operation always has a body is an error, never an empty result", () => {
  let http: LocalHttp;
  let endpoint: string;
  beforeAll(async () => {
    http = await startLocalHttp((_req, res) => {
      requests++;
      const answer = next;
      if (answer === "length-0") {
        res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": "0" });
        res.end();
      } else if (answer === "chunked-empty") {
        res.writeHead(200, { "Content-Type": "text/xml", "Transfer-Encoding": "chunked" });
        res.end();
      } else if (answer === "blank") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end("\n  \n");
      } else {
        res.writeHead(200, { "Content-Type": answer.type });
        res.end(answer.body);
      }
    });
    endpoint = http.endpoint;
  });
  afterAll(() => http.close());

  const session = () =>
    new AwsSession(
      {
        recorder: new Recorder(),
        maxAttempts: 2,
        retryMode: "standard",
        endpoint,
        backoff: { baseDelayMs: 1, throttlingDelayMs: 1, maxDelayMs: 1 },
      },
      credentials,
      "111122223333",
    );

  it.each([
    ["KMS (AWS JSON 1.1)", "length-0"],
    ["IAM (query)", "chunked-empty"],
    ["EKS (REST JSON, a body member)", "blank"],
  ] as const)(
    "%s, %s: the call fails as EmptyAnswer after its retries, naming the operation",
    async (which, framing) => {
      next = framing;
      requests = 0;
      const s = session();
      const send = which.startsWith("KMS")
        ? () => s.client(KMSClient, "eu-west-1").send(new ListKeysCommand({}))
        : which.startsWith("IAM")
          ? () => s.client(IAMClient, "us-east-1").send(new ListUsersCommand({}))
          : () => s.client(EKSClient, "eu-west-1").send(new ListClustersCommand({}));
      const error = await send().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.name).toBe("EmptyAnswer");
      expect(error?.message).toMatch(/^(KMS\.ListKeys|IAM\.ListUsers|EKS\.ListClusters) \(HTTP 200\)/);
      expect(error?.message).toContain("empty body");
      // Transient by the SDK's rules: the second attempt was made too.
      expect(requests).toBe(2);
    },
  );

  it("a small real answer is read as before ({} of KMS; EKS's empty list)", async () => {
    const s = session();
    next = { body: "{}", type: "application/x-amz-json-1.1" };
    const keys = await s.client(KMSClient, "eu-west-1").send(new ListKeysCommand({}));
    expect(keys.Keys).toBeUndefined();
    next = { body: '{"clusters":[]}', type: "application/json" };
    const clusters = await s.client(EKSClient, "eu-west-1").send(new ListClustersCommand({}));
    expect(clusters.clusters).toEqual([]);
  });

  it("an answer whose body is a string payload (S3 GetBucketPolicy) may be empty", async () => {
    next = "length-0";
    requests = 0;
    const s3 = session().client(S3Client, "eu-west-1");
    const out = await s3.send(new GetBucketPolicyCommand({ Bucket: "b" }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(requests).toBe(1);
  });

  it("reads the REST rule from the operation schema", () => {
    const schema = (C: new (i: never) => { schema?: unknown }) => new C({} as never).schema;
    expect(successNeedsBody("aws.protocols#restJson1", schema(ListClustersCommand as never))).toBe(true);
    // Headers only, and a string payload: neither needs a body.
    expect(successNeedsBody("aws.protocols#restXml", schema(HeadBucketCommand as never))).toBe(false);
    expect(successNeedsBody("aws.protocols#restXml", schema(GetBucketPolicyCommand as never))).toBe(false);
    expect(successNeedsBody("aws.protocols#awsQuery", undefined)).toBe(true);
    expect(successNeedsBody("aws.protocols#restXml", undefined)).toBe(false);
  });
});
