/**
 * Reads a zip archive (a workflow artifact). Artifacts come from runners that ran agent-written code, so
 * the archive is hostile until proven otherwise:
 * - the central directory is read first and checked whole before anything is inflated: entry count, the
 *   sum of declared sizes, names (no duplicates), and every entry's bytes (local header + data) must lie
 *   inside the archive, before the central directory, and apart from every other entry's (a "zip bomb"
 *   of many central entries over one local header is refused here, having inflated nothing);
 * - each entry is inflated as a stream with a bounded buffer and stopped the moment it passes its declared
 *   size; the CRC is checked; entries the caller does not keep are only counted (a model file's size,
 *   never its bytes);
 * - stored and deflated entries, data descriptors (Python's zipfile on a stream, `zip -fd`, GitHub's own
 *   artifacts) and zip64 sizes and offsets are read; encryption and other methods are refused.
 */
import { crc32, createInflateRaw } from "node:zlib";

export interface UnzipLimits {
  /** Entries in the central directory (folders included). */
  maxEntries: number;
  /** Declared size of one entry that is kept in memory. */
  maxEntryBytes: number;
  /** Declared sizes of all entries together (kept or only counted): bounds the inflating work. */
  maxTotalBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxEntries: 64,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
};

export interface UnzipOptions {
  limits?: Partial<UnzipLimits>;
  /** Which entries to keep in memory; the others are inflated and checked, and only their size is kept. */
  keep?: (name: string) => boolean;
}

export interface Unzipped {
  /** The kept entries' contents, by name. */
  files: Map<string, Buffer>;
  /** Every file entry's inflated size, by name (kept or not). */
  sizes: Map<string, number>;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;
const CHUNK = 64 * 1024;

function fail(why: string): never {
  throw new Error(`artifact is not a readable zip: ${why}`);
}

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  local: number;
}

function u64(data: Buffer, at: number): number {
  if (at + 8 > data.length) fail("a zip64 field runs past the end");
  const value = data.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail("a zip64 size is out of range");
  return Number(value);
}

/** The end of central directory: entry count and where the directory lies (zip64 when it says so). */
function directory(data: Buffer): { count: number; offset: number; size: number } {
  let eocd = -1;
  // The record sits in the last 22 + 65535 bytes; its comment must run exactly to the end of the file.
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65_535); i--) {
    if (data.readUInt32LE(i) === EOCD && i + 22 + data.readUInt16LE(i + 20) === data.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("no end of central directory");
  let count = data.readUInt16LE(eocd + 10);
  let size = data.readUInt32LE(eocd + 12);
  let offset = data.readUInt32LE(eocd + 16);
  if (data.readUInt16LE(eocd + 4) !== 0 || data.readUInt16LE(eocd + 8) !== count)
    fail("multi-disk archives are not supported");
  if (count === 0xffff || size === MAX32 || offset === MAX32) {
    const locator = eocd - 20;
    if (locator < 0 || data.readUInt32LE(locator) !== EOCD64_LOCATOR) fail("zip64 locator missing");
    const at = u64(data, locator + 8);
    if (at + 56 > data.length || data.readUInt32LE(at) !== EOCD64) fail("bad zip64 end of directory");
    count = u64(data, at + 32);
    size = u64(data, at + 40);
    offset = u64(data, at + 48);
  }
  if (offset + size > data.length) fail("the central directory runs past the end");
  return { count, offset, size };
}

/** Sizes and offset from the zip64 extra field, for the fields the central entry left at 0xFFFFFFFF. */
function applyZip64(entry: Entry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    const body = extra.subarray(at + 4, at + 4 + length);
    if (body.length !== length) fail(`${entry.name} has a truncated extra field`);
    if (id === 0x0001) {
      let p = 0;
      const next = () => {
        const value = u64(body, p);
        p += 8;
        return value;
      };
      if (entry.size === MAX32) entry.size = next();
      if (entry.compressed === MAX32) entry.compressed = next();
      if (entry.local === MAX32) entry.local = next();
      return;
    }
    at += 4 + length;
  }
  if (entry.size === MAX32 || entry.compressed === MAX32 || entry.local === MAX32)
    fail(`${entry.name} needs zip64 sizes it does not carry`);
}

function readDirectory(data: Buffer, limits: UnzipLimits): { entries: Entry[]; offset: number } {
  const { count, offset, size } = directory(data);
  if (count > limits.maxEntries) fail(`${count} entries (at most ${limits.maxEntries})`);
  const entries: Entry[] = [];
  let at = offset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > offset + size || data.readUInt32LE(at) !== CENTRAL) fail("bad central directory");
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > offset + size) fail("bad central directory");
    const entry: Entry = {
      name: data.subarray(at + 46, at + 46 + nameLength).toString("utf8"),
      flags: data.readUInt16LE(at + 8),
      method: data.readUInt16LE(at + 10),
      crc: data.readUInt32LE(at + 16),
      compressed: data.readUInt32LE(at + 20),
      size: data.readUInt32LE(at + 24),
      local: data.readUInt32LE(at + 42),
    };
    applyZip64(entry, data.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.push(entry);
    at = end;
  }
  return { entries, offset };
}

