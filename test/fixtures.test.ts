import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoRecording } from "../fixtures/aws/demo-src/index.js";
import { gcpDemoRecording } from "../fixtures/gcp/demo-src/index.js";
import { githubDemoRecording } from "../fixtures/github/demo-src/index.js";
import { RECORDED_CALL_FORMAT, recordedCallPath } from "../src/recording/format.js";
import { loadRecording } from "../src/recording/store.js";
import { ROOT } from "./support/cli.js";

describe("committed fixtures equal their builders (run `npm run fixtures` after editing a builder)", () => {
  it("fixtures/aws/demo", () => {
    const dir = join(ROOT, "fixtures", "aws", "demo");
    const built = demoRecording();
    const committed = loadRecording(dir);
    expect(committed.calls.length).toBe(built.calls.length);
    for (const call of built.calls) {
      const onDisk = JSON.parse(readFileSync(join(dir, recordedCallPath(call)), "utf8"));
      expect(onDisk).toEqual({ format: RECORDED_CALL_FORMAT, ...call });
    }
    expect(committed.meta).toEqual(built.meta);
  });

  it("fixtures/gcp/demo", () => {
    const dir = join(ROOT, "fixtures", "gcp", "demo");
    const built = gcpDemoRecording();
    const committed = loadRecording(dir);
    expect(committed.calls.length).toBe(built.calls.length);
    for (const call of built.calls) {
      const onDisk = JSON.parse(readFileSync(join(dir, recordedCallPath(call)), "utf8"));
      expect(onDisk).toEqual({ format: RECORDED_CALL_FORMAT, ...call });
    }
    expect(committed.meta).toEqual(built.meta);
  });

  it("fixtures/github/demo (recorded through Octokit from the local GitHub stand-in)", async () => {
    const dir = join(ROOT, "fixtures", "github", "demo");
    const built = await githubDemoRecording();
    const committed = loadRecording(dir);
    expect(committed.calls.length).toBe(built.calls.length);
    for (const call of built.calls) {
      const onDisk = JSON.parse(readFileSync(join(dir, recordedCallPath(call)), "utf8"));
      expect(onDisk).toEqual({ format: RECORDED_CALL_FORMAT, ...call });
    }
    expect(committed.meta).toEqual(built.meta);
  });
});
