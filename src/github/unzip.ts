/**
 * Reads a zip archive (a workflow artifact) into memory: stored and deflated entries, CRC checked.
 * Artifacts come from the runner and are untrusted, so sizes are capped and every offset is bounds-checked.
 */
import { crc32, inflateRawSync } from "node:zlib";

export interface UnzipLimits {
  maxEntries: number;
  maxEntryBytes: number;
}

const DEFAULT_LIMITS: UnzipLimits = { maxEntries: 64, maxEntryBytes: 32 * 1024 * 1024 };

function fail(why: string): never {
  throw new Error(`artifact is not a readable zip: ${why}`);
}

function inflate(raw: Buffer, name: string, max: number): Buffer {
  try {
    return inflateRawSync(raw, { maxOutputLength: max });
  } catch (error) {
    return fail(`${name} does not inflate (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function unzip(data: Buffer, limits: UnzipLimits = DEFAULT_LIMITS): Map<string, Buffer> {
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65_535); i--) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("no end of central directory");
  const count = data.readUInt16LE(eocd + 10);
  let offset = data.readUInt32LE(eocd + 16);
  if (count > limits.maxEntries) fail(`${count} entries (at most ${limits.maxEntries})`);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== 0x02014b50) fail("bad central directory");
    const method = data.readUInt16LE(offset + 10);
    const crc = data.readUInt32LE(offset + 16);
    const compressed = data.readUInt32LE(offset + 20);
    const size = data.readUInt32LE(offset + 24);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const local = data.readUInt32LE(offset + 42);
    const name = data.subarray(offset + 46, offset + 46 + nameLength).toString("utf8");
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (size > limits.maxEntryBytes) fail(`${name} is ${size} bytes (at most ${limits.maxEntryBytes})`);
    if (local + 30 > data.length || data.readUInt32LE(local) !== 0x04034b50) fail("bad local header");
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    if (start + compressed > data.length) fail(`${name} runs past the end`);
    const raw = data.subarray(start, start + compressed);
    let content: Buffer;
    if (method === 0) content = Buffer.from(raw);
    else if (method === 8) content = inflate(raw, name, limits.maxEntryBytes);
    else fail(`${name} uses compression method ${method}`);
    if (content.length !== size || crc32(content) !== crc) fail(`${name} fails its checksum`);
    files.set(name, content);
  }
  return files;
}
