/** Registers every GCP query module. Add new modules here. */
import { registerQuery } from "../registry.js";
import {
  effectiveBindings,
  effectiveMembers,
  folderBindings,
  organizationBindings,
  projectBindings,
} from "./iam.js";
import { effectiveAuditConfig, organizationSinks, sinkDestinations } from "./logging.js";
import { effectiveOrgPolicies } from "./org-policy.js";
import { organizations, projectLiens, projects } from "./resource-manager.js";

for (const q of [
  organizations,
  projects,
  projectLiens,
  organizationBindings,
  folderBindings,
  projectBindings,
  effectiveBindings,
  effectiveMembers,
  effectiveAuditConfig,
  organizationSinks,
  sinkDestinations,
  effectiveOrgPolicies,
])
  registerQuery(q);

// Admin Activity audit log entries over the audit period (operating effectiveness)
import { adminActivity, orgAdminActivity } from "./admin-activity.js";

for (const q of [adminActivity, orgAdminActivity]) registerQuery(q);

// Access depth (issue 10 item 6): service-account keys, Cloud KMS key IAM, Workload Identity Federation
import { cryptoKeys, keyIamMembers } from "./kms.js";
import { serviceAccountKeys } from "./service-accounts.js";
import { workloadIdentityProviders } from "./workload-identity.js";

for (const q of [serviceAccountKeys, keyIamMembers, cryptoKeys, workloadIdentityProviders]) registerQuery(q);
