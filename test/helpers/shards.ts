import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";

/**
 * A challenge-format shard (256 x int32 header [20240520, 1, ntokens], then uint16 tokens) of `docs`
 * documents, each BOS (1) followed by `length` tokens; `seed` varies the tokens.
 */
export function shardBytes(docs: number, length: number, seed = 0): Buffer {
  const tokens: number[] = [];
  for (let d = 0; d < docs; d++) {
    tokens.push(1);
    for (let i = 0; i < length; i++) tokens.push(4 + ((d * 31 + i * 7 + seed) % 250));
  }
  const header = Buffer.alloc(256 * 4);
  header.writeInt32LE(20240520, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(tokens.length, 8);
  const body = Buffer.alloc(tokens.length * 2);
  tokens.forEach((t, i) => body.writeUInt16LE(t, i * 2));
  return Buffer.concat([header, body]);
}

export async function writeShard(file: string, docs: number, length: number, seed = 0): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, shardBytes(docs, length, seed));
}
