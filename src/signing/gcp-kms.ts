/**
 * Signing with a Cloud KMS key version (`--sign-key gcpkms:projects/…/cryptoKeyVersions/N`), algorithm
 * EC_SIGN_P256_SHA256: `asymmetricSign` on the SHA-256 digest with its CRC32C, response checksums checked;
 * `getPublicKey` gives the PEM. The private key never leaves Cloud KMS. The client only ever calls these two
 * methods (there is no GCP read-only guard to route through yet: this module is the allow-list).
 */
import { createHash } from "node:crypto";
import { InputError } from "../core/errors.js";
import { crc32c } from "./crc32c.js";
import { assertP256, parsePublicKey, type Signer, SigningError } from "./signer.js";

const NAME =
  /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/;

type Int64 = number | string | { toString(): string } | null | undefined;

/** The two methods used, as @google-cloud/kms v5's KeyManagementServiceClient declares them. */
export interface GcpKmsClientLike {
  getPublicKey(req: {
    name: string;
  }): Promise<
    [{ pem?: string | null; algorithm?: unknown; pemCrc32c?: { value?: Int64 } | null }, ...unknown[]]
  >;
  asymmetricSign(req: { name: string; digest: { sha256: Buffer }; digestCrc32c: { value: number } }): Promise<
    [
      {
        signature?: Uint8Array | string | null;
        signatureCrc32c?: { value?: Int64 } | null;
        verifiedDigestCrc32c?: boolean | null;
        name?: string | null;
      },
      ...unknown[],
    ]
  >;
}

export function parseKeyVersionName(name: string): void {
  if (!NAME.test(name)) {
    throw new InputError({
      field: "--sign-key",
      message: `"gcpkms:${name}" is not a key version name (projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N)`,
    });
  }
}

async function defaultClient(): Promise<GcpKmsClientLike> {
  const { KeyManagementServiceClient } = await import("@google-cloud/kms");
  return new KeyManagementServiceClient() as unknown as GcpKmsClientLike;
}

export async function gcpKmsSigner(name: string, client?: GcpKmsClientLike): Promise<Signer> {
  parseKeyVersionName(name);
  const keyRef = `gcpkms:${name}`;
  const kms = client ?? (await defaultClient());
  let pem: string;
  try {
    const [pub] = await kms.getPublicKey({ name });
    if (
      pub.algorithm !== undefined &&
      pub.algorithm !== null &&
      String(pub.algorithm) !== "EC_SIGN_P256_SHA256" &&
      pub.algorithm !== 12
    )
      throw new SigningError(
        `${keyRef}: algorithm is ${String(pub.algorithm)}, expected EC_SIGN_P256_SHA256`,
      );
    if (!pub.pem) throw new SigningError(`${keyRef}: getPublicKey returned no PEM`);
    pem = pub.pem;
    const crc = pub.pemCrc32c?.value;
    if (crc !== undefined && crc !== null && Number(crc.toString()) !== crc32c(Buffer.from(pem)))
      throw new SigningError(`${keyRef}: public key CRC32C mismatch (corrupted in transit)`);
  } catch (e) {
    if (e instanceof SigningError) throw e;
    throw new SigningError(`${keyRef}: getPublicKey failed: ${(e as Error).message}`);
  }
  const publicKey = parsePublicKey(pem);
  assertP256(publicKey, keyRef);
  return {
    kind: "gcpkms",
    keyRef,
    publicKey,
    signRaw: async (data) => {
      const digest = createHash("sha256").update(data).digest();
      const [res] = await kms.asymmetricSign({
        name,
        digest: { sha256: digest },
        digestCrc32c: { value: crc32c(digest) },
      });
      if (res.verifiedDigestCrc32c !== true)
        throw new SigningError(`${keyRef}: Cloud KMS did not verify the digest checksum`);
      if (res.name && res.name !== name) throw new SigningError(`${keyRef}: answered for ${res.name}`);
      if (!res.signature) throw new SigningError(`${keyRef}: asymmetricSign returned no signature`);
      const sig =
        typeof res.signature === "string" ? Buffer.from(res.signature, "base64") : Buffer.from(res.signature);
      const crc = res.signatureCrc32c?.value;
      if (crc === undefined || crc === null || Number(crc.toString()) !== crc32c(sig))
        throw new SigningError(`${keyRef}: signature CRC32C mismatch (corrupted in transit)`);
      return sig;
    },
  };
}
