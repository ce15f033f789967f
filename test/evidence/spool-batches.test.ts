/**
 * The spool's writer thread gets the calls while the run goes on, also when they all complete in one turn of
 * the event loop (src/recording/spool.ts, POST_EVERY): a replay completes its calls in promise callbacks
 * only, and a whole demo's calls came in one turn, so the writer got nothing until `finish` and the main
 * thread wrote half of them itself (docs/performance.md, "Start-up and the warm demo", round 8).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CallStart } from "../../src/recording/recorder.js";
import { SpoolRecorder } from "../../src/recording/spool.js";
import { tempDir } from "./support.js";

const start = (i: number): CallStart => ({
  provider: "aws",
  service: "IAM",
  operation: "ListUsers",
  account: "111122223333",
  region: "us-east-1",
  input: { Marker: `m${i}` },
});

describe("calls completed without a turn of the event loop", () => {
  it("reach the writer thread in batches, before the turn ends (a replay completes its calls in promise callbacks only)", async () => {
    const out = tempDir();
    const recorder = SpoolRecorder.in(out);
    const spooled: string[] = [];
    for (let i = 0; i < 64; i++) recorder.begin(start(i))({ output: { Users: [{ UserName: `u${i}` }] } });
    // The paths the spool gives its calls (data/raw/<account>/<region>/<seq>-<Service>.<Operation>.json).
    const dir = join(recorder.root, "data", "raw", "111122223333", "us-east-1");
    // Without yielding: only a batch posted during this turn can be written by the writer thread.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      spooled.splice(0, spooled.length, ...(existsSync(dir) ? readdirSync(dir) : []));
      if (spooled.length >= 32) break;
    }
    expect(spooled.length).toBeGreaterThanOrEqual(32);
    const { spooled: done } = await recorder.finish();
    expect(done?.calls).toHaveLength(64);
    await recorder.discard();
  });
});
