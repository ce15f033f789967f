/**
 * The one paging loop of the code base (AWS queries through src/queries/aws/paginate.ts, Google calls
 * through providers/gcp/calls.ts and the REST queries): every page of a paginated call, fetched one after
 * another, failing closed. A token handed out before — repeated at once (A → A) or after a detour
 * (A → B → A) — throws at once instead of looping until a page cap; more than `maxPages` pages throws.
 * Nothing here knows a cloud: the caller builds each request and says where the next token is.
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
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    throw new RangeError(`${operation}: maxPages must be a positive integer, got ${maxPages}`);
  }
  const pages: Page[] = [];
  // Every token handed out so far: a repeat means the API is cycling (A → B → A as well as A → A).
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await sendPage(token);
    pages.push(page);
    // Falsy ends the listing, as `while (token)` did: an empty-string token means "no more pages".
    const next = nextToken(page);
    if (!next) return pages;
    if (seen.has(next)) throw new Error(`${operation}: the API repeated page token ${next}`);
    seen.add(next);
    if (pages.length >= maxPages) {
      throw new Error(`${operation}: more than ${maxPages} pages; refusing to read an unbounded listing`);
    }
    token = next;
  }
}
