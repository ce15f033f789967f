/**
 * The SQL views over a bundle's signed files, read in place (DuckDB's read_json over data/): nothing is
 * copied, so there is nothing to reconcile — a row in a view is a line of a file the manifest covers.
 *
 * The same text ships inside every bundle as data/sql/schema.sql (with paths relative to the bag root), so an
 * auditor can run these views with any DuckDB and without this tool:
 *     cd <bag> && duckdb -c ".read data/sql/schema.sql" -c "SELECT * FROM finding WHERE status = 'fail'"
 * `itgc-validate sql` builds the same views with absolute paths, once per bundle, and unions them; every
 * view carries `bundle_id` (the run id) so several bundles can be compared in one query.
 *
 * Views: raw_call (one row per recorded page), entity views named like Steampipe's tables where a peer has
 * one (aws_iam_user, aws_iam_role, aws_iam_policy, aws_iam_credential_report, aws_cloudtrail_trail,
 * aws_cloudtrail_event, aws_sso_account_assignment, aws_identitystore_group_membership, gcp_iam_binding), and
 * result views (run, control, finding, population_item, scope_gap). Common columns: bundle_id, account_id (AWS
 * account or GCP project), region, as_of (when the answer was received, or the evaluation time).
 */
import { CREDENTIAL_REPORT_COLUMNS } from "../../queries/aws/iam/credential-report-columns.js";

export interface SchemaBundle {
  /** The run id (data/run.json `id`). */
  id: string;
  /** Directory of the bag with a trailing slash, or "" for paths relative to the bag root. */
  root: string;
  /**
   * The bag's payload paths (data/…). Entity views read only the files of their own operation (the file name
   * says it: data/raw/<account>/<region>/<seq>-<Service>.<Operation>.json), so a query about trails does not
   * parse every IAM page; an operation the bundle never called becomes an empty view of the same columns.
   */
  files: string[];
}

/** Every view this schema defines, in dependency order (for `sql --list` and the tests). */
export const VIEW_NAMES = [
  "raw_call",
  "run",
  "control",
  "finding",
  "population_item",
  "scope_gap",
  "aws_iam_user",
  "aws_iam_role",
  "aws_iam_policy",
  "aws_iam_credential_report",
  "aws_cloudtrail_trail",
  "aws_cloudtrail_event",
  "aws_sso_account_assignment",
  "aws_identitystore_group_membership",
  "gcp_iam_binding",
] as const;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

const BIG = "maximum_object_size = 268435456";

const RAW_COLUMNS = `columns = {seq: 'BIGINT', provider: 'VARCHAR', service: 'VARCHAR', operation: 'VARCHAR',
      account: 'VARCHAR', region: 'VARCHAR', input: 'JSON', output: 'JSON', error: 'JSON', requestId: 'VARCHAR',
      attempts: 'INTEGER', startedAt: 'VARCHAR', endedAt: 'VARCHAR'}`;

/** The raw_call columns over the files matching `glob` in one bundle, or an empty relation if none match. */
function rawSelect(b: SchemaBundle, glob: string, matches: (path: string) => boolean): string {
  if (!b.files.some(matches))
    return `SELECT CAST(NULL AS VARCHAR) AS bundle_id, CAST(NULL AS VARCHAR) AS provider, CAST(NULL AS VARCHAR) AS service,
    CAST(NULL AS VARCHAR) AS operation, CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS region,
    CAST(NULL AS JSON) AS input, CAST(NULL AS JSON) AS output, CAST(NULL AS JSON) AS error,
    CAST(NULL AS VARCHAR) AS request_id, CAST(NULL AS INTEGER) AS attempts, CAST(NULL AS TIMESTAMPTZ) AS started_at,
    CAST(NULL AS TIMESTAMPTZ) AS as_of, CAST(NULL AS BIGINT) AS seq, CAST(NULL AS VARCHAR) AS file WHERE false`;
  return `SELECT ${lit(b.id)} AS bundle_id, provider, service, operation, account AS account_id, region,
    input, output, error, "requestId" AS request_id, attempts,
    CAST("startedAt" AS TIMESTAMPTZ) AS started_at, CAST("endedAt" AS TIMESTAMPTZ) AS as_of,
    seq, regexp_extract(filename, 'data/raw/[^/]+/[^/]+/[^/]+$') AS file
  FROM read_json(${lit(`${b.root}${glob}`)}, filename = true, format = 'auto', ${BIG},
    ${RAW_COLUMNS})`;
}

