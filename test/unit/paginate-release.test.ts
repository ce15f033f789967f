/**
 * The streaming page loop (src/util/paginate.ts forEachPage, behind forEachAwsPage and GcpCalls.eachPage)
 * keeps no page while it awaits the next one (pageStep). A page held across that
 * await lived half a second per LookupEvents page at 2/s — promoted to the old generation, one page per
 * account-region held at any time (a heap snapshot of events-org-50x4: 10,000 CloudTrailEvent strings, 0
 * after). V8 keeps an async function's dead registers, so this is about where the page is handled, not
 * about the code's scoping: the test fails on the loop that awaited `sendPage` itself.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { GcpCalls, type GcpTransport } from "../../src/providers/gcp/calls.js";
import { forEachAwsPage } from "../../src/queries/aws/paginate.js";
import { Recorder } from "../../src/recording/recorder.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A first page of 10,000 items and a second page that stays pending until `answerSecond` is called. */
function twoPages(first: Record<string, unknown>) {
  let answerSecond: (page: Record<string, unknown>) => void = () => {};
  const send = (token: string | undefined) =>
    token === undefined
      ? Promise.resolve({ items: Array.from({ length: 10_000 }, (_, i) => i), ...first })
      : new Promise<Record<string, unknown>>((resolve) => {
          answerSecond = resolve;
        });
  return { send, answerSecond: (page: Record<string, unknown>) => answerSecond(page) };
}

/** Lets the first page be handled and the second be asked for, collects, and says whether page 1 is gone. */
async function firstPageCollected(pages: number[], firstPage: () => WeakRef<object> | undefined) {
  for (let i = 0; i < 20 && pages.length === 0; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  expect(pages).toEqual([1]);
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  return firstPage()?.deref() === undefined;
}

describe("GcpCalls.eachPage releases each page before fetching the next", () => {
  it("the first page of log entries can be collected while the second is still being fetched", async () => {
    const { send, answerSecond } = twoPages({ nextPageToken: "t1" });
    const transport: GcpTransport = {
      invoke: async (_s, _o, request) => {
        const page = await send((request as { pageToken?: string }).pageToken);
        return [page.items, null, page];
      },
      rest: () => Promise.reject(new Error("no REST here")),
    };
    const calls = new GcpCalls({ recorder: new Recorder(), transport });
    let firstPage: WeakRef<object> | undefined;
    const pages: number[] = [];
    const listing = calls.eachPage(
      "LoggingServiceV2Client",
      "listLogEntries",
      "organizations/1",
      {},
      (p, n) => {
        pages.push(n);
        if (n === 1) firstPage = new WeakRef(p);
      },
    );
    // The recorder keeps its own copy of each page (the evidence); the page object handed on is the SDK's.
    expect(await firstPageCollected(pages, () => firstPage)).toBe(true);
    answerSecond({ items: [], nextPageToken: "" });
    await expect(listing).resolves.toBe(2);
  });

  it("refuses a repeated token and more pages than allowed", async () => {
    const transport = (pages: Record<string, unknown>[]): GcpTransport => ({
      invoke: async (_s, _o, request) => {
        const token = (request as { pageToken?: string }).pageToken;
        const page = pages[token === undefined ? 0 : Number(token.slice(1))]!;
        return [[], null, page];
      },
      rest: () => Promise.reject(new Error("no REST here")),
    });
    const cycling = new GcpCalls({
      recorder: new Recorder(),
      transport: transport([{ nextPageToken: "p1" }, { nextPageToken: "p1" }]),
    });
    await expect(
      cycling.eachPage("LoggingServiceV2Client", "listLogEntries", "o", {}, () => {}),
    ).rejects.toThrow("repeated page token p1");
    const endless = new GcpCalls({
      recorder: new Recorder(),
      transport: transport([{ nextPageToken: "p1" }, { nextPageToken: "p2" }, { nextPageToken: "p3" }]),
    });
    await expect(
      endless.eachPage("LoggingServiceV2Client", "listLogEntries", "o", {}, () => {}, 2),
    ).rejects.toThrow("more than 2 pages");
  });
});

describe("forEachAwsPage releases each page before awaiting the next", () => {
  it("the first page can be collected while the second is still awaited", async () => {
    const { send, answerSecond } = twoPages({ NextToken: "t1" });
    let firstPage: WeakRef<object> | undefined;
    const pages: number[] = [];
    const listing = forEachAwsPage(
      send,
      (p) => p.NextToken as string | undefined,
      (p, n) => {
        pages.push(n);
        if (n === 1) firstPage = new WeakRef(p);
      },
      "test listing",
    );
    expect(await firstPageCollected(pages, () => firstPage)).toBe(true);
    answerSecond({ items: [] });
    await expect(listing).resolves.toBe(2);
  });
});
