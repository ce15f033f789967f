/**
 * What a trail's event selectors record, from GetEventSelectors' classic `EventSelectors` or
 * `AdvancedEventSelectors` (a trail has one or the other). Pure functions over the SDK shapes, so they are
 * unit-testable and shared by the trail queries.
 *
 * Advanced selectors: the field selectors of one selector are ANDed, the selectors are ORed. A management
 * selector (`eventCategory` = Management) records reads and writes unless `readOnly` narrows it
 * (Equals ["true"] → reads only, Equals ["false"] → writes only); `eventSource` NotEquals excludes sources
 * (e.g. kms.amazonaws.com); any other narrowing field makes the selector partial.
 */
import type { AdvancedEventSelector, EventSelector } from "@aws-sdk/client-cloudtrail";

export interface ManagementCoverage {
  /** Some selector records management read events (from every source). */
  reads: boolean;
  /** Some selector records management write events (from every source). */
  writes: boolean;
  /** Event sources excluded from every selector that records management writes. */
  excludedSources: string[];
}

type ReadWrite = { read: boolean; write: boolean };

function readWriteOfAdvanced(s: AdvancedEventSelector): ReadWrite {
  const f = (s.FieldSelectors ?? []).find((x) => x.Field === "readOnly");
  if (!f) return { read: true, write: true };
  const eq = f.Equals ?? [];
  const ne = f.NotEquals ?? [];
  let read = true;
  let write = true;
  if (eq.length > 0) {
    read = eq.includes("true");
    write = eq.includes("false");
  }
  if (ne.includes("true")) read = false;
  if (ne.includes("false")) write = false;
  return { read, write };
}

function readWriteOfClassic(s: EventSelector): ReadWrite {
  const rw = s.ReadWriteType ?? "All";
  return { read: rw === "All" || rw === "ReadOnly", write: rw === "All" || rw === "WriteOnly" };
}

function intersect(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  return lists.reduce((acc, l) => acc.filter((x) => l.includes(x))).sort();
}

export function managementCoverage(
  classic: EventSelector[],
  advanced: AdvancedEventSelector[],
): ManagementCoverage {
  let reads = false;
  const writeExclusions: string[][] = [];
  if (advanced.length > 0) {
    for (const s of advanced) {
      const fields = s.FieldSelectors ?? [];
      const category = fields.find((f) => f.Field === "eventCategory");
      if (!category || !(category.Equals ?? []).includes("Management")) continue;
      let partial = false;
      const excluded: string[] = [];
      for (const f of fields) {
        if (f.Field === "eventCategory" || f.Field === "readOnly") continue;
        const narrowsOnlyByExclusion =
          f.Field === "eventSource" &&
          (f.NotEquals ?? []).length > 0 &&
          !f.Equals?.length &&
          !f.StartsWith?.length &&
          !f.EndsWith?.length &&
          !f.NotStartsWith?.length &&
          !f.NotEndsWith?.length;
        if (narrowsOnlyByExclusion) excluded.push(...(f.NotEquals ?? []));
        else partial = true;
      }
      if (partial) continue;
      const rw = readWriteOfAdvanced(s);
      if (rw.read && excluded.length === 0) reads = true;
      if (rw.write) writeExclusions.push(excluded);
    }
  } else {
    for (const s of classic) {
      if (s.IncludeManagementEvents === false) continue;
      const rw = readWriteOfClassic(s);
      const excluded = s.ExcludeManagementEventSources ?? [];
      if (rw.read && excluded.length === 0) reads = true;
      if (rw.write) writeExclusions.push(excluded);
    }
  }
  return { reads, writes: writeExclusions.length > 0, excludedSources: intersect(writeExclusions) };
}

/**
 * Whether the selectors record S3 object-level (data) events for every object of `bucket`: reads
 * (GetObject …) and writes (PutObject, DeleteObject …). A selector covering only a prefix of the bucket, or
 * narrowed by other fields, does not count.
 */
export function s3DataEventCoverage(
  classic: EventSelector[],
  advanced: AdvancedEventSelector[],
  bucket: string,
  partition = "aws",
): ReadWrite {
  const all = `arn:${partition}:s3`;
  const bucketPrefix = `arn:${partition}:s3:::${bucket}/`;
  const out = { read: false, write: false };
  const add = (rw: ReadWrite) => {
    out.read ||= rw.read;
    out.write ||= rw.write;
  };
  if (advanced.length > 0) {
    for (const s of advanced) {
      const fields = s.FieldSelectors ?? [];
      const cat = fields.find((f) => f.Field === "eventCategory");
      const type = fields.find((f) => f.Field === "resources.type");
      if (!cat || !(cat.Equals ?? []).includes("Data")) continue;
      if (!type || !(type.Equals ?? []).includes("AWS::S3::Object")) continue;
      let covers = true;
      for (const f of fields) {
        if (["eventCategory", "resources.type", "readOnly"].includes(f.Field ?? "")) continue;
        if (f.Field !== "resources.ARN") {
          covers = false;
          continue;
        }
        if (f.Equals?.length || f.EndsWith?.length || f.NotEndsWith?.length) covers = false;
        if (f.StartsWith?.length && !f.StartsWith.some((p) => bucketPrefix.startsWith(p))) covers = false;
        const excluded = [...(f.NotStartsWith ?? []), ...(f.NotEquals ?? [])];
        if (excluded.some((p) => bucketPrefix.startsWith(p) || p.startsWith(bucketPrefix))) covers = false;
      }
      if (covers) add(readWriteOfAdvanced(s));
    }
  } else {
    for (const s of classic) {
      for (const r of s.DataResources ?? []) {
        if (r.Type !== "AWS::S3::Object") continue;
        const values = r.Values ?? [];
        const covers = values.some(
          (v) => v === all || v === `${all}:::` || v === bucketPrefix || v === `${all}:::${bucket}`,
        );
        if (covers) add(readWriteOfClassic(s));
      }
    }
  }
  return out;
}