/** The raw calls of some operations, across every bundle (the source of an entity view). */
function rawOf(bundles: SchemaBundle[], service: string, operations: string[]): string {
  return bundles
    .flatMap((b) =>
      operations.map((op) =>
        rawSelect(
          b,
          `data/raw/*/*/*-${service}.${op}.json`,
          (p) => p.startsWith("data/raw/") && p.endsWith(`-${service}.${op}.json`),
        ),
      ),
    )
    .join("\n  UNION ALL\n  ");
}

/** One bundle's base views (raw files and result files), as SELECTs to be unioned across bundles. */
function baseSelects(b: SchemaBundle): Record<string, string> {
  const id = lit(b.id);
  const p = (rel: string) => lit(`${b.root}${rel}`);
  const big = BIG;
  return {
    raw_call: rawSelect(b, "data/raw/**/*.json", (f) => f.startsWith("data/raw/")),
    run: `SELECT ${id} AS bundle_id, id AS run_id, CAST("startedAt" AS TIMESTAMPTZ) AS started_at,
    CAST("endedAt" AS TIMESTAMPTZ) AS ended_at, CAST("evaluatedAt" AS TIMESTAMPTZ) AS as_of, mode,
    tool->>'version' AS tool_version, "commandLine" AS command_line, callers, scope, providers, stats, params,
    waivers, evidence->'signing' AS signing
  FROM read_json(${p("data/run.json")}, format = 'auto', ${big},
    columns = {id: 'VARCHAR', startedAt: 'VARCHAR', endedAt: 'VARCHAR', evaluatedAt: 'VARCHAR', mode: 'VARCHAR',
      tool: 'JSON', commandLine: 'VARCHAR', callers: 'JSON', scope: 'JSON', providers: 'JSON', stats: 'JSON',
      params: 'JSON', waivers: 'JSON', evidence: 'JSON'})`,
    result_file: `SELECT ${id} AS bundle_id, * FROM read_json(${p("data/results/*.json")}, format = 'auto', ${big},
    columns = {format: 'VARCHAR', id: 'VARCHAR', title: 'VARCHAR', provider: 'VARCHAR', domain: 'VARCHAR',
      severity: 'VARCHAR', status: 'VARCHAR', reason: 'VARCHAR', query: 'VARCHAR', population: 'BIGINT',
      exceptions: 'BIGINT', waived: 'BIGINT', params: 'JSON', mappings: 'JSON', errors: 'JSON',
      findings: 'STRUCT(resource VARCHAR, account VARCHAR, region VARCHAR, status VARCHAR, message VARCHAR, waiver JSON)[]',
      items: 'JSON[]', conclusion: 'VARCHAR'})
  WHERE format = 'itgc-validate/control-result@1'`,
  };
}

