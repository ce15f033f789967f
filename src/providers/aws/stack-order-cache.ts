/**
 * The order of a client's middleware stack, sorted once instead of for every command
 * (docs/performance.md, "Per call (round 7)").
 *
 * For every command it sends, the SDK concatenates the client's stack with the command's own (a clone of
 * every one of the client's ≈ 30 entries: a spread each, name and alias checks), then sorts the whole list
 * by step and priority and expands the entries placed relative to others, and only then composes the
 * handler: ≈ 12 % of an organization run's CPU, for a list that comes out the same every time. The SDK's own
 * answer, `cacheMiddleware`, keeps one composed handler per command class, and with it one handler context
 * for every concurrent call of that command (the endpoint it resolved, the auth scheme it selected, our
 * middleware's per-call flags): calls would read each other's state, so it is not used.
 *
 * Here only the *order* is kept. The client's stack `concat` (the SDK calls it from
 * `Command.resolveMiddlewareWithContext`, once per send) is replaced by one that reads the command's entries
 * (their names, steps, priorities and relations), looks up the order computed for that shape of command
 * stack, and composes the handler from it — every middleware factory called per call with the call's own
 * handler context, as `stack.resolve` does; the command's entries are the call's own too (never a function
 * kept from an earlier command). So nothing is shared between calls but the sorted positions.
 *
 * The order is computed by the SDK's own algorithm: the same `add` / `addRelativeTo` calls with the same
 * options are replayed into an empty stack of the client's own kind, with a marker in place of each
 * middleware, and the markers' order read back from its `resolve`. It depends on nothing but those options
 * (step, priority, name, aliases, relation, override), which are the cache key. Any change to the client's
 * stack (`add`, `addRelativeTo`, `remove`, `removeByTag`, `use` — a plugin adds through them) forgets what
 * was computed for it. A stack the SDK would refuse (a duplicate name, a missing relative) is left to the
 * SDK's own concat, which throws its own error; so is a stack with `identifyOnResolve` set (it logs).
 *
 * The one entry composed differently: given the client's configuration, the command's endpoint middleware
 * (`endpointV2Middleware`) is endpoint-middleware.ts's, the SDK's without its per-call copy of that
 * configuration.
 */

import { ENDPOINT_MIDDLEWARE, endpointMiddlewareFor } from "./endpoint-middleware.js";

/** The options of one entry, as the SDK's stack clones them (`cloneTo`), without the middleware. */
type EntryOptions = Record<string, unknown> & {
  name?: string;
  aliases?: string[];
  step?: string;
  priority?: string;
  relation?: string;
  toMiddleware?: string;
  override?: boolean;
};
// biome-ignore lint/suspicious/noExplicitAny: a middleware of any command
type Middleware = (next: any, context: any) => any;
interface Entry {
  middleware: Middleware;
  relative: boolean;
  options: EntryOptions;
}

/** The parts of the SDK's MiddlewareStack used here. */
export interface SdkStack {
  add(middleware: Middleware, options?: object): void;
  addRelativeTo(middleware: Middleware, options: object): void;
  remove(toRemove: unknown): boolean;
  removeByTag(tag: string): boolean;
  use(plugin: { applyToStack(stack: unknown): void }): void;
  clone(): SdkStack;
  concat(from: unknown): unknown;
  applyToStack(stack: unknown): void;
  identifyOnResolve(toggle?: boolean): boolean;
  // biome-ignore lint/suspicious/noExplicitAny: handlers of any command
  resolve(handler: any, context: any): any;
}

/** A stand-in stack that only records the entries another stack clones into it. */
function entriesOf(stack: { applyToStack(stack: unknown): void }): { entries: Entry[]; identify: boolean } {
  const entries: Entry[] = [];
  let identify = false;
  const take = (relative: boolean) => (middleware: Middleware, options: EntryOptions) => {
    const { middleware: _, ...rest } = options;
    entries.push({ middleware, relative, options: rest });
  };
  stack.applyToStack({
    add: take(false),
    addRelativeTo: take(true),
    identifyOnResolve: (toggle?: boolean) => {
      if (toggle) identify = true;
      return identify;
    },
  });
  return { entries, identify };
}

/** What decides an entry's place: the cache key of a command stack's entries. */
function shapeOf(entries: readonly Entry[]): string {
  let key = "";
  for (const { relative, options: o } of entries)
    key += `${relative ? "r" : "a"}|${o.name ?? ""}|${o.aliases?.join(",") ?? ""}|${o.step ?? ""}|${o.priority ?? ""}|${o.relation ?? ""}|${o.toMiddleware ?? ""}|${o.override ? 1 : 0}\n`;
  return key;
}

/**
 * Positions into `client entries ++ command entries`, outermost first, as the SDK's stack would sort them;
 * undefined when the SDK would refuse the stack (its own concat then throws its own error).
 */
function sortedPositions(clientStack: SdkStack, all: readonly Entry[]): number[] | undefined {
  // An empty stack of the client's own implementation: its clone, emptied.
  const probe = clientStack.clone();
  for (const e of entriesOf(probe).entries) probe.remove(e.middleware);
  try {
    all.forEach((e, i) => {
      const marker: Middleware = (next, seen: number[]) => {
        seen.push(i);
        return next;
      };
      if (e.relative) probe.addRelativeTo(marker, { ...e.options });
      else probe.add(marker, { ...e.options });
    });
    const seen: number[] = [];
    probe.resolve(undefined, seen); // composes innermost first
    return seen.reverse();
  } catch {
    return undefined;
  }
}

