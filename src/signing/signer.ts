/**
 * Evidence signers: ECDSA P-256 with SHA-256, DER-encoded signatures (what `openssl dgst -sha256 -verify`
 * accepts). A signer may be a local PEM key, an AWS KMS key or a Cloud KMS key version; every signature is
 * verified locally against the signer's public key before it is used (fail closed).
 */
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";

export const SIGNING_ALGORITHM = "ECDSA_P256_SHA256";

export type SignerKind = "file" | "config" | "ephemeral" | "awskms" | "gcpkms";

export interface Signer {
  kind: SignerKind;
  /** How the key is named: a file path, `awskms:<arn>`, `gcpkms:<name>`, or a description. */
  keyRef: string;
  publicKey: KeyObject;
  /** DER ECDSA signature over SHA-256(data). */
  signRaw(data: Buffer): Promise<Buffer>;
}

/** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo (what `openssl pkey -pubin -outform DER | openssl dgst -sha256` prints). */
export function fingerprint(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("hex");
}

/** Accepts `SHA256:ab12…`, `ab:12:…` or plain hex; returns lowercase hex (or undefined when malformed). */
export function normaliseFingerprint(s: string): string | undefined {
  const hex = s
    .trim()
    .replace(/^SHA-?256[:=]?\s*/i, "")
    .replace(/[:\s]/g, "")
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ format: "pem", type: "spki" }).toString();
}

/** Throws unless the key is an EC key on P-256. */
export function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    throw new SigningError(
      `${what}: expected an ECDSA P-256 key, got ${key.asymmetricKeyType}${curve ? ` (${curve})` : ""}`,
    );
  }
}

export function parsePublicKey(pemOrDer: string | Buffer): KeyObject {
  const key =
    typeof pemOrDer === "string" || pemOrDer.subarray(0, 10).toString().startsWith("-----")
      ? createPublicKey(pemOrDer)
      : createPublicKey({ key: pemOrDer, format: "der", type: "spki" });
  return key;
}

export function verifySignature(publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}

export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningError";
  }
}

/** Signs and checks the signature against the signer's public key before returning it (fail closed). */
export async function signChecked(signer: Signer, data: Buffer): Promise<Buffer> {
  let sig: Buffer;
  try {
    sig = await signer.signRaw(data);
  } catch (e) {
    throw new SigningError(`signing with ${signer.keyRef} failed: ${(e as Error).message}`);
  }
  if (!verifySignature(signer.publicKey, data, sig))
    throw new SigningError(
      `the signature from ${signer.keyRef} does not verify against its public key (not ECDSA P-256/SHA-256 DER?): refusing to write it`,
    );
  return sig;
}
