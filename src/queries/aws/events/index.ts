/** Registers the event queries (operating effectiveness over the audit period). */
import { registerQuery } from "../../registry.js";
import { events, lookupEvents } from "./cloudtrail-events.js";
import { identityCenterSignIns } from "./identity-center-sign-ins.js";
import { pipelineExecutions } from "./pipeline-executions.js";

for (const q of [lookupEvents, events, pipelineExecutions, identityCenterSignIns]) registerQuery(q);
