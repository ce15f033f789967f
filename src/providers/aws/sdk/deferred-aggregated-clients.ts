/**
 * The SDK's "aggregated" clients (`new EC2().describeInstances(…)`) are built when a client package loads:
 * its last line, `createAggregatedClient(commands, EC2, …)`, defines one method per command (client-ec2:
 * ≈ 750) and one per paginator and waiter on the aggregated class's prototype. This code base never uses
 * them — it sends commands through the bare clients (`EC2Client`) — yet the 18 packages of a run spent
 * ≈ 70 ms of a warm demo's start-up there under load (docs/performance.md, round 7).
 *
 * Deferred instead: `createAggregatedClient` of @smithy/core/client (which every client package reads when it
 * loads) is replaced before the first client loads by one that only hangs a Proxy between the aggregated
 * class's prototype and its parent's; the first time anything looks past the prototype's own properties
 * (a method call, `instanceof`, a property set on an instance), the Proxy is taken out and the SDK's own
 * `createAggregatedClient` runs, so from then on the class is exactly what the SDK makes of it.
 */
import { createRequire } from "node:module";

type Aggregate = (
  commands: Record<string, unknown>,
  Client: { prototype: object },
  options?: unknown,
) => void;

const plainRequire = createRequire(import.meta.url);
let installed = false;

/** Replaces @smithy/core/client's createAggregatedClient with the deferred one (once per process). */
export function deferAggregatedClients(): void {
  if (installed) return;
  installed = true;
  let core: { createAggregatedClient?: Aggregate };
  try {
    core = plainRequire("@smithy/core/client") as typeof core;
  } catch {
    return; // another SDK layout: the clients build their aggregated classes as they always did
  }
  const eager = core.createAggregatedClient;
  if (typeof eager !== "function") return;
  const deferred: Aggregate = (commands, Client, options) =>
    deferUntilUsed(Client.prototype, () => eager(commands, Client, options));
  try {
    core.createAggregatedClient = deferred;
  } catch {
    // a read-only export: nothing deferred
  }
}

/**
 * Runs `build` (which adds properties to `proto`) the first time a lookup reaches past `proto`'s own
 * properties, after putting `proto`'s real parent back; until then a Proxy of that parent stands in for it.
 */
export function deferUntilUsed(proto: object, build: () => void): void {
  const parent = Object.getPrototypeOf(proto) as object | null;
  if (parent === null) {
    build();
    return;
  }
  let built = false;
  const materialise = () => {
    if (built) return;
    built = true;
    Object.setPrototypeOf(proto, parent);
    build();
  };
  // Every trap materialises, then answers as the real prototype chain (now with the methods) would.
  const real = <T>(answer: () => T): T => {
    materialise();
    return answer();
  };
  const stand = new Proxy(parent, {
    get: (_t, key, receiver) => real(() => Reflect.get(proto, key, receiver)),
    set: (_t, key, value, receiver) => real(() => Reflect.set(proto, key, value, receiver)),
    has: (_t, key) => real(() => Reflect.has(proto, key)),
    getPrototypeOf: () => real(() => parent),
    getOwnPropertyDescriptor: (_t, key) => real(() => Reflect.getOwnPropertyDescriptor(parent, key)),
    ownKeys: () => real(() => Reflect.ownKeys(parent)),
    defineProperty: (_t, key, d) => real(() => Reflect.defineProperty(parent, key, d)),
    deleteProperty: (_t, key) => real(() => Reflect.deleteProperty(parent, key)),
  });
  Object.setPrototypeOf(proto, stand);
}
