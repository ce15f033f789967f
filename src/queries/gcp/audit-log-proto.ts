/**
 * Decodes the `protoPayload` of a Cloud Audit Logs entry. Over gRPC, LogEntry.protoPayload is a
 * google.protobuf.Any whose value is a serialised google.cloud.audit.AuditLog; the Node client hands it back
 * undecoded (`{typeUrl, value}`, value as bytes — base64 in a recording), and no package we depend on ships
 * the AuditLog proto. This reads the protobuf wire format for the fields the controls use (field numbers
 * from google/cloud/audit/audit_log.proto):
 *
 *   AuditLog: status 2 (google.rpc.Status: code 1, message 2), authentication_info 3
 *   (AuthenticationInfo: principal_email 1, service_account_delegation_info 6 → first_party_principal 1 →
 *   principal_email 1), request_metadata 4 (RequestMetadata: caller_ip 1, caller_supplied_user_agent 2),
 *   service_name 7, method_name 8, resource_name 11, request 16 (google.protobuf.Struct).
 *
 * Unknown fields are skipped by wire type, so a newer AuditLog decodes too. A malformed payload throws.
 */

export interface AuditLogFields {
  serviceName: string;
  methodName: string;
  resourceName: string;
  principalEmail: string;
  delegatedBy: string[];
  callerIp: string;
  userAgent: string;
  statusCode: number;
  statusMessage: string;
  request: unknown;
}

export const AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog";

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done() {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error("truncated varint");
      const b = this.buf[this.pos++]!;
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error("varint too long");
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new Error("truncated field");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  double(): number {
    if (this.pos + 8 > this.buf.length) throw new Error("truncated double");
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.buf.length) throw new Error("truncated field");
  }
  /** Iterates the fields of a message: (field number, wire type). */
  *fields(): Generator<[number, number]> {
    while (!this.done) {
      const key = this.varint();
      yield [Math.floor(key / 8), key & 7];
    }
  }
}

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

export function decodeAuditLog(value: Uint8Array): AuditLogFields {
  const out: AuditLogFields = {
    serviceName: "",
    methodName: "",
    resourceName: "",
    principalEmail: "",
    delegatedBy: [],
    callerIp: "",
    userAgent: "",
    statusCode: 0,
    statusMessage: "",
    request: null,
  };
  const r = new Reader(value);
  for (const [field, wire] of r.fields()) {
    if (wire !== 2) {
      r.skip(wire);
      continue;
    }
    const b = r.bytes();
    switch (field) {
      case 7:
        out.serviceName = text(b);
        break;
      case 8:
        out.methodName = text(b);
        break;
      case 11:
        out.resourceName = text(b);
        break;
      case 2: {
        const s = new Reader(b);
        for (const [f, w] of s.fields()) {
          if (f === 1 && w === 0) out.statusCode = s.varint();
          else if (f === 2 && w === 2) out.statusMessage = text(s.bytes());
          else s.skip(w);
        }
        break;
      }
      case 3: {
        const a = new Reader(b);
        for (const [f, w] of a.fields()) {
          if (f === 1 && w === 2) out.principalEmail = text(a.bytes());
          else if (f === 6 && w === 2) {
            const d = new Reader(a.bytes());
            for (const [df, dw] of d.fields()) {
              if (df === 1 && dw === 2) {
                const fp = new Reader(d.bytes());
                for (const [pf, pw] of fp.fields()) {
                  if (pf === 1 && pw === 2) out.delegatedBy.push(text(fp.bytes()));
                  else fp.skip(pw);
                }
              } else d.skip(dw);
            }
          } else a.skip(w);
        }
        break;
      }
      case 4: {
        const m = new Reader(b);
        for (const [f, w] of m.fields()) {
          if (f === 1 && w === 2) out.callerIp = text(m.bytes());
          else if (f === 2 && w === 2) out.userAgent = text(m.bytes());
          else m.skip(w);
        }
        break;
      }
      case 16:
        out.request = decodeStruct(b);
        break;
      default:
        break;
    }
  }
  return out;
}

/** google.protobuf.Struct → a plain object. */
function decodeStruct(b: Uint8Array): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(b);
  for (const [f, w] of r.fields()) {
    if (f !== 1 || w !== 2) {
      r.skip(w);
      continue;
    }
    const e = new Reader(r.bytes());
    let key = "";
    let value: unknown = null;
    for (const [ef, ew] of e.fields()) {
      if (ef === 1 && ew === 2) key = text(e.bytes());
      else if (ef === 2 && ew === 2) value = decodeValue(e.bytes());
      else e.skip(ew);
    }
    out[key] = value;
  }
  return out;
}

function decodeValue(b: Uint8Array): unknown {
  const r = new Reader(b);
  let value: unknown = null;
  for (const [f, w] of r.fields()) {
    if (f === 1 && w === 0) {
      r.varint();
      value = null;
    } else if (f === 2 && w === 1) value = r.double();
    else if (f === 3 && w === 2) value = text(r.bytes());
    else if (f === 4 && w === 0) value = r.varint() !== 0;
    else if (f === 5 && w === 2) value = decodeStruct(r.bytes());
    else if (f === 6 && w === 2) {
      const l = new Reader(r.bytes());
      const list: unknown[] = [];
      for (const [lf, lw] of l.fields()) {
        if (lf === 1 && lw === 2) list.push(decodeValue(l.bytes()));
        else l.skip(lw);
      }
      value = list;
    } else r.skip(w);
  }
  return value;
}
