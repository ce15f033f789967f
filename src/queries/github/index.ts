/** Registers every GitHub query module. Add new modules here. */
import { registerQuery } from "../registry.js";
import { defaultBranchChanges } from "./changes.js";
import { environments } from "./environments.js";
import { actionsPolicy, membersWithout2fa, organizationOwners, organizationSettings } from "./org.js";
import { defaultBranchProtection } from "./protection.js";
import { deployKeys, repositoryCollaborators } from "./repo-access.js";
import { organizationRepositories } from "./repositories.js";

for (const q of [
  organizationSettings,
  organizationOwners,
  membersWithout2fa,
  actionsPolicy,
  organizationRepositories,
  defaultBranchProtection,
  repositoryCollaborators,
  deployKeys,
  environments,
  defaultBranchChanges,
])
  registerQuery(q);
