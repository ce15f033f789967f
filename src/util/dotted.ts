/** Reads `a.b.c` from a nested object; undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Fills `{field}` and `{params.name}` placeholders from the given bindings. A placeholder with no value
 * stays visible as `{field?}` so a wrong message template shows in review rather than printing "undefined".
 */
export function fillTemplate(template: string, bindings: Record<string, unknown>): string {
  return fillTemplateFrom(template, (name) => bindings[name]);
}

/**
 * fillTemplate with the bindings' top-level names read through `lookup` (what `bindings[name]` would be),
 * so a caller need not build the bindings object: a row's message binds the row's 30 fields, and copying
 * them into a new object for each failed row cost more than the message.
 */
export function fillTemplateFrom(template: string, lookup: (name: string) => unknown): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_, path: string) => {
    const dot = path.indexOf(".");
    const first = lookup(dot < 0 ? path : path.slice(0, dot));
    const v = dot < 0 ? first : getPath(first, path.slice(dot + 1));
    if (v === undefined) return `{${path}?}`;
    if (v === null) return "none";
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(String).join(", ");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  });
}
