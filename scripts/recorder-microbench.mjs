/**
 * In-process micro-bench of the recorder's per-page CPU (src/recording/*): the stored copy with its scrubbing
 * (`toStoredValue`), the scrubbing alone, the file's text (`recordedCallText`), and the worker's encode +
 * SHA-256, for a LookupEvents page of 50 bench-world events as the SDK hands it over (`EventTime` a Date,
 * `$metadata`), with an organization's secrets registered.
 *
 *   node scripts/recorder-microbench.mjs [--root DIR] [--secrets bench|real|none] [--asia] [--pages N]
 *
 * `--root`: the tree whose dist/ is measured (another worktree, for a before/after pair); `--secrets bench`:
 * the bench endpoint's 101 (each AssumeRole's `bench-member-secret-<account>` and `bench-session-token-…`,
 * and the caller's); `real`: 50 AWS-shaped pairs (40-character secret keys with `/` and `+`, so their
 * URL-encoded forms are registered too, and ≈ 700-character session tokens starting `IQoJb3JpZ2lu`);
 * `--asia`: each record carries `userIdentity.accessKeyId` (`ASIA…`), as real CloudTrail records do.
 * Prints CPU µs per page for each stage (user + sys of the process: the machine is shared, so not wall time),
 * the minimum and the median of 15 rounds.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { serialize } from "node:v8";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const root = resolve(opt("--root", "."));
const secrets = opt("--secrets", "bench");
const asia = args.includes("--asia");
const pages = Number(opt("--pages", "200"));
const mod = (p) => import(pathToFileURL(`${root}/dist/${p}`).href);

const { registerSecret, scrubSecrets } = await mod("recording/scrub.js");
const { toStoredValue, recordedCallText } = await mod("recording/format.js");
const { recordedCall } = await mod("recording/recorder.js");
const { convertedCall } = await mod("recording/spool-writer.js");
const { eventWriter } = await mod("bench/events-wire.js");
const { makeWorld } = await mod("bench/world.js");

const w = makeWorld({ accounts: 50, users: 5, org: true, regions: 4, events: 5000 });
let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const b64 = (n) => Array.from({ length: n }, () => B64[Math.floor(rnd() * 64)]).join("");
if (secrets === "bench") {
  registerSecret("bench-caller-secret-key-not-a-real-one");
  for (const a of w.accounts) {
    registerSecret(`bench-member-secret-${a}`);
    registerSecret(`bench-session-token-${a}`);
  }
} else if (secrets === "real") {
  registerSecret(b64(40));
  for (const _ of w.accounts) {
    registerSecret(b64(40));
    registerSecret(`IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD${b64(660)}`);
  }
}

const writer = eventWriter({ ...w, recordedAt: "2026-11-20T09:00:00.000Z" }, 89 * 86_400_000);
/** One page as the SDK returns it (JSON 1.1 parsed, EventTime a Date, $metadata). */
function page(n) {
  const account = w.accounts[n % w.accounts.length];
  const events = [];
  for (let i = 0; i < 50; i++) {
    let text = writer.json(account, "us-east-1", (n * 50 + i) % 5000);
    if (asia)
      text = text.replace(
        '\\"accountId\\":',
        `\\"accessKeyId\\":\\"ASIA${b64(16)
          .toUpperCase()
          .replace(/[^A-Z0-9]/g, "Q")}\\",\\"accountId\\":`,
      );
    const e = JSON.parse(text);
    e.EventTime = new Date(e.EventTime * 1000);
    events.push(e);
  }
  return {
    $metadata: { httpStatusCode: 200, requestId: "r", attempts: 1, totalRetryDelay: 0 },
    Events: events,
    NextToken: `p${n * 50 + 50}`,
  };
}
const input = {
  LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "false" }],
  StartTime: new Date("2026-08-22T09:00:00.000Z"),
  EndTime: new Date("2026-11-20T09:00:00.000Z"),
  NextToken: "p50",
};
const start = {
  provider: "aws",
  service: "CloudTrail",
  operation: "LookupEvents",
  account: w.caller,
  region: "us-east-1",
  input,
};
const outputs = Array.from({ length: pages }, (_, n) => page(n));
const strings = [];
const collect = (v) => {
  if (typeof v === "string") strings.push(v);
  else if (Array.isArray(v)) v.forEach(collect);
  else if (v && typeof v === "object" && !(v instanceof Date)) Object.values(v).forEach(collect);
};
outputs.forEach(collect);
const calls = outputs.map((output, n) =>
  recordedCall(n + 1, start, { output, requestId: "r", attempts: 1 }, "2026-11-20T09:00:00.000Z"),
);
const texts = calls.map(recordedCallText);
/** What the spool hands its writer thread for a call (spool.ts). */
const parts = (n) => ({
  seq: n + 1,
  start,
  end: { output: outputs[n], requestId: "r", attempts: 1 },
  startedAt: "x",
  endedAt: "x",
});
const serialised = outputs.map((_, n) => serialize(parts(n)));

let sink = 0;
const stages = {
  "scrubSecrets, every string of a page": () => {
    for (const s of strings) sink += scrubSecrets(s).length;
  },
  "toStoredValue (copy + scrub)": () => {
    for (const o of outputs) sink += toStoredValue(o).Events.length;
  },
  "recordedCall (copy + scrub of input and output)": () => {
    for (let n = 0; n < pages; n++)
      sink += recordedCall(n + 1, start, { output: outputs[n], requestId: "r", attempts: 1 }, "x").seq;
  },
  recordedCallText: () => {
    for (const c of calls) sink += recordedCallText(c).length;
  },
  "recordedCall + recordedCallText (the main thread's part until round 9)": () => {
    for (let n = 0; n < pages; n++)
      sink += recordedCallText(
        recordedCall(n + 1, start, { output: outputs[n], requestId: "r", attempts: 1 }, "x"),
      ).length;
  },
  "Buffer.from + SHA-256 (the writer's part until round 9)": () => {
    for (const t of texts) sink += createHash("sha256").update(Buffer.from(t)).digest("hex").length;
  },
  "v8.serialize of the call's parts (the main thread's part since round 9)": () => {
    for (let n = 0; n < pages; n++) sink += serialize(parts(n)).length;
  },
  "deserialize, convert, text, Buffer.from, SHA-256 (the writer's part since round 9)": () => {
    for (const raw of serialised)
      sink += createHash("sha256").update(convertedCall(raw)).digest("hex").length;
  },
};
const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / pages;
console.log(
  `root ${root}, secrets ${secrets}${asia ? ", ASIA access key ids" : ""}, ${pages} pages of ${(bytes / 1000).toFixed(1)} kB`,
);
for (const [name, f] of Object.entries(stages)) {
  f();
  const times = [];
  for (let r = 0; r < 15; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / pages);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(58)} min ${times[0].toFixed(0).padStart(5)}, median ${times[7].toFixed(0).padStart(5)} µs/page`,
  );
}
if (sink === 0) console.log("");
