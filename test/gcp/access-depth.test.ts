/**
 * GCP access depth (issue 10 item 6) and the project population's completeness (issue 9), on the demo
 * organization and variants of it: for each control a fail case (the seeded exceptions, exactly), a pass case
 * and an error case (a denied call makes exactly the controls that need it `error`, for that scope only).
 */
import { describe, expect, it } from "vitest";
import { gcpDemoCalls } from "../../fixtures/gcp/demo-src/index.js";
import { RECORDED_AT } from "../../fixtures/gcp/demo-src/model.js";
import { finaliseGcp, type GcpCallSpec } from "../../fixtures/lib/gcp.js";
import { gcpRuntimeFrom } from "../../src/cli/options/gcp.js";
import { loadControls } from "../../src/controls/loader.js";
import { executeRun } from "../../src/engine/execute-run.js";
import type { ParamOverrides } from "../../src/engine/params.js";
import { permissionsFor } from "../../src/permissions/least-privilege.js";
import { analyseAttributeCondition } from "../../src/policy/wif-condition.js";
import { demoModel, exceptions, type GcpOrgModel, result } from "./support/run.js";

const NO_KEYS = "access.gcp-service-account-no-user-managed-keys";
const ROTATED = "access.gcp-service-account-keys-rotated";
const USED = "access.gcp-service-account-keys-used";
const KMS_PUBLIC = "access.gcp-kms-keys-not-public";
const KMS_USERS = "access.gcp-kms-key-users-approved";
const KMS_ROTATION = "logging.gcp-kms-key-rotation-enabled";
const WIF = "access.gcp-wif-ci-providers-pinned";
const ALL = [NO_KEYS, ROTATED, USED, KMS_PUBLIC, KMS_USERS, KMS_ROTATION, WIF];

const key = (project: string, sa: string, id: string) =>
  `${project} projects/${project}/serviceAccounts/${sa}@${project}.iam.gserviceaccount.com/keys/${id}`;
const LEGACY_BATCH = key("acme-prod-payments", "legacy-batch", "f4289fca41ac495caf40935057d4dcae4118ab4a");
const WEB_DEPLOYER = key("acme-prod-web", "web-deployer", "412872c24cbcb0e88190b50457d4c3aece38c442");
const DEV_TOOLS = key("acme-dev-sandbox", "dev-tools", "bc2826c2fc34a3e8bdd041087f38b1f8f9688cae");
const CI_LEGACY = key("acme-shared-ci", "ci-legacy", "b548953857d4ed6a17d041f6cb84dcae4118ab4a");
const PAYMENTS_RING = "projects/acme-prod-payments/locations/europe-west1/keyRings/payments";
const WEB_KEY = "projects/acme-prod-web/locations/global/keyRings/web/cryptoKeys/session-cookies";
const POOLS = "projects/300000000004/locations/global/workloadIdentityPools";

async function run(
  controls: string[],
  o: { model?: GcpOrgModel; edit?: (calls: GcpCallSpec[]) => GcpCallSpec[]; params?: ParamOverrides } = {},
) {
  const calls = gcpDemoCalls(o.model ?? demoModel());
  return executeRun({
    filter: { control: controls, provider: ["gcp"] },
    recording: {
      dir: "(in-memory)",
      meta: { startedAt: RECORDED_AT },
      calls: finaliseGcp(o.edit ? o.edit(calls) : calls, RECORDED_AT),
    },
    runtimeFactories: { gcp: gcpRuntimeFrom({}, {}) },
    overrides: o.params,
  });
}

function variant(change: (m: GcpOrgModel) => void): GcpOrgModel {
  const m = demoModel();
  change(m);
  return m;
}

const errorAccounts = (out: Awaited<ReturnType<typeof run>>, id: string) =>
  [...new Set(result(out, id).errors.map((e) => e.account))].sort();

