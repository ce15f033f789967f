/**
 * forEachAwsPage keeps no page while it awaits the next one (paginate.ts pageStep). A page held across that
 * await lived half a second per LookupEvents page at 2/s — promoted to the old generation, one page per
 * account-region held at any time (a heap snapshot of events-org-50x4: 10,000 CloudTrailEvent strings, 0
 * after). V8 keeps an async function's dead registers, so this is about where the page is handled, not
 * about the code's scoping: the test fails on the loop that awaited `sendPage` itself.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { forEachAwsPage } from "../../src/queries/aws/paginate.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("forEachAwsPage releases each page before awaiting the next", () => {
  it("the first page can be collected while the second is still awaited", async () => {
    let firstPage: WeakRef<object> | undefined;
    let answerSecond: (page: { items: number[] }) => void = () => {};
    const send = (token: string | undefined) =>
      token === undefined
        ? Promise.resolve({ items: Array.from({ length: 10_000 }, (_, i) => i), NextToken: "t1" })
        : new Promise<{ items: number[]; NextToken?: string }>((resolve) => {
            answerSecond = resolve;
          });
    const pages: number[] = [];
    const listing = forEachAwsPage(
      send,
      (p) => p.NextToken,
      (p, n) => {
        pages.push(n);
        if (n === 1) firstPage = new WeakRef(p);
      },
      "test listing",
    );
    // Let the first page be handled and the second be asked for.
    for (let i = 0; i < 10 && pages.length === 0; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(pages).toEqual([1]);
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(firstPage?.deref()).toBeUndefined();
    answerSecond({ items: [] });
    await expect(listing).resolves.toBe(2);
  });
});
