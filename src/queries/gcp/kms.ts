/**
 * Cloud KMS key rings and crypto keys of each project, and who holds a role on them (@google-cloud/kms over
 * gRPC): the KMS locations (google.cloud.location.Locations.ListLocations on the KMS endpoint, since key
 * rings are listed per location), ListKeyRings per location, ListCryptoKeys per key ring, and GetIamPolicy
 * (version 3) of every key ring and crypto key. Every page is recorded.
 *
 * The population of `gcp.kms.keyIamMembers` is every grant that reaches a key: bindings on key rings (they
 * reach every key of the ring) and on crypto keys, plus the Cloud KMS roles (`roles/cloudkms.*`) granted on
 * the project or inherited from its folders and organization (gcp.iam.effectiveBindings), which reach every
 * key of the project. One row per grant point, role and member, listing the keys it reaches.
 *
 * Failure units: a location whose key rings cannot be listed, a key ring whose keys or policy cannot be read,
 * a key whose policy cannot be read — each is a problem for the grants at that place only.
 */
import { errorMessage } from "../../core/errors.js";
import type { QueryProblem, Row } from "../../core/types.js";
import { defineGcpQuery, type GcpQueryContext } from "../../providers/gcp/context.js";
import { type IamPolicy, organizationDomain } from "./iam.js";
import { asTimestamp, conditionExpiry, parseMember, strings } from "./normalise.js";

interface CryptoKey {
  name?: string;
  purpose?: string;
  createTime?: unknown;
  nextRotationTime?: unknown;
  rotationPeriod?: { seconds?: string | number; nanos?: number } | null;
  versionTemplate?: { protectionLevel?: string; algorithm?: string } | null;
  primary?: { state?: string } | null;
  labels?: Record<string, string>;
}

interface KeyRingInventory {
  name: string;
  location: string;
  keys: CryptoKey[];
}

interface Inventory {
  rings: KeyRingInventory[];
  problems: QueryProblem[];
}

const KMS = "KeyManagementServiceClient";

/** Key rings and keys of the scope's project, read once per run (both KMS queries use it). */
function inventory(ctx: GcpQueryContext): Promise<Inventory> {
  const project = ctx.gcp.node.unit;
  return ctx.gcp.memo(`kms|${project}`, async () => {
    const locations = await ctx.gcp.calls.paged<{ locationId?: string; name?: string }>(
      "KmsLocationsClient",
      "listLocations",
      project,
      { name: `projects/${project}` },
      "locations",
    );
    const problems: QueryProblem[] = [];
    const rings: KeyRingInventory[] = [];
    for (const loc of locations) {
      const location = String(
        loc.locationId ??
          String(loc.name ?? "")
            .split("/")
            .pop(),
      );
      let found: { name?: string }[];
      try {
        found = await ctx.gcp.calls.paged(
          KMS,
          "listKeyRings",
          project,
          { parent: `projects/${project}/locations/${location}` },
          "keyRings",
        );
      } catch (e) {
        problems.push({
          message: `cannot list the key rings of project ${project} in ${location}: ${errorMessage(e)}`,
          members: { project, location },
        });
        continue;
      }
      for (const ring of found) {
        const name = String(ring.name ?? "");
        try {
          const keys = await ctx.gcp.calls.paged<CryptoKey>(
            KMS,
            "listCryptoKeys",
            project,
            { parent: name },
            "cryptoKeys",
          );
          rings.push({ name, location, keys });
        } catch (e) {
          problems.push({
            message: `cannot list the crypto keys of key ring ${name}: ${errorMessage(e)}`,
            members: { project, key_ring: name },
          });
          // Its own bindings can still be read and reach "some keys": keep the ring with no known key.
          rings.push({ name, location, keys: [] });
        }
      }
    }
    rings.sort((a, b) => a.name.localeCompare(b.name));
    return { rings, problems };
  });
}

function kmsPolicy(ctx: GcpQueryContext, resource: string): Promise<IamPolicy> {
  return ctx.gcp.calls.unary<IamPolicy>(KMS, "getIamPolicy", ctx.gcp.node.unit, {
    resource,
    options: { requestedPolicyVersion: 3 },
  });
}

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

function grantRows(
  policy: IamPolicy,
  base: { project: string; granted_on: string; granted_on_type: string; inherited: boolean },
  place: { location: string | null; key_ring: string | null; crypto_key: string | null },
  keys: CryptoKey[],
  domain: string | null,
): Row[] {
  const rows: Row[] = [];
  for (const b of policy.bindings ?? []) {
    const role = String(b.role ?? "");
    const cond = b.condition && (b.condition.expression || b.condition.title) ? b.condition : null;
    for (const member of strings(b.members))
      rows.push(grantRow(base, place, keys, domain, role, member, cond));
  }
  return rows;
}

