/**
 * YAML parsing that keeps source positions, so every problem in a control or params file can be reported
 * as file:line:column and the field it is about.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { InputProblem } from "../core/errors.js";

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  /** Position of the node at a JSON-pointer path; `key` gives the key's position instead of the value's. */
  locate(path: (string | number)[], key?: boolean): { line: number; column: number } | undefined;
}

export function parseYaml(file: string, text: string): { source?: YamlSource; problems: InputProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: InputProblem[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    return {
      file,
      line: pos?.line,
      column: pos?.col,
      message: `YAML: ${e.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
    };
  });
  if (problems.length > 0) return { problems };
  const locate = (path: (string | number)[], key = false) => {
    const node = findNode(doc.contents as Node | null, path, key);
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return { source: { file, text, value: doc.toJS({ maxAliasCount: 100 }), locate }, problems: [] };
}

function findNode(root: Node | null, path: (string | number)[], key: boolean): Node | undefined {
  let cur: Node | null | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const last = i === path.length - 1;
    if (isMap(cur)) {
      const pair = cur.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) return cur;
      if (last && key) return pair.key as Node;
      cur = pair.value as Node | null;
    } else if (isSeq(cur)) {
      const item = cur.items[Number(step)];
      if (!item) return cur;
      cur = item as Node;
    } else {
      return cur ?? undefined;
    }
  }
  return cur ?? undefined;
}
