/** Turns `--sign-key` / `--no-sign` / the demo's throw-away key into a Signer (or none). */
import { InputError } from "../core/errors.js";
import { configSigner, ephemeralSigner, fileSigner } from "./local-key.js";
import type { Signer } from "./signer.js";

export interface SignerChoice {
  signKey?: string;
  /** false with --no-sign. */
  sign?: boolean;
  /** The demo: without --sign-key, a key that lives only for this process. */
  throwaway?: boolean;
  profile?: string;
  /** Where notices (a new key's fingerprint, the demo key) are written; stderr by default. */
  notice?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function resolveSigner(c: SignerChoice): Promise<Signer | null> {
  const notice = c.notice ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (c.sign === false) {
    if (c.signKey) throw new InputError("--sign-key and --no-sign contradict each other");
    notice("itgc-validate: --no-sign: the evidence bundle will NOT be signed, and says so in every report.");
    return null;
  }
  const ref = c.signKey;
  if (ref?.startsWith("awskms:")) {
    const { awsKmsSigner } = await import("./aws-kms.js");
    return awsKmsSigner(ref.slice("awskms:".length), { profile: c.profile });
  }
  if (ref?.startsWith("gcpkms:")) {
    const { gcpKmsSigner } = await import("./gcp-kms.js");
    return gcpKmsSigner(ref.slice("gcpkms:".length));
  }
  if (ref) return fileSigner(ref);
  if (c.throwaway) {
    notice(
      "itgc-validate: demo: signing with a throw-away key generated for this run (it proves the bundle is intact, not who made it; use --sign-key for a key of record).",
    );
    return ephemeralSigner();
  }
  return configSigner((file, fp) => {
    notice(`itgc-validate: created a signing key at ${file} (mode 0600).`);
    notice(`itgc-validate: its public key fingerprint is SHA256:${fp}`);
    notice(
      "itgc-validate: record this fingerprint outside the bundle (e.g. in the workpaper) to verify bundles against it.",
    );
  }, c.env);
}
