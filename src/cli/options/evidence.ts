/**
 * Evidence flags of `run` / `demo` and writing the bundle after a run. Every run writes one signed
 * evidence bundle (default ./evidence/); the signer is resolved before the run starts, so a bad key fails
 * fast (exit 2) instead of after an hour of API calls, and a bundle that cannot be signed is not written.
 */
import type { Command } from "commander";
import type { RunOutcome } from "../../engine/execute-run.js";
import type { Signer } from "../../signing/signer.js";

export const DEFAULT_OUT = "evidence";

export function addEvidenceOptions(cmd: Command): Command {
  return cmd
    .option("--out <dir>", `write the evidence bundle under this directory (default: ./${DEFAULT_OUT}/)`)
    .option("--archive", "write the bundle as a single <name>.tar.gz instead of a directory")
    .option(
      "--sign-key <key>",
      "sign with: a PEM private key file, awskms:<key arn>, or gcpkms:<cryptoKeyVersion name> (default: your key in $XDG_CONFIG_HOME/itgc-validate/, created on first use)",
    )
    .option("--no-sign", "write an UNSIGNED bundle (it says so in every report)");
}

export interface EvidenceFlags {
  out?: string;
  archive?: boolean;
  signKey?: string;
  /** false with --no-sign. */
  sign?: boolean;
  /** The demo signs with a throw-away key unless --sign-key is given. */
  throwawayKey?: boolean;
  profile?: string;
}

export interface PreparedEvidence {
  signer: Signer | null;
  /** The tool's git commit, asked of git in a child process while the run runs (evidence/tool-commit.ts). */
  toolCommit?: Promise<string | undefined>;
}

/** Resolves the signer before the run (fail fast on an unusable key) and starts asking git for the commit. */
export async function prepareEvidence(flags: EvidenceFlags): Promise<PreparedEvidence> {
  const { detectToolCommitSoon } = await import("../../evidence/tool-commit.js");
  const toolCommit = detectToolCommitSoon();
  const { resolveSigner } = await import("../../signing/resolve.js");
  const { notice } = await import("../log.js");
  return {
    toolCommit,
    signer: await resolveSigner({
      signKey: flags.signKey,
      sign: flags.sign,
      throwaway: flags.throwawayKey,
      profile: flags.profile,
      notice,
    }),
  };
}

/** Writes the run's bundle; returns its path (directory or .tar.gz), for the closing message. */
export async function writeEvidence(
  flags: EvidenceFlags,
  outcome: RunOutcome,
  prepared?: PreparedEvidence,
): Promise<string | undefined> {
  const { signer, toolCommit } = prepared ?? (await prepareEvidence(flags));
  // The bundle writer brings every report renderer: loaded only once there is a run to write.
  const { writeBundle } = await import("../../evidence/write-bundle.js");
  const written = await writeBundle(outcome, {
    outDir: flags.out ?? DEFAULT_OUT,
    signer,
    archive: flags.archive,
    // null: git found none (as the synchronous detection would have); undefined: ask now.
    toolCommit: toolCommit ? ((await toolCommit) ?? null) : undefined,
  });
  return written.path;
}
