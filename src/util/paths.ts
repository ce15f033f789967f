import { fileURLToPath } from "node:url";

/** The package root: works from src/util (tests) and dist/util (the built CLI) alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const BUNDLED_CONTROLS_DIR = `${PACKAGE_ROOT}controls`;
export const CONTROL_SCHEMA_FILE = `${PACKAGE_ROOT}schema/control.schema.json`;
export const FIXTURES_DIR = `${PACKAGE_ROOT}fixtures`;
export const WAIVERS_SCHEMA_FILE = `${PACKAGE_ROOT}schema/waivers.schema.json`;
