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
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_, path: string) => {
    const v = getPath(bindings, path);
    if (v === undefined) return `{${path}?}`;
    if (v === null) return "none";
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(String).join(", ");
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  });
}
