/**
 * Read-only by declaration: a run's clients send exactly the operations its queries declare (plus the
 * runtime's own caller-identity call), checked by exact name before anything is built or sent. Proven over
 * the real wire: the local server must never see a refused call.
 */
import {
  CreateUserCommand,
  DeleteUserCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListUsersCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { DecryptCommand, KMSClient, ScheduleKeyDeletionCommand, SignCommand } from "@aws-sdk/client-kms";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../../src/queries/index.js";
import { resolvePeriod } from "../../src/core/period.js";
import {
  declaredAllowList,
  isDeclarableOperation,
  OperationAllowList,
  ReadOnlyViolation,
} from "../../src/providers/aws/read-only.js";
import { AwsRuntime } from "../../src/providers/aws/runtime.js";
import { GcpCalls } from "../../src/providers/gcp/calls.js";
import { GcpAllowList, GcpReadOnlyViolation } from "../../src/providers/gcp/read-only.js";
import { createOfflineClient } from "../../src/providers/github/connection.js";
import { readOnlyProblem } from "../../src/providers/github/read-only.js";
import {
  COMMIT_PULL_REQUESTS,
  DEFAULT_BRANCH_CHANGES,
  PULL_REQUEST_REVIEWS,
} from "../../src/queries/github/changes.js";
import { allQueries, declaredOperations } from "../../src/queries/registry.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";
import { guardedKmsClient } from "../../src/signing/aws-kms.js";
import { uploadClient } from "../../src/upload/s3.js";
import { awsError, ok, startWireServer, type WireServer } from "../support/aws-wire.js";

const ACCOUNT = "123456789012";
const creds = async () => ({
  accessKeyId: "AKIAFAKEFAKEFAKEFAKE",
  secretAccessKey: "fake-secret-fake-secret",
});
let server: WireServer;

beforeAll(async () => {
  server = await startWireServer((req) => {
    if (req.operation === "GetCallerIdentity")
      return ok(
        req,
        `<Arn>arn:aws:iam::${ACCOUNT}:user/auditor</Arn><UserId>AIDAX</UserId><Account>${ACCOUNT}</Account>`,
      );
    if (req.operation === "Sign")
      return ok(req, { Signature: "AAAA", KeyId: "k", SigningAlgorithm: "ECDSA_SHA_256" });
    if (req.operation === "PutObject") return { status: 200, headers: { etag: '"x"' }, body: "" };
    return awsError(req, 403, "AccessDenied", "not in this test");
  });
});
afterAll(() => server.close());

async function runClient() {
  const rt = new AwsRuntime({
    recorder: new Recorder(),
    credentials: creds,
    endpoint: server.endpoint,
    homeRegion: "us-east-1",
    regions: ["us-east-1"],
    maxAttempts: 1,
    allowedOperations: declaredOperations("aws", ["aws.iam.credentialReport"]),
  });
  await rt.init();
  const [scope] = (await rt.resolveScopes("account")).scopes;
  const ctx = rt.contextFor(scope!, {
    scope: scope!,
    now: new Date(),
    period: resolvePeriod(undefined, new Date()),
    query: async () => [],
    queryResult: async () => ({ rows: [], problems: [], completeness: [] }),
    regions: async () => [],
    linked: async () => undefined,
  });
  return ctx.aws;
}

describe("read-only by declaration (AWS)", () => {
  it("the run allow-list is exactly the declared operations plus caller identity", () => {
    expect(declaredOperations("aws", ["aws.iam.credentialReport"])).toEqual([
      "IAM:GenerateCredentialReport",
      "IAM:GetAccountSummary",
      "IAM:GetCredentialReport",
    ]);
    // A query that uses another brings the other's declarations, and nothing else.
    expect(declaredOperations("aws", ["aws.kms.trailKeys"])).toEqual([
      "CloudTrail:DescribeTrails",
      "CloudTrail:GetEventSelectors",
      "CloudTrail:GetTrailStatus",
      "KMS:DescribeKey",
      "KMS:GetKeyRotationStatus",
    ]);
  });

  it("refuses credential minting, writes and undeclared reads before sending; sends the declared ones", async () => {
    const aws = await runClient();
    const before = server.seen.length;
    const sts = aws.client(STSClient);
    const iam = aws.client(IAMClient);
    const refused = [
      sts.send(new GetFederationTokenCommand({ Name: "x" })),
      sts.send(new GetSessionTokenCommand({})),
      iam.send(new CreateUserCommand({ UserName: "mallory" })),
      iam.send(new DeleteUserCommand({ UserName: "alice" })),
      iam.send(new PutRolePolicyCommand({ RoleName: "r", PolicyName: "p", PolicyDocument: "{}" })),
      iam.send(new ListUsersCommand({})), // a read, but no selected query declares it
      aws.client(S3Client).send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" })),
    ];
    for (const p of refused) await expect(p).rejects.toBeInstanceOf(ReadOnlyViolation);
    await expect(sts.send(new GetFederationTokenCommand({ Name: "x" }))).rejects.toThrow(
      /refused STS:GetFederationToken before sending: it mints credentials/,
    );
    expect(server.seen.slice(before)).toEqual([]);
    // The declared read goes out (and the server's AccessDenied comes back).
    await expect(iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    expect(server.seen.slice(before)).toEqual(["IAM:GetCredentialReport"]);
  });

  it("a query cannot declare a write or a credential read", () => {
    expect(isDeclarableOperation("IAM", "ListUsers")).toBe(true);
    expect(isDeclarableOperation("IAM", "GenerateCredentialReport")).toBe(true);
    for (const [s, o] of [
      ["STS", "GetFederationToken"],
      ["STS", "GetSessionToken"],
      ["SecretsManager", "GetSecretValue"],
      ["IAM", "DeleteUser"],
      ["CloudTrail", "StopLogging"],
      ["S3", "PutObject"],
      ["IAM", "Getaway"],
    ] as const)
      expect(isDeclarableOperation(s, o)).toBe(false);
    expect(() => declaredAllowList(["STS:GetFederationToken"])).toThrow(/not a read/);
    // Every registered query's declarations are declarable, and every `uses` names a registered query.
    const ids = new Set(allQueries().map((q) => q.id));
    for (const q of allQueries()) {
      if (q.provider === "aws") expect(() => declaredAllowList(q.calls)).not.toThrow();
      else if (q.provider === "gcp") expect(() => new GcpAllowList(q.calls)).not.toThrow();
      // GitHub: each declared REST operation is a GET route of Octokit's REST endpoint table; each declared
      // GraphQL operation is a document of queries only (what the guard would let through).
      else
        for (const c of q.calls) {
          if (!c.startsWith("graphql:")) {
            expect(githubVerb(c), `${q.id} declares ${c}`).toBe("GET");
            continue;
          }
          const doc = GITHUB_GRAPHQL_DOCUMENTS.find((d) => `graphql:${d.operation}` === c);
          expect(doc, `${q.id} declares ${c}`).toBeDefined();
          expect(readOnlyProblem(doc!.text), c).toBeUndefined();
        }
      for (const dep of q.uses ?? []) expect(ids.has(dep), `${q.id} uses ${dep}`).toBe(true);
    }
  });

  it("the signing client sends GetPublicKey and Sign only", async () => {
    process.env.AWS_ENDPOINT_URL = server.endpoint;
    try {
      const kms = guardedKmsClient("us-east-1", { credentials: creds });
      const before = server.seen.length;
      await expect(
        kms.send(new DecryptCommand({ CiphertextBlob: new Uint8Array([1]) })),
      ).rejects.toBeInstanceOf(ReadOnlyViolation);
      await expect(kms.send(new ScheduleKeyDeletionCommand({ KeyId: "k" }))).rejects.toBeInstanceOf(
        ReadOnlyViolation,
      );
      const out = await kms.send(
        new SignCommand({
          KeyId: "k",
          Message: new Uint8Array(32),
          MessageType: "DIGEST",
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      expect(out.SigningAlgorithm).toBe("ECDSA_SHA_256");
      expect(server.seen.slice(before)).toEqual(["KMS:Sign"]);
      expect(kms).toBeInstanceOf(KMSClient);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });

  it("the upload client sends PutObject to the named bucket only", async () => {
    process.env.AWS_ENDPOINT_URL = server.endpoint;
    try {
      const s3 = uploadClient({ credentials: creds, region: "us-east-1", bucket: "audit-evidence" });
      const before = server.seen.length;
      await expect(
        s3.send(new PutObjectCommand({ Bucket: "elsewhere", Key: "k", Body: "x" })),
      ).rejects.toThrow(/may only write to bucket audit-evidence/);
      await expect(
        s3.send(new DeleteObjectCommand({ Bucket: "audit-evidence", Key: "k" })),
      ).rejects.toBeInstanceOf(ReadOnlyViolation);
      await s3.send(new PutObjectCommand({ Bucket: "audit-evidence", Key: "k", Body: "x" }));
      expect(server.seen.slice(before)).toEqual(["S3:PutObject"]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });

  it("an explicit allow-list refuses anything else, even a read", () => {
    const allow = new OperationAllowList(["IAM:GetAccountSummary"]);
    expect(allow.allows("IAM", "GetAccountSummary")).toBe(true);
    expect(allow.allows("IAM", "ListUsers")).toBe(false);
    expect(() => allow.check("IAM", "ListUsers")).toThrow(ReadOnlyViolation);
  });
});

describe("read-only by declaration (GCP)", () => {
  it("refuses undeclared methods, writes and credential methods before anything is sent", async () => {
    const recorder = new Recorder();
    // No transport and no recorded answers: a call that passed the guard would fail differently.
    const calls = new GcpCalls({
      recorder,
      replay: new ReplayIndex([]),
      allow: new GcpAllowList(["ProjectsClient:getIamPolicy"]),
    });
    await expect(calls.unary("ProjectsClient", "setIamPolicy", "p", {})).rejects.toBeInstanceOf(
      GcpReadOnlyViolation,
    );
    await expect(calls.unary("ProjectsClient", "deleteProject", "p", {})).rejects.toBeInstanceOf(
      GcpReadOnlyViolation,
    );
    await expect(calls.unary("ConfigServiceV2Client", "listSinks", "p", {})).rejects.toThrow(
      /refused ConfigServiceV2Client\.listSinks before sending: it is not on the run's allow-list/,
    );
    await expect(calls.unary("IAMCredentialsClient", "generateAccessToken", "p", {})).rejects.toBeInstanceOf(
      GcpReadOnlyViolation,
    );
    expect(recorder.all()).toEqual([]);
    await expect(calls.unary("ProjectsClient", "getIamPolicy", "p", {})).rejects.toThrow(
      /no recorded answer/,
    );
    expect(() => new GcpAllowList(["IAMCredentialsClient:generateAccessToken"])).toThrow(/not a Google read/);
  });
});

/** Every GraphQL document a GitHub query sends. */
const GITHUB_GRAPHQL_DOCUMENTS = [DEFAULT_BRANCH_CHANGES, COMMIT_PULL_REQUESTS, PULL_REQUEST_REVIEWS];

/** The HTTP method of a GitHub `namespace:method` operation in Octokit's endpoint table (undefined: unknown). */
function githubVerb(operation: string): string | undefined {
  const [ns, name] = operation.split(":");
  const rest = createOfflineClient().rest as unknown as Record<
    string,
    Record<string, { endpoint?: { DEFAULTS: { method: string } } } | undefined> | undefined
  >;
  return rest[ns!]?.[name!]?.endpoint?.DEFAULTS.method;
}