/** Where an entry's data starts, after checking its local header agrees with the central one. */
function dataStart(data: Buffer, entry: Entry, directoryOffset: number): number {
  if (entry.local + 30 > directoryOffset || data.readUInt32LE(entry.local) !== LOCAL)
    fail(`${entry.name} has a bad local header`);
  const nameLength = data.readUInt16LE(entry.local + 26);
  const start = entry.local + 30 + nameLength + data.readUInt16LE(entry.local + 28);
  const localName = data.subarray(entry.local + 30, entry.local + 30 + nameLength).toString("utf8");
  if (localName !== entry.name) fail(`${entry.name} is named differently in its local header`);
  if (start + entry.compressed > directoryOffset) fail(`${entry.name} runs past its end`);
  return start;
}

/** Checks the whole directory before any inflating: counts, sizes, names, and no two entries sharing bytes. */
function plan(data: Buffer, limits: UnzipLimits): { entry: Entry; start: number }[] {
  const { entries, offset } = readDirectory(data, limits);
  const headers = new Set(entries.map((e) => e.local));
  if (headers.size < entries.length)
    fail(`${entries.length - headers.size + 1} entries share one local header`);
  const names = new Set<string>();
  let total = 0;
  const spans: { entry: Entry; start: number; from: number; to: number }[] = [];
  for (const entry of entries) {
    if (names.has(entry.name)) fail(`${entry.name} appears twice`);
    names.add(entry.name);
    if (entry.flags & 0x1) fail(`${entry.name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8)
      fail(`${entry.name} uses compression method ${entry.method}`);
    if (entry.method === 0 && entry.compressed !== entry.size) fail(`${entry.name} has inconsistent sizes`);
    total += entry.size;
    if (total > limits.maxTotalBytes) fail(`more than ${limits.maxTotalBytes} bytes in all once inflated`);
    const start = dataStart(data, entry, offset);
    spans.push({ entry, start, from: entry.local, to: start + entry.compressed });
  }
  const ordered = [...spans].sort((a, b) => a.from - b.from);
  for (let i = 1; i < ordered.length; i++) {
    const before = ordered[i - 1];
    const next = ordered[i];
    if (before && next && next.from < before.to)
      fail(`${next.entry.name} overlaps ${before.entry.name} (entries must not share bytes)`);
  }
  return spans.map(({ entry, start }) => ({ entry, start }));
}

/** Inflates one entry as a stream, stopping past its declared size; checks the CRC. */
function inflate(raw: Buffer, entry: Entry, keep: boolean): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let crc = 0;
    let settled = false;
    const done = (error: Error | null, value: Buffer | null = null) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(value);
    };
    const inflater = createInflateRaw({ chunkSize: CHUNK });
    inflater.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > entry.size) {
        inflater.destroy();
        done(new Error(`artifact is not a readable zip: ${entry.name} inflates past its declared size`));
        return;
      }
      crc = crc32(chunk, crc);
      if (keep) chunks.push(chunk);
    });
    inflater.on("error", (error) =>
      done(new Error(`artifact is not a readable zip: ${entry.name} does not inflate (${error.message})`)),
    );
    inflater.on("end", () => {
      if (size !== entry.size || crc !== entry.crc)
        return done(new Error(`artifact is not a readable zip: ${entry.name} fails its checksum`));
      done(null, keep ? Buffer.concat(chunks, size) : null);
    });
    inflater.end(raw);
  });
}

export async function unzip(data: Buffer, options: UnzipOptions = {}): Promise<Unzipped> {
  const limits = { ...DEFAULT_UNZIP_LIMITS, ...options.limits };
  const keep = options.keep ?? (() => true);
  const files = new Map<string, Buffer>();
  const sizes = new Map<string, number>();
  for (const { entry, start } of plan(data, limits)) {
    if (entry.name.endsWith("/")) continue;
    const kept = keep(entry.name);
    if (kept && entry.size > limits.maxEntryBytes)
      fail(`${entry.name} is ${entry.size} bytes (at most ${limits.maxEntryBytes})`);
    const raw = data.subarray(start, start + entry.compressed);
    let content: Buffer | null;
    if (entry.method === 0) {
      if (crc32(raw) !== entry.crc) fail(`${entry.name} fails its checksum`);
      content = kept ? Buffer.from(raw) : null;
    } else content = await inflate(raw, entry, kept);
    sizes.set(entry.name, entry.size);
    if (content) files.set(entry.name, content);
  }
  return { files, sizes };
}
