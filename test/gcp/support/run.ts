/** Runs GCP controls on a recording built from an organization model, exactly as `run --replay` would. */

import { demoModel, type GcpOrgModel, gcpDemoCalls } from "../../../fixtures/gcp/demo-src/index.js";
import { RECORDED_AT } from "../../../fixtures/gcp/demo-src/model.js";
import { finaliseGcp } from "../../../fixtures/lib/gcp.js";
import { gcpRuntimeFrom } from "../../../src/cli/options/gcp.js";
import { executeRun, type RunOutcome } from "../../../src/engine/execute-run.js";
import type { ParamOverrides } from "../../../src/engine/params.js";

export { demoModel, type GcpOrgModel };

export async function runGcp(o: {
  controls: string[];
  model?: GcpOrgModel;
  params?: ParamOverrides;
}): Promise<RunOutcome> {
  return executeRun({
    filter: { control: o.controls, provider: ["gcp"] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: RECORDED_AT },
      calls: finaliseGcp(gcpDemoCalls(o.model ?? demoModel()), RECORDED_AT),
    },
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}) },
    overrides: o.params,
  });
}

export function result(outcome: RunOutcome, id: string) {
  const r = outcome.results.find((x) => x.id === id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}

/**
 * "account resource" of every failed finding, sorted; an inherited grant (reported once at its grant point)
 * adds "← projects it reaches".
 */
export function exceptions(outcome: RunOutcome, id: string): string[] {
  return result(outcome, id)
    .findings.filter((f) => f.status === "fail")
    .map((f) => `${f.account} ${f.resource}${f.reaches ? ` ← ${f.reaches.join(" ")}` : ""}`)
    .sort();
}