describe("user-managed service-account keys", () => {
  it("fail: every enabled user-managed key, the old ones, the unused one — exactly", async () => {
    const out = await run([NO_KEYS, ROTATED, USED]);
    // web-deployer's second key is disabled: in no population.
    expect(exceptions(out, NO_KEYS)).toEqual([DEV_TOOLS, LEGACY_BATCH, WEB_DEPLOYER, CI_LEGACY].sort());
    expect(exceptions(out, ROTATED)).toEqual([LEGACY_BATCH, CI_LEGACY].sort());
    expect(exceptions(out, USED)).toEqual([CI_LEGACY]);
    expect(result(out, NO_KEYS).population).toBe(4);
    const f = result(out, USED).findings.find((x) => x.status === "fail")!;
    expect(f.message).toMatch(
      /not seen authenticating for more than 90 days \(last authenticated none, created 2026-07-23/,
    );
  });

  it("pass: approved accounts, a longer allowed age, no keys at all", async () => {
    const approved = [
      "legacy-batch@acme-prod-payments.iam.gserviceaccount.com",
      "web-deployer@acme-prod-web.iam.gserviceaccount.com",
      "dev-tools@acme-dev-sandbox.iam.gserviceaccount.com",
      "ci-legacy@acme-shared-ci.iam.gserviceaccount.com",
    ];
    const out = await run([NO_KEYS, ROTATED], {
      params: {
        [NO_KEYS]: { approved_service_accounts: approved },
        [ROTATED]: { max_key_age_days: 500 },
      },
    });
    expect(result(out, NO_KEYS).status).toBe("pass");
    expect(result(out, ROTATED).status).toBe("pass");
    const none = variant((m) => {
      for (const accounts of Object.values(m.accessDepth.serviceAccounts))
        for (const a of accounts) a.keys = [];
    });
    const empty = await run([NO_KEYS, ROTATED, USED], { model: none });
    for (const id of [NO_KEYS, ROTATED, USED]) expect(result(empty, id).status, id).toBe("pass");
    // a key used recently passes the usage control: only the never-used one fails (above)
    const used = variant((m) => {
      m.accessDepth.serviceAccounts["acme-shared-ci"]![1]!.keys[0]!.usedDaysAgo = 5;
    });
    expect(result(await run([USED], { model: used }), USED).status).toBe("pass");
  });

  it("error: Policy Analyzer denied on one project — only the usage control, only there", async () => {
    const out = await run([NO_KEYS, ROTATED, USED], {
      model: variant((m) => {
        m.accessDepth.activityDenied = ["acme-prod-web"];
      }),
    });
    const r = result(out, USED);
    expect(r.status).toBe("error");
    expect(errorAccounts(out, USED)).toEqual(["acme-prod-web"]);
    expect(r.errors[0]!.message).toMatch(/Policy Analyzer API has not been used in project 300000000002/);
    // the rest of the organization is still evaluated
    expect(exceptions(out, USED)).toEqual([CI_LEGACY]);
    // the key-age controls do not read last_authenticated: unaffected
    expect(result(out, NO_KEYS).status).toBe("fail");
    expect(result(out, NO_KEYS).errors).toEqual([]);
    expect(exceptions(out, ROTATED)).toEqual([LEGACY_BATCH, CI_LEGACY].sort());
    expect(result(out, ROTATED).errors).toEqual([]);
  });

  it("error: one account's keys cannot be listed — its project errors, the others are evaluated", async () => {
    const out = await run([NO_KEYS, ROTATED, USED], {
      model: variant((m) => {
        m.accessDepth.keysDenied = ["legacy-batch@acme-prod-payments.iam.gserviceaccount.com"];
      }),
    });
    for (const id of [NO_KEYS, ROTATED, USED]) {
      expect(result(out, id).status, id).toBe("error");
      expect(errorAccounts(out, id), id).toEqual(["acme-prod-payments"]);
      expect(result(out, id).errors[0]!.message).toMatch(
        /cannot list the keys of service account legacy-batch@acme-prod-payments.*PERMISSION_DENIED/,
      );
    }
    expect(exceptions(out, ROTATED)).toEqual([CI_LEGACY]);
  });

  it("error: the service-account listing is missing from the recording — never an empty pass", async () => {
    const out = await run([NO_KEYS], {
      edit: (calls) =>
        calls.filter((c) => !(c.operation === "listServiceAccounts" && c.account === "acme-shared-ci")),
    });
    expect(result(out, NO_KEYS).status).toBe("error");
    expect(errorAccounts(out, NO_KEYS)).toEqual(["acme-shared-ci"]);
  });
});

describe("Cloud KMS key IAM population", () => {
  it("fail: the public grant on the web key; every unapproved key user, with the keys reached", async () => {
    const out = await run([KMS_PUBLIC, KMS_USERS, KMS_ROTATION]);
    expect(exceptions(out, KMS_PUBLIC)).toEqual([
      `acme-prod-web ${WEB_KEY}/roles/cloudkms.cryptoKeyEncrypter/allAuthenticatedUsers`,
    ]);
    expect(exceptions(out, KMS_USERS)).toEqual([
      "acme-prod-payments projects/300000000001/roles/cloudkms.admin/user:gina.sec@example.com",
      "acme-prod-payments projects/300000000001/roles/cloudkms.cryptoKeyEncrypterDecrypter/serviceAccount:payments-app@acme-prod-payments.iam.gserviceaccount.com",
      "acme-prod-payments projects/300000000001/roles/cloudkms.cryptoKeyEncrypterDecrypter/user:gina.sec@example.com",
      `acme-prod-payments ${PAYMENTS_RING}/cryptoKeys/db-cmek/roles/cloudkms.cryptoKeyEncrypterDecrypter/serviceAccount:service-300000000001@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
      `acme-prod-payments ${PAYMENTS_RING}/cryptoKeys/wallet-signing/roles/cloudkms.signer/serviceAccount:wallet-signer@acme-prod-payments.iam.gserviceaccount.com`,
      `acme-prod-payments ${PAYMENTS_RING}/cryptoKeys/wallet-signing/roles/cloudkms.signer/user:hank.oncall@example.com`,
      `acme-prod-payments ${PAYMENTS_RING}/roles/cloudkms.admin/group:gcp-security@example.com`,
    ]);
    // a project-level grant reaches every key of the project; the message names them and their purposes
    const gina = result(out, KMS_USERS).findings.find((f) =>
      f.resource.endsWith("cloudkms.admin/user:gina.sec@example.com"),
    )!;
    expect(gina.message).toContain(`${PAYMENTS_RING}/cryptoKeys/wallet-signing`);
    expect(gina.message).toContain("ASYMMETRIC_SIGN");
    // the publicKeyViewer grant is not a key-use role: in the population of neither exception list
    expect(exceptions(out, KMS_USERS).some((e) => e.includes("publicKeyViewer"))).toBe(false);
    expect(exceptions(out, KMS_ROTATION)).toEqual([`acme-prod-web ${WEB_KEY}`]);
  });

  it("pass: the approved key users; no public member; rotation set", async () => {
    const approved = [
      "user:gina.sec@example.com",
      "serviceAccount:payments-app@acme-prod-payments.iam.gserviceaccount.com",
      "serviceAccount:service-300000000001@gcp-sa-cloud-sql.iam.gserviceaccount.com",
      "serviceAccount:wallet-signer@acme-prod-payments.iam.gserviceaccount.com",
      "group:gcp-security@example.com",
    ];
    const out = await run([KMS_USERS], { params: { [KMS_USERS]: { approved_members: approved } } });
    // hank.oncall@ signs with the wallet key individually: still the one exception
    expect(exceptions(out, KMS_USERS)).toEqual([
      `acme-prod-payments ${PAYMENTS_RING}/cryptoKeys/wallet-signing/roles/cloudkms.signer/user:hank.oncall@example.com`,
    ]);
    const fixed = variant((m) => {
      const web = m.accessDepth.keyRings["acme-prod-web"]![0]!.keys[0]!;
      web.policy = { version: 1, bindings: [] };
      web.message.rotationPeriod = { seconds: "7776000", nanos: 0 };
      web.message.nextRotationTime = { seconds: "1767225600", nanos: 0 };
    });
    const again = await run([KMS_PUBLIC, KMS_ROTATION], { model: fixed });
    expect(result(again, KMS_PUBLIC).status).toBe("pass");
    expect(result(again, KMS_ROTATION).status).toBe("pass");
  });

  it("error: a key ring's policy is denied — the IAM controls error for that project, rotation does not", async () => {
    const out = await run([KMS_PUBLIC, KMS_USERS, KMS_ROTATION], {
      model: variant((m) => {
        m.accessDepth.kmsPolicyDenied = [PAYMENTS_RING];
      }),
    });
    for (const id of [KMS_PUBLIC, KMS_USERS]) {
      expect(result(out, id).status, id).toBe("error");
      expect(errorAccounts(out, id), id).toEqual(["acme-prod-payments"]);
      expect(result(out, id).errors[0]!.message).toMatch(
        /IAM policy of key ring .*payments.*PERMISSION_DENIED/,
      );
    }
    // acme-prod-web is still evaluated
    expect(exceptions(out, KMS_PUBLIC)).toEqual([
      `acme-prod-web ${WEB_KEY}/roles/cloudkms.cryptoKeyEncrypter/allAuthenticatedUsers`,
    ]);
    expect(result(out, KMS_ROTATION).errors).toEqual([]);
  });

  it("error: the project's IAM policy is denied — only the controls that read project-level KMS grants", async () => {
    const out = await run([KMS_PUBLIC, KMS_USERS], {
      model: variant((m) => {
        m.iamDenied = ["projects/300000000002"];
      }),
    });
    // key-ring and key bindings of acme-prod-web are still read: the public grant is still found
    expect(result(out, KMS_PUBLIC).errors).toEqual([]);
    expect(exceptions(out, KMS_PUBLIC)).toEqual([
      `acme-prod-web ${WEB_KEY}/roles/cloudkms.cryptoKeyEncrypter/allAuthenticatedUsers`,
    ]);
    // who holds a Cloud KMS role on the project is unknown there: the key-user population is error there only
    expect(result(out, KMS_USERS).status).toBe("error");
    expect(errorAccounts(out, KMS_USERS)).toEqual(["acme-prod-web"]);
    expect(result(out, KMS_USERS).errors[0]!.message).toMatch(
      /Cloud KMS roles granted on project acme-prod-web/,
    );
    expect(exceptions(out, KMS_USERS)).toHaveLength(7);
  });

  it("error: the KMS locations cannot be listed — every KMS control errors for that project only", async () => {
    const out = await run([KMS_PUBLIC, KMS_ROTATION], {
      edit: (calls) =>
        calls.map((c) =>
          c.operation === "listLocations" && c.account === "acme-prod-web"
            ? {
                ...c,
                output: undefined,
                error: {
                  name: "PERMISSION_DENIED",
                  message: "Permission 'cloudkms.locations.list' denied",
                  code: 7,
                },
              }
            : c,
        ),
    });
    for (const id of [KMS_PUBLIC, KMS_ROTATION]) {
      expect(result(out, id).status, id).toBe("error");
      expect(errorAccounts(out, id), id).toEqual(["acme-prod-web"]);
    }
  });
});

describe("Workload Identity Federation providers trusting GitHub / GitLab", () => {
  it("fail: the GitHub provider without a condition, exactly; AWS and pinned providers are not exceptions", async () => {
    const out = await run([WIF]);
    expect(exceptions(out, WIF)).toEqual([`acme-shared-ci ${POOLS}/github/providers/github-any`]);
    // acme-deploy (owner pinned), gitlab infra (project pinned); the AWS provider is outside the population
    expect(result(out, WIF).population).toBe(3);
    expect(result(out, WIF).findings.find((f) => f.status === "fail")!.message).toMatch(
      /pin level none .*no attribute condition/,
    );
  });

  it("pass: a condition pinning the repository; a disabled provider is out of the population", async () => {
    const pinned = variant((m) => {
      m.accessDepth.pools["acme-shared-ci"]![0]!.providers[1]!.attributeCondition =
        "assertion.repository in ['acme/web', 'acme/api'] && assertion.ref == 'refs/heads/main'";
    });
    expect(result(await run([WIF], { model: pinned }), WIF).status).toBe("pass");
    const disabled = variant((m) => {
      m.accessDepth.pools["acme-shared-ci"]![0]!.providers[1]!.disabled = true;
    });
    expect(result(await run([WIF], { model: disabled }), WIF).status).toBe("pass");
    // requiring a repository pin makes the owner-only provider an exception too
    const strict = await run([WIF], { params: { [WIF]: { accepted_pin_levels: ["repository"] } } });
    expect(exceptions(strict, WIF)).toEqual([
      `acme-shared-ci ${POOLS}/github/providers/acme-deploy`,
      `acme-shared-ci ${POOLS}/github/providers/github-any`,
    ]);
  });

  it("error: a pool's providers cannot be listed — error for that project, never pass", async () => {
    const out = await run([WIF], {
      edit: (calls) =>
        calls.map((c) =>
          c.operation === "listWorkloadIdentityPoolProviders" &&
          (c.input as { path: string }).path.includes("/github/")
            ? {
                ...c,
                output: undefined,
                error: {
                  name: "PERMISSION_DENIED",
                  message: "Permission 'iam.workloadIdentityPoolProviders.list' denied",
                  code: 7,
                },
              }
            : c,
        ),
    });
    const r = result(out, WIF);
    expect(r.status).toBe("error");
    expect(errorAccounts(out, WIF)).toEqual(["acme-shared-ci"]);
    expect(r.errors[0]!.message).toMatch(/providers of workload identity pool .*github/);
  });

  it("reads the pin of a condition soundly", () => {
    const gh = (c: string | null, mapping: Record<string, string> = {}) =>
      analyseAttributeCondition(c, mapping, "github");
    expect(gh(null).level).toBe("none");
    expect(gh("assertion.repository == 'acme/deploy'")).toMatchObject({
      level: "repository",
      values: ["repository=acme/deploy"],
    });
    expect(gh("assertion['repository_owner'] == 'acme'").level).toBe("organization");
    expect(gh("attribute.repo == 'acme/x'", { "attribute.repo": "assertion.repository" }).level).toBe(
      "repository",
    );
    // an unmapped attribute, a negation, a non-pinning disjunct, a function of the claim: nothing pinned
    expect(gh("attribute.repo == 'acme/x'").level).toBe("none");
    expect(gh("assertion.repository != 'evil/x'").level).toBe("none");
    expect(gh("assertion.repository == 'acme/x' || assertion.actor == 'bob'").level).toBe("none");
    expect(gh("assertion.repository.endsWith('/x')").level).toBe("none");
    expect(
      gh("assertion.repository_owner == 'acme' || assertion.repository_owner == 'acme-labs'"),
    ).toMatchObject({
      level: "organization",
      values: ["repository_owner=acme", "repository_owner=acme-labs"],
    });
    expect(gh("assertion.repository.startsWith('acme/')").level).toBe("organization");
    expect(gh("assertion.repository.startsWith('acme')").level).toBe("none");
    expect(gh("assertion.sub == 'repo:acme/deploy:ref:refs/heads/main'").level).toBe("repository");
    expect(gh("assertion.sub.startsWith('repo:acme/')").level).toBe("organization");
    expect(gh("true").level).toBe("none");
    expect(gh("assertion.repository ==").note).toMatch(/does not parse/);
    expect(analyseAttributeCondition("assertion.project_path == 'acme/infra'", {}, "gitlab").level).toBe(
      "repository",
    );
    expect(analyseAttributeCondition("assertion.namespace_path == 'acme'", {}, "gitlab").level).toBe(
      "organization",
    );
  });
});

describe("completeness of the project population (searchProjects vs listProjects)", () => {
  const PROJECT_CONTROLS = ["access.gcp-no-public-iam-members", NO_KEYS];
  const ORG_CONTROL = "logging.gcp-org-log-sink-all-logs";
  /** The search index does not return acme-prod-web (the caller may not get it): listProjects does. */
  const hideWebFromSearch = (calls: GcpCallSpec[]) =>
    calls.map((c) =>
      c.operation === "searchProjects"
        ? {
            ...c,
            output: {
              ...(c.output as Record<string, unknown>),
              projects: ((c.output as { projects: { projectId: string }[] }).projects ?? []).filter(
                (p) => p.projectId !== "acme-prod-web",
              ),
            },
          }
        : c,
    );

  it("reconciled: the four projects found are the four listed; recorded with every project control", async () => {
    const out = await run(PROJECT_CONTROLS);
    for (const id of PROJECT_CONTROLS) {
      const checks = result(out, id).completeness!.filter((c) => c.population === "projects");
      expect(checks, id).toHaveLength(1);
      expect(checks[0]).toMatchObject({ found: 4, expected: 4, outcome: "reconciled", effect: "none" });
    }
  });

  it("mismatch: a project the search does not return makes every project-scoped control error, with both numbers", async () => {
    const out = await run([...PROJECT_CONTROLS, ORG_CONTROL], { edit: hideWebFromSearch });
    for (const id of PROJECT_CONTROLS) {
      const r = result(out, id);
      expect(r.status, id).toBe("error");
      expect(r.errors.map((e) => e.message)).toContain(
        "completeness of projects: ProjectsClient.searchProjects (state:ACTIVE, under the organization / folders in scope) has 3, " +
          "ProjectsClient.listProjects (ACTIVE direct children of each organization and folder in scope) says 4 " +
          "(not returned by searchProjects: acme-prod-web)",
      );
      expect(r.completeness!.find((c) => c.population === "projects")).toMatchObject({
        found: 3,
        expected: 4,
        outcome: "mismatch",
        effect: "error",
        account: "123456789012",
      });
    }
    // an organization-level control does not depend on the project population
    expect(result(out, ORG_CONTROL).status).toBe("pass");
  });

  it("unavailable: a denied listProjects leaves completeness untested — error, never pass", async () => {
    const out = await run(PROJECT_CONTROLS, {
      edit: (calls) =>
        calls.map((c) =>
          c.operation === "listProjects" && c.account === "200000000001"
            ? {
                ...c,
                output: undefined,
                error: {
                  name: "PERMISSION_DENIED",
                  message:
                    "Permission 'resourcemanager.projects.list' denied on resource 'folders/200000000001'",
                  code: 7,
                },
              }
            : c,
        ),
    });
    for (const id of PROJECT_CONTROLS) {
      const r = result(out, id);
      expect(r.status, id).toBe("error");
      expect(
        r.errors.some((e) =>
          /completeness of projects not tested: .*resourcemanager\.projects\.list/.test(e.message),
        ),
      ).toBe(true);
    }
  });

  it("the allow-list and the run's other controls: all seven access-depth controls evaluate in one run", async () => {
    const out = await run(ALL);
    for (const id of ALL) expect(result(out, id).status, id).toBe("fail");
  });
});

describe("permissions of the access-depth controls", () => {
  it("are the hierarchy reads plus exactly the declared reads of IAM, Policy Analyzer and Cloud KMS", () => {
    const controls = loadControls().controls.filter((c) => ALL.includes(c.id));
    expect(controls).toHaveLength(ALL.length);
    expect(permissionsFor(controls, "gcp")).toEqual([
      "cloudkms.cryptoKeys.getIamPolicy",
      "cloudkms.cryptoKeys.list",
      "cloudkms.keyRings.getIamPolicy",
      "cloudkms.keyRings.list",
      "cloudkms.locations.list",
      "iam.serviceAccountKeys.list",
      "iam.serviceAccounts.list",
      "iam.workloadIdentityPoolProviders.list",
      "iam.workloadIdentityPools.list",
      "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query",
      "resourcemanager.folders.get",
      "resourcemanager.folders.getIamPolicy",
      "resourcemanager.folders.list",
      "resourcemanager.organizations.get",
      "resourcemanager.organizations.getIamPolicy",
      "resourcemanager.projects.get",
      "resourcemanager.projects.getIamPolicy",
      "resourcemanager.projects.list",
    ]);
  });
});