function grantRow(
  base: { project: string; granted_on: string; granted_on_type: string; inherited: boolean },
  place: { location: string | null; key_ring: string | null; crypto_key: string | null },
  keys: CryptoKey[],
  domain: string | null,
  role: string,
  member: string,
  cond: { title?: string; expression?: string } | null,
): Row {
  const info = parseMember(member);
  return {
    binding_id: `${base.granted_on}/${role}/${member}${cond ? `?condition=${cond.title ?? ""}` : ""}`,
    ...base,
    ...place,
    role,
    member,
    ...info,
    is_public: PUBLIC.includes(member),
    conditional: cond !== null,
    condition_title: cond?.title || null,
    condition_expires_at: conditionExpiry(cond?.expression),
    keys: keys.map((k) => String(k.name ?? "")).sort(),
    key_purposes: [...new Set(keys.map((k) => String(k.purpose ?? "CRYPTO_KEY_PURPOSE_UNSPECIFIED")))].sort(),
    organization_domain: domain,
  };
}

/** Grant types above the keys: what a project / folder / organization IAM problem can hide. */
const HIERARCHY_GRANT_TYPES = ["project", "folder", "organization"];

/**
 * The `roles/cloudkms.*` bindings of the project's effective IAM policy (own and inherited), as grants that
 * reach every key of the project. When that policy (or an ancestor's) cannot be read, only the grants made on
 * the hierarchy may be missing: a problem for those (`granted_on_type` project / folder / organization), so a
 * control about key-ring and key bindings alone is still evaluated.
 */
async function cloudKmsRoleGrants(
  ctx: GcpQueryContext,
  keys: CryptoKey[],
  domain: string | null,
): Promise<{ rows: Row[]; problems: QueryProblem[] }> {
  const project = ctx.gcp.node.unit;
  const hidden = (message: string): QueryProblem[] =>
    HIERARCHY_GRANT_TYPES.map((type) => ({
      message,
      members: { project, granted_on_type: type, location: null, key_ring: null, crypto_key: null },
    }));
  let answer: Awaited<ReturnType<GcpQueryContext["queryResult"]>>;
  try {
    answer = await ctx.queryResult("gcp.iam.effectiveBindings");
  } catch (e) {
    return {
      rows: [],
      problems: hidden(
        `cannot read the Cloud KMS roles granted on project ${project} or above: ${errorMessage(e)}`,
      ),
    };
  }
  const rows: Row[] = [];
  for (const b of answer.rows) {
    const role = String(b.role);
    if (!role.startsWith("roles/cloudkms.")) continue;
    const cond = b.conditional
      ? { title: String(b.condition_title ?? ""), expression: String(b.condition_expression ?? "") }
      : null;
    rows.push(
      grantRow(
        {
          project,
          granted_on: String(b.granted_on),
          granted_on_type: String(b.granted_on_type),
          inherited: b.inherited === true,
        },
        { location: null, key_ring: null, crypto_key: null },
        keys,
        domain,
        role,
        String(b.member),
        cond,
      ),
    );
  }
  return { rows, problems: answer.problems.flatMap((p) => hidden(p.message)) };
}

