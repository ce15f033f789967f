/** `--gcp-endpoint HOST[:PORT]` parsing, apart from the gRPC connection so checking the flag loads no gRPC. */
import { InputError } from "../../core/errors.js";

export interface GcpEndpoint {
  host: string;
  port?: number;
  /** True for 127.0.0.1 / ::1 / localhost: plaintext, no credentials. */
  loopback: boolean;
}

/** Parses HOST[:PORT] ([::1]:PORT for IPv6). Throws InputError naming the flag. */
export function parseEndpoint(value: string, flag = "--gcp-endpoint"): GcpEndpoint {
  const v = value.trim().replace(/^(grpc|https?):\/\//, "");
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:]+)\](?::(\d+))?$/.exec(v);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if (/^[0-9a-fA-F:]+$/.test(v) && v.split(":").length > 2) {
    host = v;
  } else {
    const m = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(v);
    if (!m) throw new InputError({ field: flag, message: `"${value}" is not HOST[:PORT]` });
    host = m[1]!;
    portText = m[2];
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new InputError({ field: flag, message: `"${value}" has an invalid port` });
  return { host, ...(port ? { port } : {}), loopback: isLoopback(host) };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}
