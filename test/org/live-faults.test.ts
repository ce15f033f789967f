/**
 * The real CLI in live mode against a local AWS endpoint (AWS_ENDPOINT_URL), for what only the CLI shows:
 * - secrets: the server quotes the request's session token, Authorization header and signature in a
 *   SignatureDoesNotMatch error (as AWS does), puts a secret key, GitHub tokens, bearer tokens and a PEM
 *   private key into error messages, a response header and a response body; not one of them may appear in
 *   any file of the bundle, nor on stdout or stderr;
 * - a hung DescribeTrails ends as `error` for its scope after --call-timeout, the run finishes (exit 3)
 *   and writes its bundle;
 * - S3 Control works behind the endpoint override (no account-id host prefix, no stack trace);
 * - regions outside the caller's partition (cn-*, us-gov-*) returned by DescribeRegions are not scanned;
 * - STS throttling is exit 3 (a scheduler retries), not exit 2.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { InputError } from "../../src/core/errors.js";
import { AwsRuntime } from "../../src/providers/aws/runtime.js";
import { Recorder } from "../../src/recording/recorder.js";
import { awsError, ok, startWireServer, type WireServer } from "../support/aws-wire.js";
import { cliAsync, liveAwsEnv } from "../support/cli.js";

const ACCOUNT = "123456789012";
const AKID = "ASIAQWERTYUIOPASDFGH";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const TOKEN = `IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD${"x9Yz".repeat(20)}+abc/def==`;
const GHP = "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const GHPAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ";
const GHS = "ghs_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdWRpdG9yQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJlLWJ5dGVz";
const OPAQUE_BEARER = "opaqueBearerTOKENvalue0123456789";
const PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;

let server: WireServer;
let stsThrottled = false;
/** Signatures the SDK sent (the Authorization header's Signature=…): they must not be recorded either. */
const signatures = new Set<string>();
const root = mkdtempSync(join(tmpdir(), "itgc-live-faults-"));

