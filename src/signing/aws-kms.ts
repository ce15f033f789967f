/**
 * Signing with an AWS KMS key (`--sign-key awskms:<key arn>`): KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY.
 * KMS signs the SHA-256 digest (MessageType DIGEST: RAW messages are capped at 4096 bytes) with
 * ECDSA_SHA_256 and returns a DER signature; the private key never leaves KMS.
 *
 * The client carries the tool's allow-list guard (readOnlyGuard, src/providers/aws/read-only.ts) with exactly
 * GetPublicKey and Sign (which changes nothing): nothing else can be sent. This module and gcp-kms.ts are the only
 * cloud SDK users outside src/providers and src/queries: they sign evidence, they do not test controls.
 */
import { createHash } from "node:crypto";
import type { GetPublicKeyCommandOutput } from "@aws-sdk/client-kms";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { InputError } from "../core/errors.js";
import { readOnlyGuard } from "../providers/aws/middleware.js";
import { OperationAllowList } from "../providers/aws/read-only.js";
import { GetPublicKeyCommand, KMSClient, SignCommand } from "../providers/aws/sdk/client-kms.js";
import { assertP256, parsePublicKey, type Signer, SigningError } from "./signer.js";

const ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/[A-Za-z0-9/_-]+$/;

export interface AwsKmsOptions {
  /** Overrides the client (tests: a client stubbed with aws-sdk-client-mock works too). */
  client?: KMSClient;
  credentials?: AwsCredentialIdentityProvider;
  profile?: string;
}

export function parseKmsArn(arn: string): { region: string } {
  const m = ARN.exec(arn);
  if (!m) {
    throw new InputError({
      field: "--sign-key",
      message: `"awskms:${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>)`,
    });
  }
  return { region: m[1]! };
}

/** The only operations the signing client sends. */
export const SIGNING_OPERATIONS = new OperationAllowList(["KMS:GetPublicKey", "KMS:Sign"]);

/** A KMS client that refuses everything but reads and the allow-listed Sign, before anything is sent. */
export function guardedKmsClient(region: string, opts: AwsKmsOptions = {}): KMSClient {
  const client = new KMSClient({
    region,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
  });
  client.middlewareStack.use(readOnlyGuard(SIGNING_OPERATIONS));
  return client;
}

export async function awsKmsSigner(keyArn: string, opts: AwsKmsOptions = {}): Promise<Signer> {
  const { region } = parseKmsArn(keyArn);
  const client = opts.client ?? guardedKmsClient(region, opts);
  const keyRef = `awskms:${keyArn}`;
  let pub: GetPublicKeyCommandOutput;
  try {
    pub = await client.send(new GetPublicKeyCommand({ KeyId: keyArn }));
  } catch (e) {
    throw new SigningError(`${keyRef}: GetPublicKey failed: ${(e as Error).message}`);
  }
  if (pub.KeySpec && pub.KeySpec !== "ECC_NIST_P256")
    throw new SigningError(`${keyRef}: key spec is ${pub.KeySpec}, expected ECC_NIST_P256`);
  if (pub.KeyUsage && pub.KeyUsage !== "SIGN_VERIFY")
    throw new SigningError(`${keyRef}: key usage is ${pub.KeyUsage}, expected SIGN_VERIFY`);
  if (pub.SigningAlgorithms && !pub.SigningAlgorithms.includes("ECDSA_SHA_256"))
    throw new SigningError(`${keyRef}: key does not support ECDSA_SHA_256`);
  if (!pub.PublicKey) throw new SigningError(`${keyRef}: GetPublicKey returned no public key`);
  const publicKey = parsePublicKey(Buffer.from(pub.PublicKey));
  assertP256(publicKey, keyRef);
  return {
    kind: "awskms",
    keyRef,
    publicKey,
    signRaw: async (data) => {
      const digest = createHash("sha256").update(data).digest();
      const out = await client.send(
        new SignCommand({
          KeyId: keyArn,
          Message: digest,
          MessageType: "DIGEST",
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      if (!out.Signature) throw new SigningError(`${keyRef}: Sign returned no signature`);
      return Buffer.from(out.Signature);
    },
  };
}
