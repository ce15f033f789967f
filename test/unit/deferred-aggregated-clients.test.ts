/**
 * sdk/deferred-aggregated-clients.ts: an SDK client package's aggregated class (`new IAM()`) is built the
 * first time it is used, and is then what the SDK builds: the same methods, `instanceof` its bare client, a
 * working command method. (The code base itself only uses the bare clients.)
 */
import { describe, expect, it } from "vitest";
import { deferUntilUsed } from "../../src/providers/aws/sdk/deferred-aggregated-clients.js";
import { requireSdk } from "../../src/providers/aws/sdk/require.js";

describe("deferred aggregated clients", () => {
  it("builds nothing until a lookup reaches past the prototype, then builds once", () => {
    class Base {
      base() {
        return "base";
      }
    }
    class Aggregated extends Base {}
    let builds = 0;
    deferUntilUsed(Aggregated.prototype, () => {
      builds++;
      (Aggregated.prototype as unknown as Record<string, () => string>).extra = () => "extra";
    });
    expect(builds).toBe(0);
    const a = new Aggregated() as Aggregated & { extra(): string };
    expect(a instanceof Base).toBe(true);
    expect(a.extra()).toBe("extra");
    expect(a.base()).toBe("base");
    expect(builds).toBe(1);
    expect(Object.getPrototypeOf(Aggregated.prototype)).toBe(Base.prototype);
  });

  it("leaves a real client package's aggregated class as the SDK makes it", async () => {
    const iam = requireSdk<typeof import("@aws-sdk/client-iam")>("@aws-sdk/client-iam");
    const client = new iam.IAM({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
    });
    expect(client).toBeInstanceOf(iam.IAMClient);
    expect(typeof (client as unknown as Record<string, unknown>).getAccountSummary).toBe("function");
    expect(typeof (client as unknown as Record<string, unknown>).paginateListUsers).toBe("function");
    // The method sends the command through the client's own send (stubbed here: no request leaves).
    let sent: unknown;
    client.send = (async (command: unknown) => {
      sent = command;
      return { SummaryMap: {} };
    }) as typeof client.send;
    await expect(client.getAccountSummary({})).resolves.toEqual({ SummaryMap: {} });
    expect(sent).toBeInstanceOf(iam.GetAccountSummaryCommand);
    client.destroy();
  });
});
