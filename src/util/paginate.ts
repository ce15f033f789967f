/**
 * The paging loops of the code base (AWS queries through src/queries/aws/paginate.ts, Google calls
 * through providers/gcp/calls.ts and the REST queries): every page of a paginated call, fetched one after
 * another, failing closed — `forEachPage` hands each page on and keeps none, `paginate` collects them. A
 * token handed out before — repeated at once (A → A) or after a detour (A → B → A) — throws at once instead
 * of looping until a page cap; more than `maxPages` pages throws. Nothing here knows a cloud: the caller
 * builds each request and says where the next token is.
 */

/** The default cap on the pages of one paginated call; reaching it with a token still pending throws. */
export const DEFAULT_MAX_PAGES = 10_000;

/**
 * Fetch every page of a paginated call and return the pages in the order they were answered.
 *
 * @param sendPage sends one request and resolves to its page; it gets `undefined` for the first page and
 *   afterwards the (non-empty) token the previous page returned. Its errors propagate unchanged.
 * @param nextToken the token for the page after `page`, or undefined (or "") when `page` is the last. A
 *   caller whose API signals "more" some other way (IAM's IsTruncated) decides it here.
 * @param operation names the call in error messages, e.g. "EC2:DescribeVpcs".
 * @param maxPages the most pages to read (a positive integer); more than that throws.
 * @throws when a page returns a token an earlier page already returned, or when `maxPages` pages have
 *   been read and the last of them still names a next page. Nothing beyond that page is requested.
 */
export async function paginate<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  operation = "paginated call",
  maxPages: number = DEFAULT_MAX_PAGES,
): Promise<Page[]> {
  const pages: Page[] = [];
  await forEachPage(sendPage, nextToken, (page) => pages.push(page), operation, maxPages);
  return pages;
}

/**
 * Like `paginate`, but hands each page to `onPage` as it arrives and keeps none: for listings too large to
 * hold twice (a quarter of CloudTrail events or of Google audit log entries). The recorder already keeps
 * each raw page once, as evidence; the caller keeps only what it derives. Same guards: a repeated token or
 * more than `maxPages` pages throws. `onPage` gets the page and its 1-based number; its errors propagate
 * (the listing stops).
 *
 * @returns the number of pages read.
 */
export async function forEachPage<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  onPage: (page: Page, pageNumber: number) => void,
  operation = "paginated call",
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
