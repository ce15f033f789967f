/**
 * Per-item reads, narrowly (docs/architecture.md, "Failure units"): a query that asks the cloud once per item
 * (a trail's status, a bucket's settings, a pipeline's declaration) turns a failure for one item into an
 * item problem carrying what is known of that item, instead of failing the whole population.
 */
import { errorMessage } from "../core/errors.js";
import type { QueryProblem, Row } from "../core/types.js";

export interface ItemsRead {
  rows: Row[];
  problems: QueryProblem[];
}

/**
 * Reads every item with `read`; an item whose read throws becomes an item problem with the fields `known`
 * gives for it (at least its identifying field) and the error's message. Rows keep the items' order.
 * `sequential` reads one item at a time (for queries that must not fan out).
 */
export async function readEach<T>(
  items: T[],
  read: (item: T) => Promise<Row>,
  known: (item: T) => Row,
  opts: { sequential?: boolean } = {},
): Promise<ItemsRead> {
  const settle = async (item: T): Promise<{ row?: Row; problem?: QueryProblem }> => {
    try {
      return { row: await read(item) };
    } catch (e) {
      return { problem: { message: errorMessage(e), item: known(item) } };
    }
  };
  const outcomes: { row?: Row; problem?: QueryProblem }[] = [];
  if (opts.sequential) for (const item of items) outcomes.push(await settle(item));
  else outcomes.push(...(await Promise.all(items.map(settle))));
  return {
    rows: outcomes.flatMap((o) => (o.row ? [o.row] : [])),
    problems: outcomes.flatMap((o) => (o.problem ? [o.problem] : [])),
  };
}
