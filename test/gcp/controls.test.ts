/**
 * Every GCP control on the demo organization and on variants of it: a fail case (the seeded exceptions,
 * exactly), a pass case (the exceptions removed or approved through params) and an error case (a denied or
 * unrecorded call: the control is `error`, never `pass`).
 */
import { describe, expect, it } from "vitest";
import { gcpDemoCalls } from "../../fixtures/gcp/demo-src/index.js";
import { RECORDED_AT } from "../../fixtures/gcp/demo-src/model.js";
import { finaliseGcp } from "../../fixtures/lib/gcp.js";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { executeRun } from "../../src/engine/execute-run.js";
import { demoModel, exceptions, type GcpOrgModel, result, runGcp } from "./support/run.js";

type Binding = { role: string; members: string[] };

/** Removes members matching `drop` from every binding of every policy. */
function dropMembers(m: GcpOrgModel, drop: (role: string, member: string, resource: string) => boolean) {
  for (const [resource, p] of Object.entries(m.policies)) {
    for (const b of p.bindings as Binding[]) b.members = b.members.filter((x) => !drop(b.role, x, resource));
    p.bindings = (p.bindings as Binding[]).filter((b) => b.members.length > 0) as typeof p.bindings;
  }
  return m;
}

function variant(change: (m: GcpOrgModel) => void): GcpOrgModel {
  const m = demoModel();
  change(m);
  return m;
}

const WEB = "projects/300000000002";
const denyWebIam = variant((m) => {
  m.iamDenied = [WEB];
});

/** Runs with one recorded call removed: the run must error on it, not default. */
async function runWithout(
  controls: string[],
  match: (service: string, operation: string, account: string) => boolean,
) {
  const calls = gcpDemoCalls(demoModel()).filter((c) => !match(c.service, c.operation, c.account));
  return executeRun({
    filter: { control: controls },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: RECORDED_AT },
      calls: finaliseGcp(calls, RECORDED_AT),
    },
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}) },
  });
}

async function expectIamError(id: string) {
  const out = await runGcp({ controls: [id], model: denyWebIam });
  const r = result(out, id);
  expect(r.status).toBe("error");
  expect(r.errors.map((e) => e.account)).toEqual(["acme-prod-web"]);
  expect(r.errors[0]!.message).toMatch(/PERMISSION_DENIED/);
  // the rest of the organization is still evaluated
  expect(r.findings.some((f) => f.account !== "acme-prod-web")).toBe(true);
  expect(r.findings.some((f) => f.account === "acme-prod-web")).toBe(false);
}