export const keyIamMembers = defineGcpQuery({
  id: "gcp.kms.keyIamMembers",
  scope: "project",
  title:
    "Who holds a role on each Cloud KMS key: key-ring and crypto-key bindings, and Cloud KMS roles granted on the project or inherited",
  permissions: [
    "cloudkms.locations.list",
    "cloudkms.keyRings.list",
    "cloudkms.cryptoKeys.list",
    "cloudkms.keyRings.getIamPolicy",
    "cloudkms.cryptoKeys.getIamPolicy",
  ],
  calls: [
    "KmsLocationsClient:listLocations",
    `${KMS}:listKeyRings`,
    `${KMS}:listCryptoKeys`,
    `${KMS}:getIamPolicy`,
  ],
  uses: ["gcp.iam.effectiveBindings"],
  fields: {
    project: "string: the project id",
    binding_id: "string: granted_on/role/member (plus ?condition=title): unique per grant",
    granted_on:
      "string: the key ring, crypto key, or (for Cloud KMS roles) the project / folder / organization the binding is on",
    granted_on_type: "string: keyRing | cryptoKey | project | folder | organization",
    inherited: "bool: granted on a folder or the organization above the project",
    location: "string?: the KMS location of the key ring / key, null for a project-level grant",
    key_ring: "string?: projects/P/locations/L/keyRings/R, null for a project-level grant",
    crypto_key: "string?: the crypto key of a crypto-key binding, else null",
    role: "string: roles/cloudkms.… or any role bound on a key ring / key",
    member: "string: the IAM member string",
    member_type: "string: user | group | serviceAccount | domain | allUsers | allAuthenticatedUsers | …",
    member_email: "string?: e-mail of a user / group / service account, else null",
    member_domain: "string?: domain of the e-mail or of a domain: member",
    is_service_agent: "bool: a Google-managed service agent",
    is_public: "bool: allUsers or allAuthenticatedUsers",
    conditional: "bool: the binding has an IAM condition",
    condition_title: "string?: the condition's title",
    condition_expires_at: "timestamp?: from request.time < timestamp(…) in the condition",
    keys: "list<string>: the crypto keys the grant reaches (known ones)",
    key_purposes:
      "list<string>: purposes of those keys (ENCRYPT_DECRYPT, ASYMMETRIC_SIGN, ASYMMETRIC_DECRYPT, MAC, …)",
    organization_domain: "string?: the organization's primary domain",
  },
  async fetch(ctx) {
    const project = ctx.gcp.node.unit;
    const inv = await inventory(ctx);
    const problems: QueryProblem[] = [...inv.problems];
    const domain = organizationDomain(ctx);
    const rows: Row[] = [];
    const allKeys = inv.rings.flatMap((r) => r.keys);
    for (const ring of inv.rings) {
      const place = { location: ring.location, key_ring: ring.name, crypto_key: null };
      try {
        const policy = await kmsPolicy(ctx, ring.name);
        rows.push(
          ...grantRows(
            policy,
            { project, granted_on: ring.name, granted_on_type: "keyRing", inherited: false },
            place,
            ring.keys,
            domain,
          ),
        );
      } catch (e) {
        problems.push({
          message: `cannot read the IAM policy of key ring ${ring.name}: ${errorMessage(e)}`,
          members: { project, key_ring: ring.name },
        });
      }
      for (const key of ring.keys) {
        const name = String(key.name ?? "");
        try {
          const policy = await kmsPolicy(ctx, name);
          rows.push(
            ...grantRows(
              policy,
              { project, granted_on: name, granted_on_type: "cryptoKey", inherited: false },
              { ...place, crypto_key: name },
              [key],
              domain,
            ),
          );
        } catch (e) {
          problems.push({
            message: `cannot read the IAM policy of crypto key ${name}: ${errorMessage(e)}`,
            members: { project, key_ring: ring.name, crypto_key: name },
          });
        }
      }
    }
    // Cloud KMS roles above the keys reach every key of the project — but only when there is one.
    if (inv.rings.length > 0) {
      const inheritedGrants = await cloudKmsRoleGrants(ctx, allKeys, domain);
      rows.push(...inheritedGrants.rows);
      problems.push(...inheritedGrants.problems);
    }
    rows.sort((a, b) => String(a.binding_id).localeCompare(String(b.binding_id)));
    return { rows, problems };
  },
});

export const cryptoKeys = defineGcpQuery({
  id: "gcp.kms.cryptoKeys",
  scope: "project",
  title: "Cloud KMS crypto keys of each project: purpose, protection level, rotation",
  permissions: ["cloudkms.locations.list", "cloudkms.keyRings.list", "cloudkms.cryptoKeys.list"],
  calls: ["KmsLocationsClient:listLocations", `${KMS}:listKeyRings`, `${KMS}:listCryptoKeys`],
  fields: {
    project: "string: the project id",
    crypto_key: "string: projects/P/locations/L/keyRings/R/cryptoKeys/K",
    key_ring: "string: projects/P/locations/L/keyRings/R",
    location: "string: the KMS location",
    purpose: "string: ENCRYPT_DECRYPT | ASYMMETRIC_SIGN | ASYMMETRIC_DECRYPT | MAC | RAW_ENCRYPT_DECRYPT",
    protection_level: "string: SOFTWARE | HSM | EXTERNAL | EXTERNAL_VPC",
    algorithm: "string: the version template's algorithm",
    primary_state: "string?: state of the primary version (symmetric keys), null when none",
    rotation_period_days: "double?: automatic rotation period in days, null when not set",
    next_rotation_time: "timestamp?: when the next automatic rotation happens",
    create_time: "timestamp?: when the key was created",
    labels: "map<string, string>: label key to value",
  },
  async fetch(ctx) {
    const project = ctx.gcp.node.unit;
    const inv = await inventory(ctx);
    const rows: Row[] = inv.rings.flatMap((ring) =>
      ring.keys.map((k) => {
        const seconds = k.rotationPeriod ? Number(k.rotationPeriod.seconds ?? 0) : 0;
        return {
          project,
          crypto_key: String(k.name ?? ""),
          key_ring: ring.name,
          location: ring.location,
          purpose: String(k.purpose ?? "CRYPTO_KEY_PURPOSE_UNSPECIFIED"),
          protection_level: String(k.versionTemplate?.protectionLevel ?? "PROTECTION_LEVEL_UNSPECIFIED"),
          algorithm: String(k.versionTemplate?.algorithm ?? "CRYPTO_KEY_VERSION_ALGORITHM_UNSPECIFIED"),
          primary_state: k.primary?.state ?? null,
          rotation_period_days: seconds > 0 ? seconds / 86_400 : null,
          next_rotation_time: asTimestamp(k.nextRotationTime),
          create_time: asTimestamp(k.createTime),
          labels: { ...(k.labels ?? {}) },
        };
      }),
    );
    rows.sort((a, b) => String(a.crypto_key).localeCompare(String(b.crypto_key)));
    // A key ring whose keys could not be listed: its keys are unknown (problem members {key_ring}).
    return { rows, problems: inv.problems };
  },
});
