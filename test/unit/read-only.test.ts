import { CreateUserCommand, DeleteUserCommand, IAMClient, ListUsersCommand } from "@aws-sdk/client-iam";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { isAllowedOperation, ReadOnlyViolation } from "../../src/providers/aws/read-only.js";
import { AwsSession } from "../../src/providers/aws/session.js";
import { Recorder } from "../../src/recording/recorder.js";
import { ReplayIndex } from "../../src/recording/store.js";

describe("read-only by construction", () => {
  it("allows read verbs and the listed exceptions only", () => {
    expect(isAllowedOperation("IAM", "ListUsers")).toBe(true);
    expect(isAllowedOperation("IAM", "GetAccountAuthorizationDetails")).toBe(true);
    expect(isAllowedOperation("IAM", "GenerateCredentialReport")).toBe(true);
    expect(isAllowedOperation("IAM", "DeleteUser")).toBe(false);
    expect(isAllowedOperation("CloudTrail", "StopLogging")).toBe(false);
    expect(isAllowedOperation("IAM", "Getaway")).toBe(false);
  });

  it("refuses a mutating command before anything is sent, and records nothing", async () => {
    const recorder = new Recorder();
    // No replay answers at all: if the guard let the call through, replay would fail with a different error.
    const session = new AwsSession(
      { recorder, replay: new ReplayIndex([]), maxAttempts: 1, retryMode: "standard" },
      undefined,
      "111122223333",
    );
    const iam = session.client(IAMClient, "us-east-1");
    await expect(iam.send(new DeleteUserCommand({ UserName: "alice" }))).rejects.toBeInstanceOf(
      ReadOnlyViolation,
    );
    await expect(iam.send(new CreateUserCommand({ UserName: "mallory" }))).rejects.toBeInstanceOf(
      ReadOnlyViolation,
    );
    await expect(
      session.client(S3Client, "us-east-1").send(new PutObjectCommand({ Bucket: "b", Key: "k" })),
    ).rejects.toThrow(/^refused S3:PutObject|no recorded answer/);
    expect(recorder.all().filter((c) => c.operation !== "PutObject")).toEqual([]);
    await expect(iam.send(new ListUsersCommand({}))).rejects.toThrow(/no recorded answer for IAM\.ListUsers/);
  });
});
