/** A minimal PNG decoder (8-bit RGB/RGBA, non-interlaced — what Chromium writes) for screenshot checks. */
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const color = data[9]!;
      if (depth !== 8 || data[12] !== 0) throw new Error("only 8-bit non-interlaced PNGs");
      channels = color === 6 ? 4 : color === 2 ? 3 : color === 0 ? 1 : 0;
      if (!channels) throw new Error(`unsupported colour type ${color}`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Share of pixels that are not (near) white, and the number of distinct grey levels seen. */
export function inkStats(img: Image): { ink: number; levels: number } {
  let ink = 0;
  const levels = new Set<number>();
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const p = i * img.channels;
    const r = img.pixels[p]!;
    const g = img.pixels[p + (img.channels >= 3 ? 1 : 0)]!;
    const b = img.pixels[p + (img.channels >= 3 ? 2 : 0)]!;
    if (r < 240 || g < 240 || b < 240) ink++;
    levels.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
  }
  return { ink: ink / n, levels: levels.size };
}
