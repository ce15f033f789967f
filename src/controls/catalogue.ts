/** Selecting controls from the catalogue: the filters shared by `controls list`, `run` and `permissions`. */
import type { Control, Domain, Provider, Severity } from "../core/types.js";

export interface ControlFilter {
  provider?: Provider[];
  domain?: Domain[];
  /** Ids; a trailing `*` matches a prefix (access.aws-iam-*). */
  control?: string[];
  /** Framework names that must appear in the control's mappings (e.g. cis-aws-v3.0). */
  framework?: string[];
  severity?: Severity[];
}

export function filterControls(controls: Control[], f: ControlFilter): Control[] {
  return controls.filter(
    (c) =>
      (!f.provider?.length || f.provider.includes(c.provider)) &&
      (!f.domain?.length || f.domain.includes(c.domain)) &&
      (!f.severity?.length || f.severity.includes(c.severity)) &&
      (!f.framework?.length || f.framework.some((fw) => (c.mappings[fw]?.length ?? 0) > 0)) &&
      (!f.control?.length || f.control.some((pattern) => matchId(pattern, c.id))),
  );
}

function matchId(pattern: string, id: string): boolean {
  return pattern.endsWith("*") ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
}

/** Framework names used anywhere in the catalogue, for --framework validation and help. */
export function knownFrameworks(controls: Control[]): string[] {
  return [...new Set(controls.flatMap((c) => Object.keys(c.mappings)))].sort();
}