/** Views derived from the base views, and entity views over the files of their own operations. */
const derived = (bs: SchemaBundle[]): Record<string, string> => ({
  control: `SELECT r.bundle_id, r.id AS control_id, r.title, r.provider, r.domain, r.severity, r.status, r.reason,
    r.query, r.population, r.exceptions, coalesce(r.waived, 0) AS waived, json_array_length(r.errors) AS errors,
    r.params, r.mappings, r.conclusion, run.as_of
  FROM _result_file r JOIN run USING (bundle_id)`,
  finding: `SELECT f.bundle_id, f.control_id, f.finding_no, f.v.resource AS resource, f.v.account AS account_id,
    f.v.region AS region, f.v.status AS status, f.v.message AS message, f.v.waiver AS waiver, run.as_of
  FROM (SELECT bundle_id, id AS control_id, unnest(findings) AS v,
      unnest(range(1, len(findings) + 1)) AS finding_no FROM _result_file) f
    JOIN run USING (bundle_id)`,
  population_item: `SELECT p.bundle_id, p.control_id, p.query, p.item_no, p.f.resource AS resource,
    p.f.account AS account_id, p.f.region AS region, p.f.status AS status, p.item, run.as_of
  FROM (SELECT bundle_id, id AS control_id, query, unnest(items) AS item, unnest(findings) AS f,
      unnest(range(1, len(items) + 1)) AS item_no FROM _result_file) p
    JOIN run USING (bundle_id)
  WHERE p.item IS NOT NULL`,
  scope_gap: `SELECT run.bundle_id, g->>'provider' AS provider, g->>'unit' AS account_id, g->>'region' AS region,
    g->>'reason' AS reason, run.as_of
  FROM run, LATERAL (SELECT unnest(CAST(run.scope->'skipped' AS JSON[])) AS g)`,
  aws_iam_user: `SELECT bundle_id, account_id, region, as_of, file, u->>'UserName' AS name, u->>'Arn' AS arn,
    u->>'UserId' AS user_id, u->>'Path' AS path, CAST(u->>'CreateDate' AS TIMESTAMPTZ) AS create_date,
    u->'GroupList' AS groups, u->'AttachedManagedPolicies' AS attached_policies,
    u->'UserPolicyList' AS inline_policies, u->'PermissionsBoundary' AS permissions_boundary, u->'Tags' AS tags
  FROM (${rawOf(bs, "IAM", ["GetAccountAuthorizationDetails"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'UserDetailList' AS JSON[])) AS u)
  WHERE output IS NOT NULL`,
  aws_iam_role: `SELECT bundle_id, account_id, region, as_of, file, r->>'RoleName' AS name, r->>'Arn' AS arn,
    r->>'RoleId' AS role_id, r->>'Path' AS path, CAST(r->>'CreateDate' AS TIMESTAMPTZ) AS create_date,
    r->>'AssumeRolePolicyDocument' AS assume_role_policy, r->'AttachedManagedPolicies' AS attached_policies,
    r->'RolePolicyList' AS inline_policies, r->'RoleLastUsed' AS last_used, r->'Tags' AS tags
  FROM (${rawOf(bs, "IAM", ["GetAccountAuthorizationDetails"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'RoleDetailList' AS JSON[])) AS r)
  WHERE output IS NOT NULL`,
  aws_iam_policy: `SELECT bundle_id, account_id, region, as_of, file,
    coalesce(p->>'PolicyName', regexp_extract(p->>'Arn', '[^/]+$')) AS name, p->>'Arn' AS arn,
    p->>'DefaultVersionId' AS default_version_id, CAST(p->>'AttachmentCount' AS INTEGER) AS attachment_count,
    p->'PolicyVersionList' AS versions
  FROM (${rawOf(bs, "IAM", ["GetAccountAuthorizationDetails"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'Policies' AS JSON[])) AS p)
  WHERE output IS NOT NULL`,
  aws_iam_credential_report: `WITH report AS (
    SELECT bundle_id, account_id, as_of, file,
      string_split(trim(decode(from_base64(output->>'Content')), E'\\n'), E'\\n') AS lines
    FROM (${rawOf(bs, "IAM", ["GetCredentialReport"])}) raw WHERE output IS NOT NULL
  ), line AS (
    SELECT bundle_id, account_id, as_of, file, string_split(lines[1], ',') AS header,
      string_split(unnest(lines[2:]), ',') AS cells
    FROM report
  )
  SELECT bundle_id, account_id, as_of, file,
    ${CREDENTIAL_REPORT_COLUMNS.map((c) => `cells[list_position(header, '${c}')] AS ${c === "user" ? '"user"' : c}`).join(",\n    ")}
  FROM line`,
  aws_cloudtrail_trail: `SELECT bundle_id, account_id, region, as_of, file, t->>'Name' AS name, t->>'TrailARN' AS arn,
    t->>'HomeRegion' AS home_region, CAST(t->>'IsMultiRegionTrail' AS BOOLEAN) AS is_multi_region_trail,
    CAST(t->>'IsOrganizationTrail' AS BOOLEAN) AS is_organization_trail,
    CAST(t->>'LogFileValidationEnabled' AS BOOLEAN) AS log_file_validation_enabled,
    t->>'S3BucketName' AS s3_bucket_name, t->>'KmsKeyId' AS kms_key_id,
    t->>'CloudWatchLogsLogGroupArn' AS log_group_arn
  FROM (${rawOf(bs, "CloudTrail", ["DescribeTrails"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'trailList' AS JSON[])) AS t)
  WHERE output IS NOT NULL`,
  aws_cloudtrail_event: `SELECT bundle_id, account_id, region, as_of, file, e->>'EventId' AS event_id,
    CAST(e->>'EventTime' AS TIMESTAMPTZ) AS event_time, e->>'EventSource' AS event_source,
    e->>'EventName' AS event_name, e->>'Username' AS username, CAST(e->>'ReadOnly' AS BOOLEAN) AS read_only,
    e->>'AccessKeyId' AS access_key_id, CAST(e->>'CloudTrailEvent' AS JSON) AS cloudtrail_event,
    CAST(e->>'CloudTrailEvent' AS JSON)->'userIdentity'->>'arn' AS actor_arn,
    CAST(e->>'CloudTrailEvent' AS JSON)->'userIdentity'->>'type' AS actor_type,
    CAST(e->>'CloudTrailEvent' AS JSON)->>'sourceIPAddress' AS source_ip,
    CAST(e->>'CloudTrailEvent' AS JSON)->>'errorCode' AS error_code
  FROM (${rawOf(bs, "CloudTrail", ["LookupEvents"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'Events' AS JSON[])) AS e)
  WHERE output IS NOT NULL`,
  aws_sso_account_assignment: `SELECT bundle_id, a->>'AccountId' AS account_id, region, as_of, file,
    input->>'InstanceArn' AS instance_arn, a->>'PermissionSetArn' AS permission_set_arn,
    a->>'PrincipalType' AS principal_type, a->>'PrincipalId' AS principal_id
  FROM (${rawOf(bs, "SSOAdmin", ["ListAccountAssignments", "ListAccountAssignmentsForPrincipal"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'AccountAssignments' AS JSON[])) AS a)
  WHERE output IS NOT NULL`,
  aws_identitystore_group_membership: `SELECT bundle_id, account_id, region, as_of, file,
    input->>'IdentityStoreId' AS identity_store_id, m->>'GroupId' AS group_id,
    m->'MemberId'->>'UserId' AS user_id, m->>'MembershipId' AS membership_id
  FROM (${rawOf(bs, "Identitystore", ["ListGroupMemberships"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'GroupMemberships' AS JSON[])) AS m)
  WHERE output IS NOT NULL`,
  gcp_iam_binding: `SELECT bundle_id, account_id AS project_id, region, as_of, file,
    coalesce(input->>'resource', input->>'name') AS resource, b.v->>'role' AS role, m AS member,
    b.v->'condition' AS condition
  FROM (${rawOf(bs, "ProjectsClient", ["getIamPolicy"])}
    UNION ALL ${rawOf(bs, "FoldersClient", ["getIamPolicy"])}
    UNION ALL ${rawOf(bs, "OrganizationsClient", ["getIamPolicy"])}) raw,
    LATERAL (SELECT unnest(CAST(output->'bindings' AS JSON[])) AS v) b,
    LATERAL (SELECT unnest(CAST(b.v->'members' AS VARCHAR[])) AS m)
  WHERE output IS NOT NULL`,
});

/** The CREATE VIEW statements for one or more bundles. */
export function schemaSql(bundles: SchemaBundle[]): string {
  if (bundles.length === 0) throw new Error("schemaSql needs at least one bundle");
  const selects = bundles.map(baseSelects);
  const union = (name: string) => selects.map((s) => s[name]).join("\nUNION ALL\n");
  const out = [
    '-- itgc-validate evidence views (DuckDB). Run from the bag root: duckdb -c ".read data/sql/schema.sql"',
    "-- Every view reads the signed files in place; verify the bundle (VERIFY.md) before relying on a result.",
    `CREATE OR REPLACE VIEW raw_call AS\n${union("raw_call")};`,
    `CREATE OR REPLACE VIEW run AS\n${union("run")};`,
    `CREATE OR REPLACE VIEW _result_file AS\n${union("result_file")};`,
  ];
  for (const [name, sql] of Object.entries(derived(bundles)))
    out.push(`CREATE OR REPLACE VIEW ${name} AS\n${sql};`);
  return `${out.join("\n\n")}\n`;
}

/** The copy shipped in a bundle: paths relative to the bag root. */
export function bundleSchemaSql(runId: string, files: string[]): string {
  return schemaSql([{ id: runId, root: "", files }]);
}
