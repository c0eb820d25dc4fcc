"""Bytes of text per scored token, counted by caddie from the tokenizer (never from the run).

A target token t preceded by token p counts  base[t] + (leading_space[t] and not boundary[p]).
  byte260             golf_mini's byte layout: ids 0-3 are specials (0 bytes), id b + 4 is byte b (1 byte).
  sentencepiece:PATH  the challenge's rule (openai/parameter-golf build_sentencepiece_luts + eval_val):
                      control/unknown/unused pieces are boundaries of 0 bytes, byte pieces 1 byte, others
                      the UTF-8 length of the piece without its leading "▁", which counts one byte (the
                      space) unless the previous token is a boundary."""

from dataclasses import dataclass

import numpy as np


class TokenizerError(ValueError):
    """A tokenizer spec caddie cannot read."""


@dataclass(frozen=True)
class ByteTable:
    base: np.ndarray  # int64 [size]
    leading_space: np.ndarray  # bool [size]
    boundary: np.ndarray  # bool [size]

    @property
    def size(self):
        return len(self.base)

    def count(self, targets, previous):
        """Total bytes of the target tokens, each with the token before it."""
        extra = self.leading_space[targets] & ~self.boundary[previous]
        return int(self.base[targets].sum() + extra.sum())


def byte260():
    base = np.zeros(260, dtype=np.int64)
    base[4:] = 1
    return ByteTable(base, np.zeros(260, dtype=bool), np.ones(260, dtype=bool))


def sentencepiece_table(path):
    try:
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=path)
    except (ImportError, OSError, RuntimeError) as err:
        raise TokenizerError(f"cannot load the SentencePiece model {path}: {err}") from err
    size = int(sp.vocab_size())
    base = np.zeros(size, dtype=np.int64)
    leading_space = np.zeros(size, dtype=bool)
    boundary = np.ones(size, dtype=bool)
    for token in range(size):
        if sp.is_control(token) or sp.is_unknown(token) or sp.is_unused(token):
            continue
        boundary[token] = False
        if sp.is_byte(token):
            base[token] = 1
            continue
        piece = sp.id_to_piece(token)
        if piece.startswith("\u2581"):
            leading_space[token] = True
            piece = piece[1:]
        base[token] = len(piece.encode("utf-8"))
    return ByteTable(base, leading_space, boundary)


def load(spec):
    if spec == "byte260":
        return byte260()
    if spec.startswith("sentencepiece:") and len(spec) > len("sentencepiece:"):
        return sentencepiece_table(spec[len("sentencepiece:") :])
    raise TokenizerError(f"unknown tokenizer spec {spec!r}: use byte260 or sentencepiece:PATH")
