/**
 * Every page of a paginated AWS call, fetched one after another, failing closed.
 *
 * AWS list/describe calls answer one page at a time and hand back a continuation token (NextToken,
 * nextToken, or Marker when IsTruncated) for the next one. Query modules used to repeat the same loop:
 *
 *     let token; do { const out = await client.send(new XCommand(token ? { NextToken: token } : {}));
 *                     items.push(...(out.Items ?? [])); token = out.NextToken; } while (token);
 *
 * `paginateAws` is that loop, written once (the provider-neutral src/util/paginate.ts), with two guards the hand-written copies lacked: a token the
 * API already returned (it would loop forever) and more than `maxPages` pages both throw, so a query never
 * hangs nor evaluates a population it could not read completely.
 *
 * The caller still builds every request itself: `sendPage(undefined)` for the first page, then
 * `sendPage(token)` with the token the previous page returned. The helper never adds, drops or renames
 * an input member, so the requests stay byte-for-byte the ones the recorded fixtures were matched against
 * (unlike the SDK's paginate* helpers, which may add a page-size member). Don't switch to those.
 *
 * Example:
 *
 *     const pages = await paginateAws(
 *       (token) => ec2.send(new DescribeVpcsCommand(token ? { NextToken: token } : {})),
 *       (page) => page.NextToken,
 *       "EC2:DescribeVpcs",
 *     );
 *     const vpcs = pages.flatMap((p) => p.Vpcs ?? []);
 */

import { DEFAULT_MAX_PAGES, paginate } from "../../util/paginate.js";

export { DEFAULT_MAX_PAGES };

/**
 * Fetch every page of a paginated AWS call and return the pages in the order they were answered. See
 * src/util/paginate.ts: `sendPage(undefined)` first, then `sendPage(token)`; a repeated token (any cycle)
 * or more than `maxPages` pages throws.
 */
export function paginateAws<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  operation = "paginated AWS call",
  maxPages: number = DEFAULT_MAX_PAGES,
): Promise<Page[]> {
  return paginate(sendPage, nextToken, operation, maxPages);
}

/**
 * Like paginateAws, but hands each page to `onPage` as it arrives and keeps none: for listings too large to
 * hold twice (CloudTrail LookupEvents over a quarter). The recorder already keeps each raw page once, as
 * evidence; the caller keeps only what it derives. Same guards: a repeated token or more than `maxPages`
 * pages throws. `onPage` gets the page and its 1-based number; its errors propagate (the listing stops).
 *
 * @returns the number of pages read.
 */
export async function forEachAwsPage<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  onPage: (page: Page, pageNumber: number) => void,
  operation = "paginated AWS call",
  maxPages: number = DEFAULT_MAX_PAGES,
): Promise<number> {
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    throw new RangeError(`${operation}: maxPages must be a positive integer, got ${maxPages}`);
  }
  const seen = new Set<string>();
  let token: string | undefined;
  for (let n = 1; ; n++) {
    // Each page is handled in `pageStep`, outside this async function: V8 keeps an async function's dead
    // registers, so a page (or the promise resolved with it) held here stayed alive while the next page was
    // awaited — half a second at LookupEvents' 2/s, long enough for the young-generation collector to copy it
    // twice and promote it (a heap snapshot of events-org-50x4 held one whole page per account-region, and
    // every page's data went through the old generation; docs/performance.md, round 14).
    const next = await pageStep(sendPage, nextToken, onPage, token, n);
    if (!next) return n;
    if (seen.has(next)) throw new Error(`${operation}: the API repeated page token ${next}`);
    seen.add(next);
    if (n >= maxPages) {
      throw new Error(`${operation}: more than ${maxPages} pages; refusing to read an unbounded listing`);
    }
    token = next;
  }
}

/** One page: fetched, handed to `onPage`, and its continuation token returned (the page is not kept). */
function pageStep<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  onPage: (page: Page, pageNumber: number) => void,
  token: string | undefined,
  n: number,
): Promise<string | undefined> {
  return sendPage(token).then((page) => {
    onPage(page, n);
    return nextToken(page);
  });
}
