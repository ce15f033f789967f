/** `itgc-validate verify BUNDLE` — exit 0 verified, 1 a check failed (each offending file named), 2 unusable input. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { InputError } from "../../core/errors.js";
import type { parsePublicKey as ParsePublicKey } from "../../signing/signer.js";

export function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "Verify an evidence bundle (directory or .tar.gz): the signature over the tag manifest, the DSSE\n" +
        "envelope, every hash in both manifests, no file missing or extra, Payload-Oxum.\n" +
        "Exit codes: 0 verified, 1 a check failed (the files are named), 2 unusable input.",
    )
    .argument("<bundle>", "bundle directory or .tar.gz")
    .option("--key <pub.pem>", "the signer's public key as recorded outside the bundle")
    .option("--fingerprint <sha256>", "the signer's public key fingerprint as recorded outside the bundle")
    .option("--json", "print the verification report as JSON")
    .action(async (bundle: string, flags: { key?: string; fingerprint?: string; json?: boolean }) => {
      const { readBundle, UnusableBundle } = await import("../../evidence/files.js");
      const { renderVerifyReport, verifyBundle } = await import("../../evidence/verify.js");
      const { normaliseFingerprint, parsePublicKey } = await import("../../signing/signer.js");
      if (flags.key && flags.fingerprint) throw new InputError("give --key or --fingerprint, not both");
      let key: ReturnType<typeof ParsePublicKey> | undefined;
      if (flags.key) {
        try {
          key = parsePublicKey(readFileSync(flags.key, "utf8"));
        } catch (e) {
          throw new InputError({ file: flags.key, message: `not a PEM public key: ${(e as Error).message}` });
        }
      }
      const fingerprint = flags.fingerprint ? normaliseFingerprint(flags.fingerprint) : undefined;
      if (flags.fingerprint && !fingerprint)
        throw new InputError({
          field: "--fingerprint",
          message: "expected 64 hex digits (optionally SHA256: or colon-separated)",
        });
      let files: ReturnType<typeof readBundle>;
      try {
        files = readBundle(bundle);
      } catch (e) {
        if (e instanceof UnusableBundle) throw new InputError(e.message);
        throw e;
      }
      const report = verifyBundle(files, { key, fingerprint });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderVerifyReport(report));
      process.exitCode = report.ok ? 0 : 1;
    });
}
