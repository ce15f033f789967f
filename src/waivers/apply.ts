/**
 * Applies waivers to evaluated results. Pure: the same results, waivers and evaluation time give the same
 * output, which is what lets `reperform` re-apply a bundle's own waivers file years later.
 *
 * The rule (docs/waivers.md):
 *  - A waiver is *active* when it has an approver different from its requester (compared case-insensitively),
 *    was approved on or before the evaluation time, and has not expired (a date-only `expires` lasts to the
 *    end of that day, UTC). Otherwise it is reported as `expired`, `pending` (no approver, or approved after
 *    the evaluation time) or `invalid` (approver = requester), and changes nothing.
 *  - An active waiver turns a `fail` finding of its control whose resource matches (exactly, or as a glob;
 *    optionally only in one account) into `waived`. `error` findings are never waived: an error means the
 *    evidence is missing, and no one can accept a risk nobody could see.
 *  - A control's status is then recomputed: still `error` when anything was `error`; `fail` while at least one
 *    failed finding is left (or the control failed without findings, e.g. an empty population that must not
 *    be empty); `pass` when every exception is waived — with the waived count and the waivers in the result,
 *    so the report says "pass, N waived". The exit code follows the statuses as usual (so 0 in that case).
 *  - An active waiver that matched no finding is reported as `stale`, so waivers do not outlive their cause.
 */
import type { ControlResult, Finding, WaiverRef } from "../core/types.js";
import type { Waiver, WaiverSet } from "./load.js";

export type WaiverState = "applied" | "stale" | "expired" | "pending" | "invalid";

export interface WaiverOutcome {
  index: number;
  where: string;
  control: string;
  resource: string;
  ticket: string;
  state: WaiverState;
  /** Why it did not apply, for every state but `applied`. */
  note?: string;
  /** Findings it waived. */
  matched: number;
}

/** What run.json records about the waivers of a run (the file itself is data/waivers.yaml). */
export interface WaiverReport {
  file: string;
  sha256: string;
  evaluatedAt: string;
  waivers: WaiverOutcome[];
  counts: Record<WaiverState, number>;
  findingsWaived: number;
}

/** Converts a glob (`*`, `?`) to an anchored regular expression; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

/** End of the validity of a date or datetime: a bare YYYY-MM-DD is valid through that whole day (UTC). */
function endOf(text: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T23:59:59.999Z`) : Date.parse(text);
}

function stateOf(w: Waiver, now: Date): { state: WaiverState; note?: string } {
  if (!w.approved_by) return { state: "pending", note: "not approved (no approved_by)" };
  if (w.approved_by.trim().toLowerCase() === w.requested_by.trim().toLowerCase())
    return { state: "invalid", note: `approved by its own requester (${w.requested_by})` };
  if (!w.approved_on) return { state: "pending", note: "no approval date (approved_on)" };
  if (Date.parse(w.approved_on) > now.getTime())
    return { state: "pending", note: `approved on ${w.approved_on}, after the evaluation time` };
  if (endOf(w.expires) < now.getTime()) return { state: "expired", note: `expired on ${w.expires}` };
  return { state: "applied" };
}

function refOf(w: Waiver): WaiverRef {
  return {
    index: w.index,
    ticket: w.ticket,
    reason: w.reason,
    requested_by: w.requested_by,
    approved_by: w.approved_by ?? "",
    approved_on: w.approved_on ?? "",
    expires: w.expires,
  };
}

export function applyWaivers(
  results: ControlResult[],
  set: WaiverSet,
  now: Date,
  sha256: string,
): { results: ControlResult[]; report: WaiverReport } {
  const matcher = new WaiverMatcher(set, now);
  return { results: results.map((r) => matcher.apply(r)), report: matcher.report(sha256) };
}

/**
 * The waivers of a run, matched finding by finding, counting each waiver's matches across the run (for the
 * stale-waiver report). `applyWaivers` applies them to finished results; a run whose populations go to
 * disk as they are evaluated (engine/population-store.ts) applies `forControl` to each finding as it is
 * written, and the evaluation then recomputes the status from the counts (`recomputeWaived`). Either way
 * each finding meets the same rule once, so the report and the results are the same.
 */
export class WaiverMatcher {
  private readonly states: { w: Waiver; state: WaiverState; note?: string; re: RegExp; matched: number }[];

  constructor(
    private readonly set: WaiverSet,
    private readonly now: Date,
  ) {
    this.states = set.waivers.map((w) => ({
      w,
      ...stateOf(w, now),
      re: globToRegExp(w.resource),
      matched: 0,
    }));
  }

  /** The finding as the control's active waivers leave it; undefined when the control has none. */
  forControl(control: string): ((f: Finding) => Finding) | undefined {
    const active = this.states.filter((s) => s.state === "applied" && s.w.control === control);
    if (active.length === 0) return undefined;
    return (f) => {
      if (f.status !== "fail") return f;
      // The first matching waiver in file order covers the finding (deterministic).
      const s = active.find((a) => a.re.test(f.resource) && (!a.w.account || a.w.account === f.account));
      if (!s) return f;
      s.matched++;
      return { ...f, status: "waived", waiver: refOf(s.w) };
    };
  }

  /** A finished result (its findings in memory) with the waivers applied. */
  apply(r: ControlResult): ControlResult {
    const waive = this.forControl(r.id);
    if (!waive) return r;
    let waived = 0;
    const findings: Finding[] = r.findings.map((f) => {
      const out = waive(f);
      if (out !== f) waived++;
      return out;
    });
    if (waived === 0) return r;
    return recomputeWaived(
      { ...r, findings },
      {
        waived,
        fails: findings.filter((f) => f.status === "fail").length,
        errorFindings: findings.filter((f) => f.status === "error").length,
      },
    );
  }

  /** What run.json records: each waiver's state and matches so far (call once every finding was seen). */
  report(sha256: string): WaiverReport {
    const waivers: WaiverOutcome[] = this.states.map((s) => {
      const state: WaiverState = s.state === "applied" && s.matched === 0 ? "stale" : s.state;
      return {
        index: s.w.index,
        where: s.w.where,
        control: s.w.control,
        resource: s.w.resource,
        ticket: s.w.ticket,
        state,
        ...(state === "stale"
          ? { note: "matched no failed finding: remove it, or check the control id and resource" }
          : s.note
            ? { note: s.note }
            : {}),
        matched: s.matched,
      };
    });
    const counts: Record<WaiverState, number> = { applied: 0, stale: 0, expired: 0, pending: 0, invalid: 0 };
    for (const w of waivers) counts[w.state]++;
    return {
      file: this.set.file.split(/[\\/]/).pop() ?? this.set.file,
      sha256,
      evaluatedAt: this.now.toISOString(),
      waivers,
      counts,
      findingsWaived: waivers.reduce((n, w) => n + w.matched, 0),
    };
  }
}

/**
 * A control's status once `waived` of its failed findings are waived (at least one): `fails` failed
 * findings are left, `errorFindings` are errors.
 */
export function recomputeWaived(
  r: ControlResult,
  counts: { waived: number; fails: number; errorFindings: number },
): ControlResult {
  const { waived, fails: exceptions } = counts;
  const hasError = r.status === "error" || counts.errorFindings > 0;
  let status = r.status;
  let reason = r.reason;
  if (!hasError && exceptions === 0 && r.status === "fail") {
    status = "pass";
    reason = `${waived} exception(s) covered by approved waivers`;
  }
  return { ...r, status, reason, exceptions, waived };
}
