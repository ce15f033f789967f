import { Sha256Node } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { RunSha256 } from "../../src/providers/aws/sha256.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

async function both(secret: string | Uint8Array | undefined, parts: (string | Uint8Array)[]) {
  const a = new Sha256Node(secret);
  const b = new RunSha256(secret);
  for (const p of parts) {
    a.update(typeof p === "string" ? Buffer.from(p) : p);
    b.update(p);
  }
  return [hex(await a.digest()), hex(await b.digest())];
}

describe("RunSha256 (the run's SigV4 hash)", () => {
  it("gives the SDK's digests: plain, several updates, string and byte keys, repeated string keys", async () => {
    for (const [secret, parts] of [
      [undefined, [""]],
      [undefined, ['{"MaxResults":50,"NextToken":"abc"}']],
      [undefined, ["a", new Uint8Array([1, 2, 3]), "é"]],
      ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["AKIDEXAMPLE"]],
      ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["AKIDEXAMPLE"]],
      ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["AKIDOTHER"]],
      ["another-secret", ["AKIDEXAMPLE"]],
      [new Uint8Array(32).fill(7), ["AWS4-HMAC-SHA256\n20261202T000000Z"]],
    ] as [string | Uint8Array | undefined, string[]][]) {
      const [sdk, ours] = await both(secret, parts);
      expect(ours).toBe(sdk);
    }
  });

  it("a remembered HMAC's digest cannot be altered through a returned copy", async () => {
    const first = await new RunSha256("k").digest();
    first.fill(0);
    const h = new RunSha256("k");
    expect(hex(await h.digest())).toBe(hex(await new Sha256Node("k").digest()));
  });

  it("signs a LookupEvents request exactly as the SDK's own hash does, request after request", async () => {
    const credentials = {
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      sessionToken: "tok",
    };
    const signer = (sha256: unknown) =>
      new SignatureV4({ credentials, region: "eu-west-1", service: "cloudtrail", sha256: sha256 as never });
    const sdk = signer(Sha256Node);
    const ours = signer(RunSha256);
    for (const token of ["", "page-2", "page-3"]) {
      const request = () => ({
        method: "POST",
        protocol: "https:",
        hostname: "cloudtrail.eu-west-1.amazonaws.com",
        path: "/",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "CloudTrail_20131101.LookupEvents",
          host: "cloudtrail.eu-west-1.amazonaws.com",
        },
        body: JSON.stringify({ MaxResults: 50, ...(token ? { NextToken: token } : {}) }),
      });
      const signingDate = new Date("2026-12-02T15:00:00Z");
      const a = await sdk.sign(request() as never, { signingDate });
      const b = await ours.sign(request() as never, { signingDate });
      expect(b.headers.authorization).toBe(a.headers.authorization);
      expect(b.headers.authorization).toMatch(/Signature=[0-9a-f]{64}$/);
    }
  });
});
