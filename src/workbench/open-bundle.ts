/**
 * Opens a bundle for the auditor's workbench (`sql`, `diff`, `report --format xlsx`): read it, verify it the
 * way `verify` does, and refuse it when a check fails — analytics over evidence that does not verify would
 * launder tampered data into a workpaper. `--unverified` opens it anyway and every output says so.
 */
import { InputError } from "../core/errors.js";
import { type BundleFiles, readBundle, UnusableBundle } from "../evidence/files.js";
import type { BundleModel } from "../evidence/model.js";
import { readModel } from "../evidence/read-model.js";
import { type VerifyReport, verifyBundle } from "../evidence/verify.js";

export interface OpenedBundle {
  path: string;
  files: BundleFiles;
  model: BundleModel;
  verification: VerifyReport;
  /** False only when opened with allowUnverified and a check failed. */
  verified: boolean;
}

export function openBundle(path: string, opts: { allowUnverified?: boolean } = {}): OpenedBundle {
  let files: BundleFiles;
  try {
    files = readBundle(path);
  } catch (e) {
    if (e instanceof UnusableBundle) throw new InputError(e.message);
    throw e;
  }
  const verification = verifyBundle(files);
  if (!verification.ok && !opts.allowUnverified) {
    const first = verification.problems
      .slice(0, 5)
      .map((p) => `  ${p.file}: ${p.message}`)
      .join("\n");
    throw new InputError(
      `${path}: the bundle does not verify (${verification.problems.length} problem(s)); refusing to use it.\n${first}\n` +
        "Run `itgc-validate verify` for the full report, or pass --unverified to use it anyway (every output is then stamped UNVERIFIED).",
    );
  }
  let model: BundleModel;
  try {
    model = readModel(files);
  } catch (e) {
    if (e instanceof UnusableBundle) throw new InputError(e.message);
    throw e;
  }
  return { path, files, model, verification, verified: verification.ok };
}

/** The line every output of an unverified bundle starts with. */
export function unverifiedStamp(b: OpenedBundle): string | undefined {
  return b.verified
    ? undefined
    : `UNVERIFIED: ${b.path} does not verify (${b.verification.problems.length} problem(s)); these results are not evidence.`;
}