/** A concatenation whose handler is composed from the cached order (only `resolve` is fast). */
class OrderedConcat {
  private real: SdkStack | undefined;
  constructor(
    private readonly client: readonly Entry[],
    private readonly command: readonly Entry[],
    /** Positions into client ++ command, outermost first. */
    private readonly order: readonly number[],
    private readonly materialize: () => SdkStack,
    /** The endpoint middleware used in place of the command's own (endpoint-middleware.ts), if any. */
    private readonly endpoint: EndpointFor | undefined,
  ) {}
  // biome-ignore lint/suspicious/noExplicitAny: handlers of any command
  resolve(handler: any, context: any): any {
    if (this.real) return this.real.resolve(handler, context);
    const { client, command, order, endpoint } = this;
    const n = client.length;
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      const entry = (i < n ? client[i] : command[i - n]) as Entry;
      const middleware =
        (endpoint && i >= n && entry.options.name === ENDPOINT_MIDDLEWARE && endpoint(context)) ||
        entry.middleware;
      handler = middleware(handler, context);
    }
    return handler;
  }
  /** Anything else asked of the concatenation gets the SDK's own (and `resolve` then uses it). */
  stack(): SdkStack {
    this.real ??= this.materialize();
    return this.real;
  }
}
const STACK_METHODS = [
  "add",
  "addRelativeTo",
  "clone",
  "use",
  "remove",
  "removeByTag",
  "concat",
  "applyToStack",
  "identify",
  "identifyOnResolve",
] as const;
for (const m of STACK_METHODS)
  Object.defineProperty(OrderedConcat.prototype, m, {
    value(this: OrderedConcat, ...args: unknown[]) {
      const real = this.stack() as unknown as Record<string, (...a: unknown[]) => unknown>;
      return (real[m] as (...a: unknown[]) => unknown)(...args);
    },
  });

/** Concatenations served from the cached order, and orders sorted, for tests and the benchmark. */
let served = 0;
export const orderedConcats = (): number => served;
let sorted = 0;
export const stackOrdersSorted = (): number => sorted;

type EndpointFor = (context: unknown) => Middleware | undefined;

/**
 * Orders computed for any client of one class (`shareBy`), by the client stack's shape and the command's:
 * a run builds the same client again for every cell, account or region (the fault matrix: ≈ 15 clients for
 * each of its 470 runs), and each new client sorted its commands' stacks again. The order depends on nothing
 * but the entries' options (the key) and the stack implementation, which is the class's.
 */
const ordersByClass = new WeakMap<object, Map<string, number[] | null>>();
/** Kept per class at most (a bound, in case shapes kept changing: a plugin adding entries per client). */
const MAX_SHARED_ORDERS = 1000;

/**
 * Makes `stack` (a client's middleware stack) compose each command's handler from a cached order. Call it
 * once per client; later changes to the stack are seen. With `endpointConfig` (the client's configuration),
 * each command's endpoint middleware is the one of endpoint-middleware.ts, without the per-call copy of it.
 * With `shareBy` (the client's class), orders are also shared with the other clients of that class.
 */
export function cacheStackOrder(stack: SdkStack, endpointConfig?: object, shareBy?: object): void {
  const endpoint = endpointConfig ? endpointMiddlewareFor(endpointConfig) : undefined;
  const concat = stack.concat.bind(stack);
  let clientEntries: Entry[] | undefined;
  let clientShape = "";
  let identify = false;
  const orders = new Map<string, number[] | null>();
  const changed = () => {
    clientEntries = undefined;
    orders.clear();
  };
  let shared: Map<string, number[] | null> | undefined;
  if (shareBy) {
    shared = ordersByClass.get(shareBy);
    if (!shared) {
      shared = new Map();
      ordersByClass.set(shareBy, shared);
    }
  }
  for (const m of ["add", "addRelativeTo", "remove", "removeByTag", "identifyOnResolve"] as const) {
    const original = (stack[m] as (...a: unknown[]) => unknown).bind(stack);
    (stack as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      // identifyOnResolve() without an argument only reads the flag (the SDK's clone does).
      if (m !== "identifyOnResolve" || typeof args[0] === "boolean") changed();
      return original(...args);
    };
  }
  stack.concat = (from: unknown) => {
    const command = from as { applyToStack?(s: unknown): void; identifyOnResolve?(): boolean };
    if (typeof command?.applyToStack !== "function") return concat(from);
    if (!clientEntries) {
      const own = entriesOf(stack);
      clientEntries = own.entries;
      identify = own.identify;
      if (shared) clientShape = shapeOf(clientEntries);
    }
    const mine = entriesOf(command as { applyToStack(s: unknown): void });
    if (identify || mine.identify) return concat(from);
    const shape = shapeOf(mine.entries);
    let order = orders.get(shape);
    if (order === undefined) {
      const sharedKey = shared && `${clientShape}\u0000${shape}`;
      order = sharedKey !== undefined ? shared!.get(sharedKey) : undefined;
      if (order === undefined) {
        sorted++;
        order = sortedPositions(stack, clientEntries.concat(mine.entries)) ?? null;
        if (sharedKey !== undefined && shared!.size < MAX_SHARED_ORDERS) shared!.set(sharedKey, order);
      }
      orders.set(shape, order);
    }
    if (order === null) return concat(from);
    served++;
    return new OrderedConcat(clientEntries, mine.entries, order, () => concat(from) as SdkStack, endpoint);
  };
}
