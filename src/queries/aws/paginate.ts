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

import { DEFAULT_MAX_PAGES, forEachPage, paginate } from "../../util/paginate.js";

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
 * hold twice (CloudTrail LookupEvents over a quarter). See src/util/paginate.ts `forEachPage`: the same
 * guards, and no page is held while the next one is awaited.
 *
 * @returns the number of pages read.
 */
export function forEachAwsPage<Page>(
  sendPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  onPage: (page: Page, pageNumber: number) => void,
  operation = "paginated AWS call",
  maxPages: number = DEFAULT_MAX_PAGES,
): Promise<number> {
  return forEachPage(sendPage, nextToken, onPage, operation, maxPages);
}
