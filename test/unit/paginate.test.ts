import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PAGES, paginateAws } from "../../src/queries/aws/paginate.js";

interface Page {
  items: string[];
  NextToken?: string;
}

/** A fake API: page i of `pages` answers with a token to page i+1; records the tokens it was sent. */
function fakeApi(pages: Page[]) {
  const sent: (string | undefined)[] = [];
  const send = async (token: string | undefined): Promise<Page> => {
    sent.push(token);
    const index = token === undefined ? 0 : Number(token.slice("t".length));
    const page = pages[index];
    if (!page) throw new Error(`no page for token ${token}`);
    return page;
  };
  return { send, sent };
}

describe("paginateAws", () => {
  it("returns every page in order, sending undefined first and then each returned token", async () => {
    const api = fakeApi([
      { items: ["a", "b"], NextToken: "t1" },
      { items: ["c"], NextToken: "t2" },
      { items: ["d"] },
    ]);
    const pages = await paginateAws(api.send, (p) => p.NextToken, "Test:List");
    expect(pages.flatMap((p) => p.items)).toEqual(["a", "b", "c", "d"]);
    expect(api.sent).toEqual([undefined, "t1", "t2"]);
  });

  it("stops after one page when it names no next page", async () => {
    const api = fakeApi([{ items: ["only"] }]);
    const pages = await paginateAws(api.send, (p) => p.NextToken);
    expect(pages).toHaveLength(1);
    expect(api.sent).toEqual([undefined]);
  });

  it("treats an empty-string token as the end, like the `while (token)` loops it replaces", async () => {
    const api = fakeApi([{ items: ["x"], NextToken: "" }]);
    const pages = await paginateAws(api.send, (p) => p.NextToken);
    expect(pages).toHaveLength(1);
    expect(api.sent).toEqual([undefined]);
  });

  it("throws when a page repeats the token it was fetched with", async () => {
    const api = fakeApi([
      { items: ["a"], NextToken: "t1" },
      { items: ["b"], NextToken: "t1" },
    ]);
    await expect(paginateAws(api.send, (p) => p.NextToken, "Test:List")).rejects.toThrow(
      "Test:List: the API repeated page token t1",
    );
    expect(api.sent).toEqual([undefined, "t1"]);
  });

  it("throws when tokens cycle back to an earlier one", async () => {
    const api = fakeApi([
      { items: ["a"], NextToken: "t1" },
      { items: ["b"], NextToken: "t2" },
      { items: ["c"], NextToken: "t1" },
    ]);
    await expect(paginateAws(api.send, (p) => p.NextToken, "Test:List")).rejects.toThrow(
      /repeated page token t1/,
    );
    expect(api.sent).toEqual([undefined, "t1", "t2"]);
  });

  it("throws on reaching the page cap with a page still pending, without requesting it", async () => {
    const api = fakeApi(
      Array.from({ length: 10 }, (_, i) => ({ items: [String(i)], NextToken: `t${i + 1}` })),
    );
    await expect(paginateAws(api.send, (p) => p.NextToken, "Test:List", 3)).rejects.toThrow(
      "Test:List: more than 3 pages",
    );
    expect(api.sent).toEqual([undefined, "t1", "t2"]);
  });

  it("allows exactly maxPages pages when the last one ends the listing", async () => {
    const api = fakeApi([
      { items: ["a"], NextToken: "t1" },
      { items: ["b"], NextToken: "t2" },
      { items: ["c"] },
    ]);
    const pages = await paginateAws(api.send, (p) => p.NextToken, "Test:List", 3);
    expect(pages).toHaveLength(3);
  });

  it("defaults the cap to DEFAULT_MAX_PAGES", async () => {
    let n = 0;
    const send = async () => ({ NextToken: `t${++n}` });
    await expect(paginateAws(send, (p) => p.NextToken)).rejects.toThrow(
      `more than ${DEFAULT_MAX_PAGES} pages`,
    );
    expect(n).toBe(DEFAULT_MAX_PAGES);
  });

  it("propagates an error from sending a page unchanged", async () => {
    const boom = new Error("AccessDenied");
    await expect(
      paginateAws(
        async () => Promise.reject(boom),
        () => undefined,
      ),
    ).rejects.toBe(boom);
  });

  it("rejects a maxPages that is not a positive integer", async () => {
    const api = fakeApi([{ items: [] }]);
    await expect(paginateAws(api.send, (p) => p.NextToken, "Test:List", 0)).rejects.toThrow(RangeError);
    expect(api.sent).toEqual([]);
  });
});
