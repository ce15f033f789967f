/**
 * Turns `--sign-key` / `--no-sign` / the demo's throw-away key into a Signer (or none).
 *
 * ITGC_SIGN_KEY is the default for --sign-key (a scheduled job's key of record, e.g. awskms:<arn>).
 * ITGC_REQUIRE_SIGN_KEY=1 (set by the container image) refuses to create the per-user key: a key minted in a
 * container dies with it, so nobody could later check a bundle against a fingerprint of record.
 */
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
  const notice = c.notice ?? ((l: string) => process.stderr.write(`itgc-validate: ${l}\n`));
  if (c.sign === false) {
    if (c.signKey) throw new InputError("--sign-key and --no-sign contradict each other");
    notice("--no-sign: the evidence bundle will NOT be signed, and says so in every report.");
    return null;
  }
  const env = c.env ?? process.env;
  const ref = c.signKey ?? (env.ITGC_SIGN_KEY?.trim() || undefined);
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
      "demo: signing with a throw-away key generated for this run (it proves the bundle is intact, not who made it; use --sign-key for a key of record).",
    );
    return ephemeralSigner();
  }
  if (isSet(env.ITGC_REQUIRE_SIGN_KEY))
    throw new InputError(
      "no signing key of record: give --sign-key (awskms:<key arn>, gcpkms:<cryptoKeyVersion name> or a " +
        "mounted PEM file) or ITGC_SIGN_KEY, or --no-sign for an unsigned bundle. ITGC_REQUIRE_SIGN_KEY is " +
        "set (the container image sets it) because a key created here would be lost with the container.",
    );
  return configSigner((file, fp) => {
    notice(`created a signing key at ${file} (mode 0600).`);
    notice(`its public key fingerprint is SHA256:${fp}`);
    notice(
      "record this fingerprint outside the bundle (e.g. in the workpaper) to verify bundles against it.",
    );
  }, c.env);
}

function isSet(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}
