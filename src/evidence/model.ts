/**
 * What the reporters (HTML, CSV, JUnit, OSCAL, JSON) render: the same model whether it comes from a run that
 * is being written as a bundle or is read back from a bundle (`itgc-validate report`). Results are held in
 * their JSON form (timestamps as ISO strings), so a report rendered at run time and one re-exported from
 * the bundle years later are byte-identical.
 */

import { yaml } from "../controls/yaml-package.js";
import type { CallerIdentity } from "../core/provider.js";
import type { ControlResult, ScopeGap } from "../core/types.js";
import type { ResultsDocument, RunInfo } from "../report/results-document.js";
import type { SignerKind } from "../signing/signer.js";

export const BUNDLE_FORMAT = "itgc-validate/evidence-bundle@1";
export const CONTROL_RESULT_FORMAT = "itgc-validate/control-result@1";

export interface SigningStatus {
  signed: boolean;
  kind?: SignerKind;
  keyRef?: string;
  algorithm?: string;
  /** Lowercase hex SHA-256 of the public key's DER SPKI. */
  fingerprint?: string;
  /** One sentence for every report: who can vouch for this bundle. */
  statement: string;
}

/** data/run.json: the run info of the results document plus what a reviewer needs to re-perform. */
export interface RunJson extends RunInfo {
  format: typeof BUNDLE_FORMAT;
  /** The exact command line (argv after the program name, joined with shell quoting). */
  commandLine: string;
  /** Replay reads this to answer calls made before the region is known. */
  homeRegion?: string;
  callers: CallerIdentity[];
  scope: {
    covered: { provider: string; unit: string; name?: string; regions: string[] }[];
    skipped: ScopeGap[];
  };
  evidence: { signing: SigningStatus };
}

/** data/results/<control id>.json */
export interface ResultRecord extends ControlResult {
  format: typeof CONTROL_RESULT_FORMAT;
  counts: {
    population: number;
    pass: number;
    fail: number;
    error: number;
    not_applicable: number;
    /** Failed findings covered by an approved waiver (absent in bundles written before waivers existed). */
    waived?: number;
  };
  /** The workpaper conclusion in words. */
  conclusion: string;
}

export interface ControlText {
  id: string;
  title: string;
  objective: string;
  procedure: string;
  remediation: string;
  /** Path in the bundle, e.g. data/controls/access.aws-iam-console-mfa.yaml */
  file: string;
}

export interface EvidenceFile {
  /** Path from the bag root (data/…). */
  path: string;
  sha256: string;
  size: number;
}

export interface BundleModel {
  name: string;
  run: RunJson;
  document: ResultsDocument;
  results: ResultRecord[];
  controls: ControlText[];
  signing: SigningStatus;
  /** Payload files written before the report being rendered (the report cannot list its own hash). */
  files: EvidenceFile[];
}

export function conclusionOf(r: ControlResult): string {
  // An inherited grant is one item; the per-project count is stated beside it so both reconcile.
  const scoped =
    r.scopedPopulation !== undefined
      ? ` (${r.scopedPopulation} when each inherited grant is counted once per project it reaches)`
      : "";
  switch (r.status) {
    case "pass":
      if (r.waived)
        return `No unwaived exceptions: ${r.waived} exception(s) in a population of ${r.population} are covered by approved, unexpired waivers (listed with each finding); every other item met the control.`;
      return r.population === 0
        ? "No exceptions noted: the population is empty (the control defines an empty population as a pass)."
        : `No exceptions noted: all ${r.population} item(s) of the population${scoped} met the control.`;
    case "fail":
      return `Exceptions noted: ${r.exceptions} exception(s) in a population of ${r.population}${scoped}.`;
    case "error":
      return `Not concluded: the control could not be evaluated${r.reason ? ` (${r.reason})` : ""}. The evidence is incomplete; this is not a pass.`;
    case "not_applicable":
      return `Not applicable${r.reason ? `: ${r.reason}` : "."}`;
  }
}

export function countsOf(r: ControlResult): ResultRecord["counts"] {
  const counts = { population: r.population, pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
  // A population written out during the run keeps its counts (engine/population-store.ts).
  if (r.stored) {
    for (const k of ["pass", "fail", "error", "not_applicable", "waived"] as const)
      counts[k] = r.stored.counts[k];
    return counts;
  }
  for (const f of r.findings) counts[f.status]++;
  return counts;
}

export function toResultRecord(r: ControlResult): ResultRecord {
  const json = JSON.parse(JSON.stringify(r)) as ControlResult;
  return { format: CONTROL_RESULT_FORMAT, ...json, counts: countsOf(r), conclusion: conclusionOf(r) };
}

/**
 * data/results/<id>.json before serialisation: `toResultRecord` without the JSON copy of the result (its
 * items and findings are the run's own objects). `JSON.stringify` / `jsonPieces` of it give the text of
 * `toResultRecord`'s, without a second copy of a 100,000-item population in memory.
 */
export function resultRecordOf(r: ControlResult): ResultRecord {
  return { format: CONTROL_RESULT_FORMAT, ...r, counts: countsOf(r), conclusion: conclusionOf(r) };
}

/**
 * A result's record without its items and findings (counts and conclusion still from all of them): what
 * the reports need of a control besides its findings, which the bundle writer hands them one at a time.
 */
export function resultHeaderOf(r: ControlResult): ResultRecord {
  return { ...toResultRecord({ ...r, findings: [], items: [] }), counts: countsOf(r) };
}

export function controlText(id: string, yamlText: string, file: string): ControlText {
  let raw: Record<string, unknown> = {};
  try {
    raw = (yaml().parse(yamlText) as Record<string, unknown>) ?? {};
  } catch {
    raw = {};
  }
  const s = (k: string) => (raw[k] === undefined ? "" : String(raw[k]).trim());
  return {
    id,
    title: s("title"),
    objective: s("objective"),
    procedure: s("procedure"),
    remediation: s("remediation"),
    file,
  };
}

/** POSIX shell quoting, so the command line in run.json can be pasted back into a shell. */
export function shellJoin(argv: string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(" ");
}