beforeAll(async () => {
  server = await startWireServer((req) => {
    const auth = String(req.headers.authorization ?? "");
    const sig = /Signature=([0-9a-f]{64})/.exec(auth)?.[1];
    if (sig) signatures.add(sig);
    switch (req.operation) {
      case "GetCallerIdentity":
        return stsThrottled
          ? awsError(req, 400, "Throttling", "Rate exceeded")
          : ok(
              req,
              `<Arn>arn:aws:iam::${ACCOUNT}:user/auditor</Arn><UserId>AIDAX</UserId><Account>${ACCOUNT}</Account>`,
            );
      case "GenerateCredentialReport": {
        // What AWS answers for a bad signature: the canonical request, security token and all.
        const canonical = `POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:${req.headers.host}\nx-amz-date:${req.headers["x-amz-date"]}\nx-amz-security-token:${req.headers["x-amz-security-token"]}\n\ncontent-type;host;x-amz-date;x-amz-security-token\n${"0".repeat(64)}`;
        return awsError(
          req,
          403,
          "SignatureDoesNotMatch",
          `The request signature we calculated does not match the signature you provided. The Canonical String for this request should have been\n'${canonical}'\nThe String-to-Sign should have been 'AWS4-HMAC-SHA256 ...'. Authorization: ${auth}`,
        );
      }
      case "GetAccountPasswordPolicy": {
        const a = awsError(
          req,
          403,
          "AccessDenied",
          `denied; debug dump: aws_secret_access_key=${SECRET} token ${GHP} ${GHPAT} ${GHS} Authorization: Bearer ${JWT} bearer ${OPAQUE_BEARER} key ${PEM} X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-Signature=${"a".repeat(64)}`,
        );
        // A secret in a response header the recorder keeps (the request id).
        return a === "hang" ? a : { ...a, headers: { ...a.headers, "x-amzn-requestid": `req-${GHS}` } };
      }
      case "DescribeTrails":
        return "hang";
      case "GetPublicAccessBlock":
        return ok(
          req,
          '<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>',
        );
      case "DescribeRegions":
        return ok(
          req,
          `<regionInfo>${["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"].map((r) => `<item><regionName>${r}</regionName><regionEndpoint>ec2.${r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`).join("")}</regionInfo>`,
        );
      case "DescribeConfigurationRecorders":
        // A secret in a successful body: a recorder named like a token (and a PEM key in a field).
        return ok(req, {
          ConfigurationRecorders: [
            {
              name: `recorder-${GHP}`,
              roleARN: `arn:aws:iam::${ACCOUNT}:role/config`,
              recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
            },
          ],
          note: PEM,
        });
      default:
        return awsError(
          req,
          403,
          req.protocol === "json" ? "AccessDeniedException" : "AccessDenied",
          "not in this test",
        );
    }
  });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function runCli(args: string[], out: string) {
  const env = liveAwsEnv({
    endpoint: server.endpoint,
    home: root,
    accessKeyId: AKID,
    secretAccessKey: SECRET,
    sessionToken: TOKEN,
  });
  return cliAsync([...args, "--out", out], env);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("live run against a local AWS endpoint (real CLI, real wire)", () => {
  it("records no secret anywhere, ends a hung call as error, and reaches S3 Control and only the caller's partition", async () => {
    const out = join(root, "bundle");
    const r = await runCli(
      [
        "run",
        "--control",
        "access.aws-iam-console-mfa,access.aws-iam-password-policy,logging.aws-cloudtrail-multi-region-logging,logging.aws-s3-account-public-access-block,change-management.aws-config-recorder-all-regions",
        "--call-timeout",
        "0.5",
        "--no-sign",
      ],
      out,
    );
    expect(r.code, r.stderr).toBe(3);
    const files = filesUnder(out);
    expect(files.length).toBeGreaterThan(10);
    // The secrets really were sent and echoed (otherwise this test proves nothing).
    expect(server.requests.some((q) => q.headers["x-amz-security-token"] === TOKEN)).toBe(true);
    expect(signatures.size).toBeGreaterThan(0);
    const secrets = [
      AKID,
      SECRET,
      TOKEN,
      encodeURIComponent(TOKEN),
      GHP,
      GHPAT,
      GHS,
      JWT,
      OPAQUE_BEARER,
      PEM_BODY,
    ];
    secrets.push(...signatures);
    const texts: [string, string][] = [
      ["stdout", r.stdout],
      ["stderr", r.stderr],
      ...files.map((f): [string, string] => [f, readFileSync(f, "utf8")]),
    ];
    for (const [where, text] of texts)
      for (const s of secrets) expect(text.includes(s), `${s.slice(0, 12)}… in ${where}`).toBe(false);
    // …while the evidence still says what happened.
    const results = JSON.parse(readFileSync(files.find((f) => f.endsWith("data/results.json"))!, "utf8"));
    const byId = Object.fromEntries(results.controls.map((c: { id: string }) => [c.id, c]));
    expect(JSON.stringify(byId["access.aws-iam-console-mfa"])).toMatch(/SignatureDoesNotMatch/);
    expect(JSON.stringify(byId["access.aws-iam-password-policy"])).toMatch(/\[REDACTED\]/);

    // The hung DescribeTrails: error for its scope, naming the operation and the timeout.
    const trails = byId["logging.aws-cloudtrail-multi-region-logging"];
    expect(trails.status).toBe("error");
    expect(JSON.stringify(trails)).toMatch(/CloudTrail\.DescribeTrails.*(timeout|timed out|exceeded)/i);
    // At most the SDK standard 3 attempts in each of the two regions.
    expect(server.seen.filter((s) => s === "CloudTrail:DescribeTrails").length).toBe(6);

    // S3 Control behind the override: answered and evaluated, no TypeError and no stack trace.
    expect(byId["logging.aws-s3-account-public-access-block"].status).toBe("pass");
    expect(r.stderr).not.toMatch(/TypeError|Invalid URL|\n\s+at /);

    // Only the caller's partition: cn-* and us-gov-* are neither covered nor called.
    const run = JSON.parse(readFileSync(files.find((f) => f.endsWith("data/run.json"))!, "utf8"));
    expect(run.regions[ACCOUNT]).toEqual(["eu-west-1", "us-east-1"]);
    const scopes = server.requests.map(
      (q) => /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(q.headers.authorization))?.[1],
    );
    expect(scopes.filter((s) => s?.startsWith("cn-") || s?.startsWith("us-gov-"))).toEqual([]);
  }, 120_000);

  it("STS throttling past the retries is exit 3 (retry the run), not exit 2 (fix your input)", async () => {
    stsThrottled = true;
    try {
      const r = await runCli(
        ["run", "--control", "access.aws-iam-console-mfa", "--max-attempts", "2", "--no-sign"],
        join(root, "sts"),
      );
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/cannot establish the AWS caller identity: .*STS\.GetCallerIdentity/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      stsThrottled = false;
    }
  }, 120_000);
});

describe("region flags", () => {
  it('--regions "" and an unknown region are usage errors (exit 2) before anything runs', async () => {
    const write = process.stderr.write;
    let err = "";
    process.stderr.write = ((c: string) => {
      err += c;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(["run", "--regions", "", "--no-sign"])).toBe(2);
      expect(await main(["run", "--regions", "mars-north-1", "--no-sign"])).toBe(2);
      expect(await main(["run", "--regions", "eu-west-1,moon-1", "--no-sign"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/empty list/);
    expect(err).toMatch(/"mars-north-1" is not an AWS region name/);
    expect(err).toMatch(/"moon-1" is not an AWS region name/);
  });

  it("--regions outside the caller's partition (from its ARN) is refused before any regional call", async () => {
    const before = server.seen.length;
    const rt = new AwsRuntime({
      recorder: new Recorder(),
      credentials: async () => ({ accessKeyId: AKID, secretAccessKey: SECRET }),
      endpoint: server.endpoint,
      homeRegion: "us-east-1",
      regions: ["eu-west-1", "cn-north-1", "us-gov-west-1"],
      maxAttempts: 1,
      allowedOperations: [],
    });
    const err = await rt.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /--regions cn-north-1,us-gov-west-1: not in the caller's partition aws/,
    );
    expect(server.seen.slice(before)).toEqual(["STS:GetCallerIdentity"]);
  });
});
