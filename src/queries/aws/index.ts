/** Registers every AWS query module. Add new modules here. */
import { registerQuery } from "../registry.js";
import { analyzers } from "./accessanalyzer/analyzers.js";
import { trails } from "./cloudtrail/trails.js";
import { configRecorders } from "./config/recorders.js";
import { accountSummary } from "./iam/account-summary.js";
import { authorizationDetails } from "./iam/authorization-details.js";
import { credentialReport } from "./iam/credential-report.js";
import { passwordPolicy } from "./iam/password-policy.js";
import { policies } from "./iam/policies.js";
import { principals } from "./iam/principals.js";
import { rootMfa } from "./iam/root-mfa.js";
import { virtualMfaDevices } from "./iam/virtual-mfa-devices.js";

for (const q of [credentialReport, passwordPolicy, configRecorders, trails]) registerQuery(q);
// IAM authorization, root MFA and Access Analyzer (access pack)
for (const q of [
  authorizationDetails,
  principals,
  policies,
  accountSummary,
  virtualMfaDevices,
  rootMfa,
  analyzers,
])
  registerQuery(q);

// Change management and logging pack
import { trailBucketDataEvents } from "./cloudtrail/bucket-data-events.js";
import { alarms } from "./cloudwatch/alarms.js";
import { changeAlarms } from "./cloudwatch/change-alarms.js";
import { pipelines } from "./codepipeline/pipelines.js";
import { vpcFlowLogs } from "./ec2/vpc-flow-logs.js";
import { trailKeys } from "./kms/trail-keys.js";
import { logGroups } from "./logs/log-groups.js";
import { metricFilters } from "./logs/metric-filters.js";
import { trailLogGroups } from "./logs/trail-log-groups.js";
import { serviceControlPolicies } from "./organizations/service-control-policies.js";
import { trailCoverage } from "./organizations/trail-coverage.js";
import { trailBuckets } from "./s3/trail-buckets.js";
import { accountPublicAccessBlock } from "./s3control/public-access-block.js";

for (const q of [
  trailBucketDataEvents,
  alarms,
  changeAlarms,
  pipelines,
  vpcFlowLogs,
  trailKeys,
  logGroups,
  metricFilters,
  trailLogGroups,
  serviceControlPolicies,
  trailCoverage,
  trailBuckets,
  accountPublicAccessBlock,
])
  registerQuery(q);

// Event queries over the audit period (operating effectiveness)
import "./events/index.js";
// Detective services and logging completeness (10b): GuardDuty, Security Hub, log archive, EKS, trail coverage
import { eksAccessEntries } from "./eks/access-entries.js";
import { eksClusters } from "./eks/clusters.js";
import { guardDutyDetectors } from "./guardduty/detectors.js";
import { bucketLocation } from "./s3/bucket-location.js";
import { logArchiveBuckets } from "./s3/log-archive-buckets.js";
import { securityHub } from "./securityhub/hub.js";

for (const q of [
  guardDutyDetectors,
  securityHub,
  bucketLocation,
  logArchiveBuckets,
  eksClusters,
  eksAccessEntries,
])
  registerQuery(q);

import { breakGlassReadiness } from "./iam/break-glass.js";
import { oidcProviders } from "./iam/oidc-providers.js";
import { oidcTrust } from "./iam/oidc-trust.js";
import { oidcTrustRepositories } from "./iam/oidc-trust-repositories.js";
// Identity planes: IAM Identity Center, KMS key access, CI (OIDC) trust, break-glass readiness
import { identityStoreGroups } from "./identitystore/groups.js";
import { identityStoreUsers } from "./identitystore/users.js";
import { kmsKeyAccess } from "./kms/key-access.js";
import { kmsKeys } from "./kms/keys.js";
import { ssoAssignments, ssoUserAccess } from "./ssoadmin/access.js";
import { ssoAccountAssignments } from "./ssoadmin/account-assignments.js";
import { ssoInstances } from "./ssoadmin/instances.js";
import { ssoPermissionSetAccess } from "./ssoadmin/permission-set-access.js";
import { ssoPermissionSets } from "./ssoadmin/permission-sets.js";

for (const q of [
  ssoInstances,
  ssoPermissionSets,
  ssoAccountAssignments,
  ssoPermissionSetAccess,
  ssoAssignments,
  ssoUserAccess,
  identityStoreUsers,
  identityStoreGroups,
  kmsKeys,
  kmsKeyAccess,
  oidcProviders,
  oidcTrust,
  oidcTrustRepositories,
  breakGlassReadiness,
])
  registerQuery(q);
