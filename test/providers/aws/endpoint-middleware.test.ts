/**
 * The endpoint middleware without the per-call configuration copy (src/providers/aws/endpoint-middleware.ts)
 * leaves the handler context and the arguments exactly as the SDK's own `endpointV2Middleware` does, for the
 * real clients a run builds: regional and global services, S3's bucket parameter (virtual-hosted), an
 * endpoint override (path-style S3, the override feature flag), S3 Control's account-id parameter; and it
 * never writes the client's configuration.
 */
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { GetBucketPolicyCommand, GetBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { endpointMiddleware as sdkEndpointMiddleware } from "@smithy/core/endpoints";
import { describe, expect, it } from "vitest";
import { endpointMiddleware, instructionsOf } from "../../../src/providers/aws/endpoint-middleware.js";
import { type AwsEnvironment, AwsSession } from "../../../src/providers/aws/session.js";
import { Recorder } from "../../../src/recording/recorder.js";

// biome-ignore lint/suspicious/noExplicitAny: SDK clients, commands and handler contexts
type Any = any;

const env = (endpoint?: string): AwsEnvironment => ({
  recorder: new Recorder(),
  maxAttempts: 1,
  retryMode: "standard",
  shared: {},
  ...(endpoint ? { endpoint } : {}),
});
const CREDENTIALS = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

/** A handler context as the SDK builds it for `command`, with an auth option already selected. */
const contextFor = (command: object) => ({
  clientName: "X",
  commandName: "Y",
  __smithy_context: {
    commandInstance: command,
    selectedHttpAuthScheme: { httpAuthOption: { schemeId: "aws.auth#sigv4", signingProperties: { a: 1 } } },
  },
});

async function through(middleware: Any, command: Any, context: Any) {
  let passed: unknown;
  await middleware(async (args: unknown) => {
    passed = args;
    return { output: {} };
  }, context)({ input: command.input });
  return { context, passed };
}

const CASES: [string, Any, string, () => Any, string?][] = [
  ["IAM ListUsers (global)", IAMClient, "us-east-1", () => new ListUsersCommand({})],
  ["STS GetCallerIdentity", STSClient, "eu-west-1", () => new GetCallerIdentityCommand({})],
  ["EC2 DescribeRegions", EC2Client, "ap-southeast-2", () => new DescribeRegionsCommand({})],
  ["CloudTrail LookupEvents", CloudTrailClient, "us-west-2", () => new LookupEventsCommand({})],
  [
    "S3 GetBucketVersioning (bucket)",
    S3Client,
    "eu-west-1",
    () => new GetBucketVersioningCommand({ Bucket: "alpha" }),
  ],
  [
    "S3 GetBucketPolicy, endpoint override",
    S3Client,
    "eu-west-1",
    () => new GetBucketPolicyCommand({ Bucket: "alpha" }),
    "http://127.0.0.1:4566",
  ],
  [
    "S3 Control GetPublicAccessBlock (account id)",
    S3ControlClient,
    "us-east-1",
    () => new GetPublicAccessBlockCommand({ AccountId: "123456789012" }),
  ],
];

describe("endpoint middleware without the configuration copy", () => {
  for (const [name, Ctor, region, make, endpoint] of CASES)
    it(`${name}: the same context and arguments as the SDK's`, async () => {
      const session = new AwsSession(env(endpoint), CREDENTIALS, "123456789012");
      const client = session.client(Ctor, region) as Any;
      const config = client.config;
      const keysBefore = Object.keys(config).join();
      const command = make();
      const instructions = instructionsOf(contextFor(command));
      expect(instructions).toBeDefined();
      const sdk = await through(
        sdkEndpointMiddleware({ config, instructions: instructions as Any }),
        command,
        contextFor(command),
      );
      const ours = await through(endpointMiddleware(config, instructions!), command, contextFor(command));
      expect(ours.context).toEqual(sdk.context);
      expect(ours.passed).toEqual(sdk.passed);
      expect((ours.context as Any).endpointV2.url.href).toBe((sdk.context as Any).endpointV2.url.href);
      if (endpoint)
        expect((ours.context as Any).__smithy_context.features).toEqual({ ENDPOINT_OVERRIDE: "N" });
      expect(Object.keys(config).join()).toBe(keysBefore);
    });

  it("resolves S3's bucket per call (virtual-hosted), and S3 Control's account prefix", async () => {
    const session = new AwsSession(env(), CREDENTIALS, "123456789012");
    const s3 = session.client(S3Client, "eu-west-1") as Any;
    const command = new GetBucketVersioningCommand({ Bucket: "beta" });
    const { context } = await through(
      endpointMiddleware(s3.config, instructionsOf(contextFor(command))!),
      command,
      contextFor(command),
    );
    expect((context as Any).endpointV2.url.hostname).toBe("beta.s3.eu-west-1.amazonaws.com");
    const control = session.client(S3ControlClient, "us-east-1") as Any;
    const pab = new GetPublicAccessBlockCommand({ AccountId: "123456789012" });
    const r = await through(
      endpointMiddleware(control.config, instructionsOf(contextFor(pab))!),
      pab,
      contextFor(pab),
    );
    expect((r.context as Any).endpointV2.url.hostname).toBe(
      "123456789012.s3-control.us-east-1.amazonaws.com",
    );
  });

  it("an endpoint found in the environment at call time is used for the call, never written into the client's configuration", async () => {
    const session = new AwsSession(env(), CREDENTIALS, "123456789012");
    const client = session.client(IAMClient, "us-east-1") as Any;
    const config = client.config;
    const { endpoint: endpointBefore, isCustomEndpoint } = config;
    expect(isCustomEndpoint).toBe(false);
    process.env.AWS_ENDPOINT_URL_IAM = "http://127.0.0.1:9";
    try {
      const command = new ListUsersCommand({});
      const instructions = instructionsOf(contextFor(command))!;
      const ours = await through(endpointMiddleware(config, instructions), command, contextFor(command));
      const sdk = await through(
        sdkEndpointMiddleware({ config, instructions: instructions as Any }),
        command,
        contextFor(command),
      );
      expect((ours.context as Any).endpointV2.url.href).toBe("http://127.0.0.1:9/");
      expect(ours.context).toEqual(sdk.context);
      expect(config.isCustomEndpoint).toBe(false);
      expect(config.endpoint).toBe(endpointBefore);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_IAM;
    }
  });
});
