"""The wire between the scorer (trusted) and the model host (untrusted): length-prefixed binary frames.

    frame   = header payload
    header  = magic b"CSC1" | kind (u8) | 3 zero bytes | payload length (u64 LE)      (16 bytes)

    scorer -> host   WINDOWS  u32 batch | u32 length | batch x length x i32 LE input ids
                     BYE      (empty)
    host -> scorer   READY    UTF-8 JSON object: context_len, contract, dtype, score_first_declared
                     LOGITS   u32 batch | u32 length | u32 vocab | u32 dtype (1 = f32 LE) | the values
                     ERROR    UTF-8 text: why the host cannot go on

Nothing the host sends is unpickled or evaluated: the scorer checks every length against a cap and an
exact expectation before reading the bytes (see score.py)."""

import struct

MAGIC = b"CSC1"
HEADER = struct.Struct("<4sB3xQ")
READY, LOGITS, ERROR = 1, 2, 3
WINDOWS, BYE = 16, 17
WINDOWS_HEAD = struct.Struct("<II")
LOGITS_HEAD = struct.Struct("<IIII")
FLOAT32 = 1
TEXT_CAP = 64 * 1024  # READY and ERROR payloads


def frame(kind, payload=b""):
    return HEADER.pack(MAGIC, kind, len(payload)) + payload
