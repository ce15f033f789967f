/**
 * Writes the demo recordings under fixtures/ from their builders (fixtures/<provider>/demo-src/).
 * Run `npm run fixtures` after editing a builder; test/fixtures.test.ts fails if they drift apart.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { demoRecording } from "../fixtures/aws/demo-src/index.js";
import { gcpDemoRecording } from "../fixtures/gcp/demo-src/index.js";
import { githubDemoRecording } from "../fixtures/github/demo-src/index.js";
import { writeRecordedCalls } from "../src/recording/store.js";

export function writeDemo(
  dir: string,
  demo: { meta: Record<string, unknown>; calls: Parameters<typeof writeRecordedCalls>[1] },
) {
  rmSync(join(dir, "raw"), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeRecordedCalls(dir, demo.calls);
  writeFileSync(join(dir, "run.json"), `${JSON.stringify(demo.meta, null, 2)}\n`);
}

writeDemo(join(import.meta.dirname, "..", "fixtures", "aws", "demo"), demoRecording());
writeDemo(join(import.meta.dirname, "..", "fixtures", "gcp", "demo"), gcpDemoRecording());
writeDemo(join(import.meta.dirname, "..", "fixtures", "github", "demo"), await githubDemoRecording());
console.log("fixtures written");
