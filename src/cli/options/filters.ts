/** The control filter flags shared by `controls list`, `run`, `demo` and `permissions`. */
import type { Command } from "commander";
import type { ControlFilter } from "../../controls/catalogue.js";
import { type Domain, PROVIDERS, type Provider, type Severity } from "../../core/types.js";
import { collectList, oneOf } from "../io.js";

export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option(
      "--provider <name>",
      `only controls for this provider: ${PROVIDERS.join(", ")} (repeatable, comma list)`,
      oneOf<Provider>(PROVIDERS),
    )
    .option(
      "--domain <name>",
      "only this domain: access, change-management, logging",
      oneOf<Domain>(["access", "change-management", "logging"]),
    )
    .option(
      "--control <id>",
      "only these control ids; a trailing * matches a prefix (repeatable)",
      collectList,
    )
    .option(
      "--framework <name>",
      "only controls mapped to this framework, e.g. cis-aws-v3.0, soc2",
      collectList,
    )
    .option(
      "--severity <level>",
      "only this severity: critical, high, medium, low, info",
      oneOf<Severity>(["critical", "high", "medium", "low", "info"]),
    )
    .option(
      "--controls-dir <path>",
      "load control definitions from here instead of the bundled catalogue (repeatable)",
      collectList,
    );
}

export interface FilterFlags {
  provider?: Provider[];
  domain?: Domain[];
  control?: string[];
  framework?: string[];
  severity?: Severity[];
  controlsDir?: string[];
}

export function filterFrom(flags: FilterFlags): ControlFilter {
  return {
    provider: flags.provider,
    domain: flags.domain,
    control: flags.control,
    framework: flags.framework,
    severity: flags.severity,
  };
}
