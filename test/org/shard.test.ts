import { describe, expect, it } from "vitest";
import { inShard, memberRoleArn, parseShard, shardOf } from "../../src/providers/aws/organization.js";

const ids = Array.from({ length: 1000 }, (_, i) => String(100000000000 + i * 7919).padStart(12, "0"));

describe("--shard I/N", () => {
  it("is deterministic: the same account always lands in the same shard", () => {
    expect(ids.map((id) => shardOf(id, 7))).toEqual(ids.map((id) => shardOf(id, 7)));
    // Pinned values: a change of hash would silently move accounts between workers.
    expect(shardOf("111111111111", 4)).toBe(shardOf("111111111111", 4));
    expect([shardOf("123456789012", 4), shardOf("210987654321", 4)]).toMatchSnapshot();
  });

  it("covers every account exactly once, and spreads them roughly evenly", () => {
    for (const n of [1, 2, 3, 4, 10]) {
      const counts = new Array(n).fill(0);
      for (const id of ids) {
        const hits = Array.from({ length: n }, (_, i) => inShard(id, { index: i, count: n })).filter(Boolean);
        expect(hits).toHaveLength(1);
        counts[shardOf(id, n)]++;
      }
      for (const c of counts) expect(c).toBeGreaterThan((ids.length / n) * 0.7);
    }
  });

  it("parses I/N and rejects nonsense", () => {
    expect(parseShard("0/4")).toEqual({ index: 0, count: 4 });
    expect(() => parseShard("4/4")).toThrow();
    expect(() => parseShard("1")).toThrow();
    expect(() => parseShard("-1/2")).toThrow();
  });

  it("builds member role ARNs, with a path", () => {
    expect(memberRoleArn("aws", "222222222222", "ITGCAuditReadOnly")).toBe(
      "arn:aws:iam::222222222222:role/ITGCAuditReadOnly",
    );
    expect(memberRoleArn("aws-us-gov", "222222222222", "audit/Reader")).toBe(
      "arn:aws-us-gov:iam::222222222222:role/audit/Reader",
    );
  });
});
