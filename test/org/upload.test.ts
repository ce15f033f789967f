import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { ReadOnlyViolation } from "../../src/providers/aws/read-only.js";
import { parseS3Url, uploadClient, uploadEvidence } from "../../src/upload/s3.js";

function bundle(): string {
  const root = mkdtempSync(join(tmpdir(), "itgc-upload-"));
  const dir = join(root, "itgc-aws-111111111111-20261120T090000Z-abcd1234");
  mkdirSync(join(dir, "data", "results"), { recursive: true });
  writeFileSync(join(dir, "bagit.txt"), "BagIt-Version: 1.0\n");
  writeFileSync(join(dir, "data", "results.json"), "{}\n");
  writeFileSync(join(dir, "data", "results", "access.x.json"), "{}\n");
  return dir;
}

describe("--upload s3://bucket/prefix", () => {
  it("stores every file with Object Lock COMPLIANCE retention and a SHA-256 checksum", async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const now = new Date("2026-11-20T09:00:00.000Z");
    const r = await uploadEvidence({
      path: bundle(),
      url: "s3://audit-evidence/itgc/daily/",
      retainDays: 2557,
      client: new S3Client({ region: "us-east-1" }),
      now,
    });
    const until = new Date("2033-11-20T09:00:00.000Z");
    expect(r.retainUntil).toEqual(until);
    const sent = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(sent.map((i) => i.Key).sort()).toEqual([
      "itgc/daily/itgc-aws-111111111111-20261120T090000Z-abcd1234/bagit.txt",
      "itgc/daily/itgc-aws-111111111111-20261120T090000Z-abcd1234/data/results.json",
      "itgc/daily/itgc-aws-111111111111-20261120T090000Z-abcd1234/data/results/access.x.json",
    ]);
    for (const i of sent) {
      expect(i).toMatchObject({
        Bucket: "audit-evidence",
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: until,
        ChecksumAlgorithm: "SHA256",
      });
    }
    s3.restore();
  });

  it("a failed PutObject fails the upload", async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    await expect(
      uploadEvidence({
        path: bundle(),
        url: "s3://b",
        retainDays: 1,
        client: new S3Client({ region: "us-east-1" }),
      }),
    ).rejects.toThrow(/Access Denied/);
    s3.restore();
  });

  it("parses the URL, and the upload client refuses anything but PutObject among writes", async () => {
    expect(parseS3Url("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Url("s3://bucket/a/b/")).toEqual({ bucket: "bucket", prefix: "a/b" });
    const client = uploadClient({
      credentials: async () => ({ accessKeyId: "AKIAX", secretAccessKey: "x" }),
      bucket: "b",
    });
    await expect(client.send(new DeleteObjectCommand({ Bucket: "b", Key: "k" }))).rejects.toBeInstanceOf(
      ReadOnlyViolation,
    );
  });
});