describe("access.gcp-no-basic-roles-for-users", () => {
  const id = "access.gcp-no-basic-roles-for-users";
  it("fail: owner / editor granted to users or groups at org, folder or project level", async () => {
    const out = await runGcp({ controls: [id] });
    // an inherited binding is one exception at its grant point, listing the projects it reaches
    expect(exceptions(out, id)).toEqual([
      "acme-dev-sandbox projects/300000000003/roles/editor/user:kate.intern@gmail.com",
      "acme-prod-payments projects/300000000001/roles/owner/group:gcp-prod-admins@example.com",
      "acme-prod-web projects/300000000002/roles/owner/group:gcp-prod-admins@example.com",
      "acme-shared-ci projects/300000000004/roles/owner/group:gcp-platform@example.com",
      "folders/200000000001 folders/200000000001/roles/owner/user:dave.ops@example.com ← acme-prod-payments acme-prod-web",
      "folders/200000000002 folders/200000000002/roles/editor/group:developers@example.com ← acme-dev-sandbox",
    ]);
    // population counts say both: each grant once, and once per project it reaches
    expect(result(out, id).population).toBe(22);
    expect(result(out, id).scopedPopulation).toBe(36);
    expect(result(out, id).exceptions).toBe(6);
  });
  it("pass: basic roles only with service accounts / service agents (not in the population)", async () => {
    const m = dropMembers(
      demoModel(),
      (role, member) => ["roles/owner", "roles/editor"].includes(role) && /^(user|group):/.test(member),
    );
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error: a project's IAM policy is denied", () => expectIamError(id));
  it("error: an inherited (folder) policy is denied — every project below errors", async () => {
    const r = result(
      await runGcp({
        controls: [id],
        model: variant((m) => {
          m.iamDenied = ["folders/200000000001"];
        }),
      }),
      id,
    );
    expect(r.status).toBe("error");
    expect(r.errors.map((e) => e.account).sort()).toEqual(["acme-prod-payments", "acme-prod-web"]);
  });
});

describe("access.gcp-no-public-iam-members", () => {
  const id = "access.gcp-no-public-iam-members";
  it("fail: allUsers on acme-prod-web", async () => {
    expect(exceptions(await runGcp({ controls: [id] }), id)).toEqual([
      "acme-prod-web projects/300000000002/roles/run.invoker/allUsers",
    ]);
  });
  it("fail: allAuthenticatedUsers inherited from the organization reaches every project", async () => {
    const m = variant((x) => {
      (x.policies[x.ORG]!.bindings as Binding[]).push({
        role: "roles/viewer",
        members: ["allAuthenticatedUsers"],
      });
    });
    expect(exceptions(await runGcp({ controls: [id], model: m }), id)).toEqual([
      "acme-prod-web projects/300000000002/roles/run.invoker/allUsers",
      "organizations/123456789012 organizations/123456789012/roles/viewer/allAuthenticatedUsers ← acme-dev-sandbox acme-prod-payments acme-prod-web acme-shared-ci",
    ]);
  });
  it("pass", async () => {
    const m = dropMembers(demoModel(), (_r, member) => member === "allUsers");
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("access.gcp-members-from-allowed-domains", () => {
  const id = "access.gcp-members-from-allowed-domains";
  it("fail: gmail.com members (org-level contractor reaches every project, intern on sandbox)", async () => {
    // No domain is configured: the organization's own domain (its displayName, example.com) is the default.
    const out = await runGcp({ controls: [id] });
    expect(result(out, id).params.values.allowed_domains).toEqual([]);
    expect(exceptions(out, id)).toEqual([
      "acme-dev-sandbox projects/300000000003/roles/editor/user:kate.intern@gmail.com",
      "organizations/123456789012 organizations/123456789012/roles/logging.viewer/user:erin.contractor@gmail.com ← acme-dev-sandbox acme-prod-payments acme-prod-web acme-shared-ci",
    ]);
  });
  it("the organization's domain comes from the organization, not from a default: another org, another domain", async () => {
    const m = variant((x) => {
      x.organizations[0]!.displayName = "acme-exchange.io";
    });
    const ex = exceptions(await runGcp({ controls: [id], model: m }), id);
    // every example.com member is now foreign — the org is acme-exchange.io
    expect(ex.some((e) => e.includes("carol.admin@example.com"))).toBe(true);
    // a secondary domain listed in params is accepted
    const out = await runGcp({
      controls: [id],
      model: m,
      params: { [id]: { allowed_domains: ["example.com"] } },
    });
    expect(exceptions(out, id)).toHaveLength(2);
    expect(result(out, id).params.overridden).toEqual(["allowed_domains"]);
  });
  it("pass", async () => {
    const m = dropMembers(demoModel(), (_r, member) => member.endsWith("@gmail.com"));
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("access.gcp-service-accounts-no-admin-roles", () => {
  const id = "access.gcp-service-accounts-no-admin-roles";
  it("fail: default compute SA with compute.admin, terraform with owner; service agents exempt", async () => {
    expect(exceptions(await runGcp({ controls: [id] }), id)).toEqual([
      "acme-prod-web projects/300000000002/roles/compute.admin/serviceAccount:300000000002-compute@developer.gserviceaccount.com",
      "acme-shared-ci projects/300000000004/roles/owner/serviceAccount:terraform@acme-shared-ci.iam.gserviceaccount.com",
    ]);
  });
  it("pass", async () => {
    const m = dropMembers(
      demoModel(),
      (_r, member) => member.includes("-compute@") || member.includes("terraform@"),
    );
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("access.gcp-no-project-sa-user-for-users", () => {
  const id = "access.gcp-no-project-sa-user-for-users";
  it("fail: project-level SA User / Token Creator for users and groups", async () => {
    expect(exceptions(await runGcp({ controls: [id] }), id)).toEqual([
      "acme-prod-web projects/300000000002/roles/iam.serviceAccountUser/user:ivan.web@example.com",
      "acme-prod-web projects/300000000002/roles/iam.serviceAccountUser/user:judy.web@example.com",
      "acme-shared-ci projects/300000000004/roles/iam.serviceAccountTokenCreator/group:ci-operators@example.com",
    ]);
  });
  it("pass: the same role granted on a folder is out of this control's scope (project level)", async () => {
    const m = dropMembers(
      demoModel(),
      (role, _m, res) => res.startsWith("projects/") && role.startsWith("roles/iam.serviceAccount"),
    );
    (m.policies["folders/200000000002"]!.bindings as Binding[]).push({
      role: "roles/iam.serviceAccountUser",
      members: ["user:x@example.com"],
    });
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("access.gcp-sod-service-account-roles / access.gcp-sod-kms-roles", () => {
  it("fail: judy holds SA admin and user; gina holds KMS admin and encrypter/decrypter", async () => {
    const out = await runGcp({ controls: ["access.gcp-sod-*"] });
    expect(exceptions(out, "access.gcp-sod-service-account-roles")).toEqual([
      "acme-prod-web user:judy.web@example.com",
    ]);
    expect(exceptions(out, "access.gcp-sod-kms-roles")).toEqual([
      "acme-prod-payments user:gina.sec@example.com",
    ]);
  });
  it("fail: the two roles may come from different levels (folder admin + project user)", async () => {
    const m = variant((x) => {
      (x.policies["folders/200000000002"]!.bindings as Binding[]).push({
        role: "roles/iam.serviceAccountAdmin",
        members: ["group:developers@example.com"],
      });
      (x.policies["projects/300000000003"]!.bindings as Binding[]).push({
        role: "roles/iam.serviceAccountUser",
        members: ["group:developers@example.com"],
      });
    });
    expect(
      exceptions(
        await runGcp({ controls: ["access.gcp-sod-service-account-roles"], model: m }),
        "access.gcp-sod-service-account-roles",
      ),
    ).toContain("acme-dev-sandbox group:developers@example.com");
  });
  it("pass", async () => {
    const m = dropMembers(
      demoModel(),
      (role, member) =>
        (role === "roles/iam.serviceAccountAdmin" && member.includes("judy")) ||
        (role === "roles/cloudkms.cryptoKeyEncrypterDecrypter" && member.includes("gina")),
    );
    const out = await runGcp({ controls: ["access.gcp-sod-*"], model: m });
    expect(result(out, "access.gcp-sod-service-account-roles").status).toBe("pass");
    expect(result(out, "access.gcp-sod-kms-roles").status).toBe("pass");
  });
  it("error", async () => {
    await expectIamError("access.gcp-sod-service-account-roles");
    await expectIamError("access.gcp-sod-kms-roles");
  });
});

describe("access.gcp-privileged-role-population and change-management.gcp-iam-change-population", () => {
  const priv = "access.gcp-privileged-role-population";
  const change = "change-management.gcp-iam-change-population";
  it("fail: individuals with privileged / change roles, listed with where granted", async () => {
    const out = await runGcp({ controls: [priv, change] });
    const p = exceptions(out, priv);
    expect(p).toEqual([
      "acme-shared-ci projects/300000000004/roles/owner/serviceAccount:terraform@acme-shared-ci.iam.gserviceaccount.com",
      "acme-shared-ci projects/300000000004/roles/resourcemanager.projectIamAdmin/user:leo.platform@example.com",
      "folders/200000000001 folders/200000000001/roles/owner/user:dave.ops@example.com ← acme-prod-payments acme-prod-web",
      "organizations/123456789012 organizations/123456789012/roles/resourcemanager.organizationAdmin/user:carol.admin@example.com ← acme-dev-sandbox acme-prod-payments acme-prod-web acme-shared-ci",
    ]);
    // the change population allows automation (service accounts): terraform is not an exception there
    const c = exceptions(out, change);
    expect(c.some((e) => e.includes("terraform@"))).toBe(false);
    expect(c).toHaveLength(3);
    // the population itself (for the access review) includes the group grants
    expect(result(out, priv).population).toBeGreaterThan(p.length);
  });
  it("pass: the individuals are approved through params (a deviation the report shows)", async () => {
    const approved = [
      "user:carol.admin@example.com",
      "user:dave.ops@example.com",
      "user:leo.platform@example.com",
      "serviceAccount:terraform@acme-shared-ci.iam.gserviceaccount.com",
    ];
    const out = await runGcp({
      controls: [priv, change],
      params: { [priv]: { approved_members: approved }, [change]: { approved_members: approved } },
    });
    expect(result(out, priv).status).toBe("pass");
    expect(result(out, change).status).toBe("pass");
    expect(result(out, priv).params.overridden).toEqual(["approved_members"]);
  });
  it("error", async () => {
    await expectIamError(priv);
    await expectIamError(change);
  });
});

describe("access.gcp-iam-conditions-not-expired", () => {
  const id = "access.gcp-iam-conditions-not-expired";
  it("fail: the break-glass binding expired on 2026-10-01 (the future-dated one passes)", async () => {
    const out = await runGcp({ controls: [id] });
    expect(exceptions(out, id)).toEqual([
      "acme-prod-payments projects/300000000001/roles/cloudsql.admin/user:hank.oncall@example.com?condition=incident-4711",
    ]);
    expect(result(out, id).population).toBe(2);
  });
  it("pass", async () => {
    const m = dropMembers(demoModel(), (_r, member) => member.includes("hank"));
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("change-management.gcp-production-project-liens", () => {
  const id = "change-management.gcp-production-project-liens";
  it("fail: acme-prod-web (env=prod) has no lien; payments has one; non-production projects are not tested", async () => {
    const out = await runGcp({ controls: [id] });
    expect(exceptions(out, id)).toEqual(["acme-prod-web acme-prod-web"]);
    expect(result(out, id).population).toBe(2);
  });
  it("fail: a project named production through the param", async () => {
    const out = await runGcp({
      controls: [id],
      params: { [id]: { production_projects: ["acme-shared-ci"] } },
    });
    expect(exceptions(out, id)).toContain("acme-shared-ci acme-shared-ci");
  });
  it("pass", async () => {
    const m = variant((x) => {
      x.liens[WEB] = [
        {
          name: "liens/p2",
          parent: WEB,
          restrictions: ["resourcemanager.projects.delete"],
          reason: "prod",
          origin: "ops",
        },
      ];
    });
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error: the liens call has no recorded answer (strict replay)", async () => {
    const r = result(
      await runWithout([id], (s, _o, a) => s === "ResourceManagerV1" && a === "acme-prod-web"),
      id,
    );
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/no recorded answer for ResourceManagerV1\.listLiens/);
  });
});

describe("change-management org policy constraints", () => {
  const drs = "change-management.gcp-org-policy-domain-restricted-sharing";
  const keys = "change-management.gcp-org-policy-disable-sa-key-creation";
  const readable = variant((m) => {
    m.orgPolicyDenied = [];
  });
  it("fail: acme-prod-web allows all domains; acme-shared-ci allows key creation; sandbox has no rules", async () => {
    const out = await runGcp({ controls: [drs, keys], model: readable });
    expect(exceptions(out, drs)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/iam.allowedPolicyMemberDomains",
      "acme-prod-web projects/300000000002/policies/iam.allowedPolicyMemberDomains",
    ]);
    expect(exceptions(out, keys)).toEqual([
      "acme-dev-sandbox projects/300000000003/policies/iam.disableServiceAccountKeyCreation",
      "acme-shared-ci projects/300000000004/policies/iam.disableServiceAccountKeyCreation",
    ]);
  });
  it("pass", async () => {
    const m = variant((x) => {
      x.orgPolicyDenied = [];
      for (const p of x.projects) {
        x.orgPolicies[`${p.name}/policies/${x.DOMAIN_CONSTRAINT}`] = {
          name: `${p.name}/policies/${x.DOMAIN_CONSTRAINT}`,
          spec: {
            etag: "",
            rules: [{ values: { allowedValues: ["C03xk9v2p"] } }],
            inheritFromParent: false,
            reset: false,
          },
        };
        x.orgPolicies[`${p.name}/policies/${x.KEY_CONSTRAINT}`] = {
          name: `${p.name}/policies/${x.KEY_CONSTRAINT}`,
          spec: { etag: "", rules: [{ enforce: true }], inheritFromParent: false, reset: false },
        };
      }
    });
    const out = await runGcp({ controls: [drs, keys], model: m });
    expect(result(out, drs).status).toBe("pass");
    expect(result(out, keys).status).toBe("pass");
  });
  it("error: PERMISSION_DENIED on the sandbox (the demo); the other projects are still evaluated", async () => {
    const out = await runGcp({ controls: [drs, keys] });
    for (const id of [drs, keys]) {
      const r = result(out, id);
      expect(r.status).toBe("error");
      expect(r.errors.map((e) => e.account)).toEqual(["acme-dev-sandbox"]);
      expect(r.exceptions).toBe(1);
    }
  });
});

describe("logging.gcp-data-access-audit-logs", () => {
  const id = "logging.gcp-data-access-audit-logs";
  it("fail: an audit config exists everywhere, but DATA_READ is missing or a member is exempted", async () => {
    expect(exceptions(await runGcp({ controls: [id] }), id)).toEqual([
      "acme-dev-sandbox acme-dev-sandbox",
      "acme-prod-web acme-prod-web",
      "acme-shared-ci acme-shared-ci",
    ]);
  });
  it("fail: no audit config anywhere", async () => {
    const m = variant((x) => {
      for (const p of Object.values(x.policies)) p.auditConfigs = [];
    });
    expect(exceptions(await runGcp({ controls: [id], model: m }), id)).toHaveLength(4);
  });
  it("pass: all three log types at the organization, no exemptions", async () => {
    const m = variant((x) => {
      for (const p of Object.values(x.policies)) p.auditConfigs = [];
      x.policies[x.ORG]!.auditConfigs = [
        {
          service: "allServices",
          auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
        },
      ];
    });
    expect(result(await runGcp({ controls: [id], model: m }), id).status).toBe("pass");
  });
  it("error", () => expectIamError(id));
});

describe("logging sinks", () => {
  const sink = "logging.gcp-org-log-sink-all-logs";
  const ret = "logging.gcp-log-sink-destination-retention";
  it("org sink: pass with an unfiltered include-children sink; retention: fail (not locked)", async () => {
    const out = await runGcp({ controls: [sink, ret] });
    expect(result(out, sink).status).toBe("pass");
    expect(exceptions(out, ret)).toEqual(["123456789012 organizations/123456789012/sinks/org-audit-to-gcs"]);
    expect(result(out, ret).findings[0]!.message).toMatch(/no locked retention policy/);
  });
  it("fail: the only all-logs sink gets a filter; retention too short", async () => {
    const m = variant((x) => {
      x.sinks[x.ORG]![0]!.filter = "severity>=ERROR";
    });
    const out = await runGcp({ controls: [sink], model: m });
    expect(result(out, sink).status).toBe("fail");
    const m2 = variant((x) => {
      x.buckets["acme-org-audit-logs"] = {
        name: "acme-org-audit-logs",
        retentionPolicy: { retentionPeriod: "2592000", isLocked: true },
      };
    });
    const out2 = await runGcp({ controls: [ret], model: m2 });
    expect(result(out2, ret).findings[0]!.message).toMatch(/30 days, below 365/);
  });
  it("pass: a locked 400-day retention", async () => {
    const m = variant((x) => {
      x.buckets["acme-org-audit-logs"] = {
        name: "acme-org-audit-logs",
        retentionPolicy: { retentionPeriod: String(400 * 86400), isLocked: true },
      };
    });
    expect(result(await runGcp({ controls: [ret], model: m }), ret).status).toBe("pass");
  });
  it("error: listSinks / the bucket lookup unanswered", async () => {
    const out = await runWithout([sink, ret], (s, o) => s === "ConfigServiceV2Client" && o === "listSinks");
    expect(result(out, sink).status).toBe("error");
    expect(result(out, ret).status).toBe("error");
    const out2 = await runWithout([ret], (s) => s === "StorageJson");
    expect(result(out2, ret).status).toBe("error");
  });
});
