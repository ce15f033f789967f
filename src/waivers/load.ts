/**
 * Reads a waivers file (`--waivers FILE`): a YAML list of accepted exceptions, each approved by someone other
 * than its requester and with an expiry. The file is validated like a control file — ajv against the
 * published schema, every problem reported as file:line:column with its field, exit 2 — because a waiver that
 * silently fails to parse would turn an accepted exception back into a failure nobody expects, or worse, a
 * typo would hide the wrong finding.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { schemaErrorProblem } from "../controls/schema-problem.js";
import { parseYaml } from "../controls/yaml-source.js";
import { InputError, type InputProblem } from "../core/errors.js";
import { WAIVERS_SCHEMA } from "./schema.js";

/** One accepted exception, as written by the risk owner. */
export interface Waiver {
  /** Position in the file (1-based), so reports can point at the entry. */
  index: number;
  /** file:line of the entry. */
  where: string;
  control: string;
  /** Exact resource, or a glob: `*` matches any run of characters, `?` one character. */
  resource: string;
  /** Optional: limit to one AWS account / GCP project. */
  account?: string;
  reason: string;
  ticket: string;
  requested_by: string;
  approved_by?: string;
  /** ISO date or datetime. */
  approved_on?: string;
  expires: string;
}

export interface WaiverSet {
  /** The file name as given (for messages); never written into the bundle as a path. */
  file: string;
  /** The exact bytes, copied into the bundle (data/waivers.yaml) and covered by its signature. */
  text: string;
  waivers: Waiver[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(WAIVERS_SCHEMA);

/** Parses and validates waivers text; throws InputError listing every problem with its position. */
export function parseWaivers(file: string, text: string): WaiverSet {
  const parsed = parseYaml(file, text);
  if (!parsed.source) throw new InputError(parsed.problems);
  const source = parsed.source;
  if (!validate(source.value))
    throw new InputError((validate.errors ?? []).map((e) => schemaErrorProblem(source, e)));
  const raw = source.value as { waivers: Omit<Waiver, "index" | "where">[] };
  const problems: InputProblem[] = [];
  const waivers = raw.waivers.map((w, i) => {
    const pos = source.locate(["waivers", i]);
    for (const key of ["approved_on", "expires"] as const) {
      const v = w[key];
      if (v !== undefined && Number.isNaN(Date.parse(String(v)))) {
        const p = source.locate(["waivers", i, key]);
        problems.push({
          file,
          line: p?.line,
          column: p?.column,
          field: `waivers.${i}.${key}`,
          message: `is not a date (use YYYY-MM-DD or an ISO 8601 datetime)`,
        });
      }
    }
    return {
      ...w,
      // YAML reads an unquoted 2026-12-31 as a Date; keep the text form the author wrote.
      expires: dateText(w.expires),
      ...(w.approved_on !== undefined ? { approved_on: dateText(w.approved_on) } : {}),
      index: i + 1,
      where: `${file}:${pos?.line ?? "?"}`,
    };
  });
  if (problems.length > 0) throw new InputError(problems);
  return { file, text, waivers };
}

export function loadWaiversFile(file: string): WaiverSet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError({ file, message: `cannot read the waivers file: ${(e as Error).message}` });
  }
  return parseWaivers(file, text);
}

function dateText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().replace(/T00:00:00\.000Z$/, "");
  return String(v);
}
