/**
 * KMS signers against stubbed clients that sign with a real local key (openssl pkeyutl signs the digest it
 * is given, as KMS does with MessageType DIGEST), so the DER format is checked for real.
 */
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetPublicKeyCommand, KMSClient, ScheduleKeyDeletionCommand, SignCommand } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { verifyBundle } from "../../src/evidence/verify.js";
import { buildBundle } from "../../src/evidence/write-bundle.js";
import { awsKmsSigner, guardedKmsClient } from "../../src/signing/aws-kms.js";
import { crc32c } from "../../src/signing/crc32c.js";
import { type GcpKmsClientLike, gcpKmsSigner } from "../../src/signing/gcp-kms.js";
import { fingerprint, SigningError } from "../../src/signing/signer.js";
import { FIXED_CLOCK, goldenOutcome, TEST_KEY, tempDir } from "./support.js";

const ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const VERSION = "projects/audit/locations/europe-west1/keyRings/itgc/cryptoKeys/evidence/cryptoKeyVersions/1";
const privateKey = createPrivateKey(spawnSync("cat", [TEST_KEY]).stdout);
const publicKey = createPublicKey(privateKey);

/** Signs a precomputed SHA-256 digest with the test key (DER), like KMS does. */
function signDigest(digest: Uint8Array): Buffer {
  const file = join(tempDir("itgc-dgst-"), "digest.bin");
  writeFileSync(file, digest);
  const r = spawnSync("openssl", ["pkeyutl", "-sign", "-inkey", TEST_KEY, "-in", file]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

describe("AWS KMS signer", () => {
  it("signs the digest (MessageType DIGEST, ECDSA_SHA_256) and the bundle verifies", async () => {
    const kms = mockClient(KMSClient);
    const digests: Buffer[] = [];
    kms.on(GetPublicKeyCommand, { KeyId: ARN }).resolves({
      KeyId: ARN,
      PublicKey: publicKey.export({ format: "der", type: "spki" }),
      KeySpec: "ECC_NIST_P256",
      KeyUsage: "SIGN_VERIFY",
      SigningAlgorithms: ["ECDSA_SHA_256"],
    });
    kms.on(SignCommand).callsFake((input) => {
      expect(input).toMatchObject({ KeyId: ARN, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" });
      digests.push(Buffer.from(input.Message));
      return { KeyId: ARN, Signature: signDigest(input.Message), SigningAlgorithm: "ECDSA_SHA_256" };
    });
    try {
      const signer = await awsKmsSigner(ARN, { client: new KMSClient({ region: "eu-west-1" }) });
      expect(signer.keyRef).toBe(`awskms:${ARN}`);
      const { files } = await buildBundle(goldenOutcome(), { signer, clock: FIXED_CLOCK, toolCommit: null });
      expect(digests[0]).toEqual(createHash("sha256").update(files.get("tagmanifest-sha256.txt")!).digest());
      const r = verifyBundle(
        { source: "kms", name: "kms", files, oddities: [] },
        { fingerprint: fingerprint(publicKey) },
      );
      expect(r.problems).toEqual([]);
      expect(JSON.parse(files.get("attestation/signer.json")!.toString()).keyRef).toBe(`awskms:${ARN}`);
    } finally {
      kms.restore();
    }
  });

  it("refuses a signature that is not DER over the digest (e.g. raw r||s) — nothing is written", async () => {
    const kms = mockClient(KMSClient);
    kms
      .on(GetPublicKeyCommand)
      .resolves({ PublicKey: publicKey.export({ format: "der", type: "spki" }), KeySpec: "ECC_NIST_P256" });
    kms.on(SignCommand).callsFake((input) => ({
      Signature: sign("sha256", Buffer.from(input.Message), { key: privateKey, dsaEncoding: "ieee-p1363" }),
    }));
    try {
      const signer = await awsKmsSigner(ARN, { client: new KMSClient({ region: "eu-west-1" }) });
      await expect(buildBundle(goldenOutcome(), { signer })).rejects.toBeInstanceOf(SigningError);
    } finally {
      kms.restore();
    }
  });

  it("refuses a key that is not ECC_NIST_P256", async () => {
    const kms = mockClient(KMSClient);
    kms
      .on(GetPublicKeyCommand)
      .resolves({ PublicKey: publicKey.export({ format: "der", type: "spki" }), KeySpec: "RSA_2048" });
    try {
      await expect(awsKmsSigner(ARN, { client: new KMSClient({ region: "eu-west-1" }) })).rejects.toThrow(
        /ECC_NIST_P256/,
      );
    } finally {
      kms.restore();
    }
  });

  it("the KMS client carries the read-only guard: a key deletion is refused before it is sent", async () => {
    const client = guardedKmsClient("eu-west-1", {
      credentials: async () => ({ accessKeyId: "AKIATEST", secretAccessKey: "x" }),
    });
    await expect(client.send(new ScheduleKeyDeletionCommand({ KeyId: ARN }))).rejects.toThrow(
      /refused KMS:ScheduleKeyDeletion/,
    );
  });

  it("rejects something that is not a KMS key ARN", async () => {
    await expect(awsKmsSigner("alias/evidence")).rejects.toThrow(/not a KMS key ARN/);
  });
});

describe("Google Cloud KMS signer", () => {
  function stub(opts: { corruptCrc?: boolean } = {}): GcpKmsClientLike & { requests: unknown[] } {
    const requests: unknown[] = [];
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    return {
      requests,
      async getPublicKey(req) {
        requests.push(req);
        return [
          { pem, algorithm: "EC_SIGN_P256_SHA256", pemCrc32c: { value: String(crc32c(Buffer.from(pem))) } },
        ];
      },
      async asymmetricSign(req) {
        requests.push(req);
        expect(req.digestCrc32c.value).toBe(crc32c(req.digest.sha256));
        const signature = signDigest(req.digest.sha256);
        return [
          {
            name: req.name,
            signature,
            signatureCrc32c: { value: String((crc32c(signature) ^ (opts.corruptCrc ? 1 : 0)) >>> 0) },
            verifiedDigestCrc32c: true,
          },
        ];
      },
    };
  }

  it("CRC32C of '123456789' is the Castagnoli check value", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
  });

  it("asymmetricSign on the digest with its CRC32C; the bundle verifies", async () => {
    const client = stub();
    const signer = await gcpKmsSigner(VERSION, client);
    const { files } = await buildBundle(goldenOutcome(), { signer, clock: FIXED_CLOCK, toolCommit: null });
    const r = verifyBundle(
      { source: "gcp", name: "gcp", files, oddities: [] },
      { fingerprint: fingerprint(publicKey) },
    );
    expect(r.problems).toEqual([]);
    expect(client.requests[1]).toMatchObject({ name: VERSION });
  });

  it("a response whose checksum does not match is refused", async () => {
    const signer = await gcpKmsSigner(VERSION, stub({ corruptCrc: true }));
    await expect(buildBundle(goldenOutcome(), { signer })).rejects.toThrow(/CRC32C/);
  });

  it("rejects a name that is not a cryptoKeyVersion", async () => {
    await expect(gcpKmsSigner("projects/p/locations/l/keyRings/r/cryptoKeys/k", stub())).rejects.toThrow(
      /not a key version name/,
    );
  });
});
