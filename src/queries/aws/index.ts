/** Registers every AWS query module. Add new modules here. */
import { registerQuery } from "../registry.js";
import { trails } from "./cloudtrail/trails.js";
import { configRecorders } from "./config/recorders.js";
import { credentialReport } from "./iam/credential-report.js";
import { passwordPolicy } from "./iam/password-policy.js";

for (const q of [credentialReport, passwordPolicy, configRecorders, trails]) registerQuery(q);
