/**
 * Micro-bench of one LookupEvents call through the AWS SDK over loopback HTTP: the per-call path of the event
 * listing without the per-event work. A child process serves a fixed 50-event page (84 KB, `EventTime` in
 * epoch seconds, `CloudTrailEvent` a JSON string, as AWS sends it); the parent sends 2,000 LookupEvents
 * (after 200 to warm up) and prints wall and CPU (user + sys of the client process) per call.
 *
 *   node scripts/sdk-call-microbench.mjs            # the SDK's client as built
 *   TRIM=1 node scripts/sdk-call-microbench.mjs     # with the run's trimmed stack and cached order (dist/)
 *
 * Run it from the repository root after `npm run build`. The machine is shared: read CPU, not wall.
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";

if (process.argv[2] === "server") {
  const ev = (i) => ({
    EventId: `id-${i}`,
    EventName: "AssumeRole",
    ReadOnly: "true",
    AccessKeyId: "ASIAEXAMPLE",
    EventTime: 1764000000 + i,
    EventSource: "sts.amazonaws.com",
    Username: "u",
    Resources: [{ ResourceType: "AWS::IAM::Role", ResourceName: "arn:aws:iam::123456789012:role/r" }],
    CloudTrailEvent: JSON.stringify({ eventVersion: "1.08", x: "y".repeat(1300), i }),
  });
  const body = JSON.stringify({
    Events: Array.from({ length: 50 }, (_, i) => ev(i)),
    NextToken: "t".repeat(300),
  });
  createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": "r1",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  }).listen(0, "127.0.0.1", function () {
    process.send(this.address().port);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ["server"]);
  const port = await new Promise((r) => child.once("message", r));
  const { CloudTrailClient, LookupEventsCommand } = await import("@aws-sdk/client-cloudtrail");
  const client = new CloudTrailClient({
    region: "eu-west-1",
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET" },
  });
  if (process.env.TRIM) {
    const { trimStack } = await import("../dist/providers/aws/stack-trim.js");
    const { cacheStackOrder } = await import("../dist/providers/aws/stack-order-cache.js");
    trimStack(client.middlewareStack, false);
    cacheStackOrder(client.middlewareStack, client.config);
  }
  const N = 2000;
  for (let i = 0; i < 200; i++)
    await client.send(new LookupEventsCommand({ MaxResults: 50, NextToken: `t${i}` }));
  const c0 = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < N; i++)
    await client.send(new LookupEventsCommand({ MaxResults: 50, NextToken: `t${i}` }));
  const c = process.cpuUsage(c0);
  console.log(
    "per call: wall",
    ((performance.now() - t) / N).toFixed(3),
    "ms; client CPU",
    ((c.user + c.system) / N / 1000).toFixed(3),
    "ms (user",
    (c.user / N / 1000).toFixed(3),
    "sys",
    (c.system / N / 1000).toFixed(3),
    ")",
  );
  child.kill();
}
