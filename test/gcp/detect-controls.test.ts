/**
 * The GCP detective pack (organization-policy baseline; service-account keys, Cloud KMS key access and
 * workload identity federation when present): a fail case with the exact resources flagged, a pass case and an
 * error case (a denied call is `error` for that project only, never `pass`).
 */
import { describe, expect, it } from "vitest";
import { demoModel, exceptions, type GcpOrgModel, result, runGcp } from "./support/run.js";

function variant(change: (m: GcpOrgModel) => void): GcpOrgModel {
  const m = demoModel();
  change(m);
  return m;
}

describe("organization-policy baseline", () => {
  const upload = "change-management.gcp-org-policy-disable-sa-key-upload";
  const grants = "change-management.gcp-org-policy-no-default-sa-grants";
  const pap = "change-management.gcp-org-policy-storage-public-access-prevention";
  const readable = variant((m) => {
    m.orgPolicyDenied = [];
  });

  it("fail: the sandbox has no rules for any; acme-shared-ci resets public access prevention", async () => {
    const out = await runGcp({ controls: [upload, grants, pap], model: readable });
    expect(exceptions(out, upload)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/iam.disableServiceAccountKeyUpload",
    ]);
    expect(exceptions(out, grants)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/iam.automaticIamGrantsForDefaultServiceAccounts",
    ]);
    expect(exceptions(out, pap)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/storage.publicAccessPrevention",
      "acme-shared-ci projects/300000000004/policies/storage.publicAccessPrevention",
    ]);
  });

  it("pass: every project enforces the three constraints", async () => {
    const m = variant((x) => {
      x.orgPolicyDenied = [];
      for (const p of x.projects) {
        for (const c of x.BASELINE_CONSTRAINTS) {
          const name = `${p.name}/policies/${c}`;
          x.orgPolicies[name] = {
            name,
            spec: { etag: "", rules: [{ enforce: true }], inheritFromParent: false, reset: false },
          };
        }
      }
    });
    const out = await runGcp({ controls: [upload, grants, pap], model: m });
    for (const id of [upload, grants, pap]) expect(result(out, id).status, id).toBe("pass");
  });

  it("a conditional rule is not enforcement", async () => {
    const m = variant((x) => {
      x.orgPolicyDenied = [];
      const name = `projects/300000000001/policies/iam.disableServiceAccountKeyUpload`;
      x.orgPolicies[name] = {
        name,
        spec: {
          etag: "",
          rules: [{ enforce: true, condition: { expression: "resource.matchTag('123/env', 'prod')" } }],
          inheritFromParent: false,
          reset: false,
        } as never,
      };
    });
    expect(exceptions(await runGcp({ controls: [upload], model: m }), upload)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/iam.disableServiceAccountKeyUpload",
      "acme-prod-payments projects/300000000001/policies/iam.disableServiceAccountKeyUpload",
    ]);
  });

  it("error: PERMISSION_DENIED on the sandbox (the demo) is error for that project only", async () => {
    const out = await runGcp({ controls: [upload, grants, pap] });
    for (const id of [upload, grants, pap]) {
      const r = result(out, id);
      expect(r.status, id).toBe("error");
      expect(r.errors.map((e) => e.account)).toEqual(["acme-dev-sandbox"]);
      expect(r.errors[0]!.message).toMatch(/PERMISSION_DENIED/);
      expect(r.findings.map((f) => f.account).sort()).toEqual([
        "acme-prod-payments",
        "acme-prod-web",
        "acme-shared-ci",
      ]);
    }
    expect(exceptions(out, pap)).toEqual([
      "acme-shared-ci projects/300000000004/policies/storage.publicAccessPrevention",
    ]);
  });
});
