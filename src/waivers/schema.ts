/** The published JSON Schema of a waivers file (schema/waivers.schema.json). */
import { readFileSync } from "node:fs";
import { WAIVERS_SCHEMA_FILE } from "../util/paths.js";

export const WAIVERS_SCHEMA = JSON.parse(readFileSync(WAIVERS_SCHEMA_FILE, "utf8")) as Record<
  string,
  unknown
>;
