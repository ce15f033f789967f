/**
 * A minimal control over a test query, for the engine's own tests (stream, streamed-scopes, population-store,
 * cel-budget): one expectation on `n`, no assertion, an empty population passes. `over` replaces any field.
 */
import type { Control } from "../../src/core/types.js";

export function engineControl(id: string, query: string, over: Partial<Control> = {}): Control {
  return {
    id,
    title: id,
    provider: "github",
    domain: "access",
    severity: "low",
    objective: "x",
    procedure: "x",
    remediation: "x",
    mappings: {},
    query,
    query_params: {},
    resource: "id",
    expect: [{ that: "n < 3", message: "{id} is too large" }],
    assert: [],
    when_empty: "pass",
    params: {},
    source: { file: `${id}.yaml`, text: "" },
    ...over,
  };
}
