/** `itgc-validate keygen` — a new ECDSA P-256 signing key (PEM PKCS#8, mode 0600); prints its fingerprint. */
import { Command } from "commander";

export function keygenCommand(): Command {
  return new Command("keygen")
    .description(
      "Create an ECDSA P-256 private key for signing evidence bundles (PEM PKCS#8, file mode 0600).\n" +
        "Record the printed fingerprint outside the bundles (e.g. in the audit file) to verify them against it.",
    )
    .option("--out <file>", "where to write the private key", "itgc-signing-key.pem")
    .action(async (flags: { out: string }) => {
      const { writeNewKey } = await import("../../signing/local-key.js");
      const { fingerprint } = writeNewKey(flags.out);
      process.stdout.write(
        `Private key written to ${flags.out} (mode 0600). Keep it secret.\n` +
          `Public key fingerprint (SHA-256 of DER SubjectPublicKeyInfo):\nSHA256:${fingerprint}\n`,
      );
    });
}
