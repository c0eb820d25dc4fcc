"""caddie's byte count per token: the challenge's rule gives the UTF-8 bytes of the decoded text."""

import io
import os

import numpy as np
import pytest
import sentencepiece as spm
from caddie_score import token_bytes
from caddie_score.shards import read_shard
from scoring_helpers import SHARED_MISSING, shared

TOKENIZER = shared("parameter-golf", "tokenizer", "fineweb_1024_bpe.model")
SP_VAL = shared("fineweb-sample", "sp1024", "fineweb_val_000000.bin")
TEXTS = ["The caddie keeps the score.", "  Golf  balls, über-fast: 3½ strokes!", "naïve café — déjà vu",
         "Parameter Golf counts bytes, not tokens.", "emoji 🏌️ and tabs\tand newlines\nare text too"]


def stream_bytes(table, ids):
    """Bytes of every target of a token stream (each token after the first, with its predecessor)."""
    ids = np.asarray(ids, dtype=np.int64)
    return table.count(ids[1:], ids[:-1])


def decoded_bytes(sp, docs):
    return sum(len(sp.decode([int(t) for t in doc]).encode("utf-8")) for doc in docs)


@pytest.fixture(scope="module")
def small_tokenizer(tmp_path_factory):
    """A 320-piece SentencePiece model with byte fallback, trained here on generated text."""
    rng = np.random.default_rng(0)
    words = ["golf", "score", "caddie", "bytes", "model", "the", "a", "über", "café", "run", "keeps", "3½"]
    lines = [" ".join(rng.choice(words, 12)) for _ in range(400)]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=model, vocab_size=320,
                                   byte_fallback=True, model_type="bpe", bos_id=1, eos_id=2, unk_id=3, pad_id=0,
                                   character_coverage=1.0, minloglevel=2)
    path = tmp_path_factory.mktemp("spm") / "small.model"
    path.write_bytes(model.getvalue())
    return str(path)


def test_byte260_counts_byte_tokens_and_not_specials():
    table = token_bytes.load("byte260")
    assert stream_bytes(table, [1, 4 + ord("h"), 4 + ord("i"), 1, 4 + 0xC3, 4 + 0xA9, 2]) == 4


def test_sentencepiece_bytes_equal_the_decoded_utf8_text_of_each_document(small_tokenizer):
    sp = spm.SentencePieceProcessor(model_file=small_tokenizer)
    docs = [sp.encode(text) for text in TEXTS]
    stream = [t for doc in docs for t in [1, *doc]]  # BOS starts each document, as in the shards
    table = token_bytes.load(f"sentencepiece:{small_tokenizer}")
    assert stream_bytes(table, stream) == decoded_bytes(sp, docs)
    assert table.size == 320


@pytest.mark.skipif(not os.path.isfile(TOKENIZER), reason=SHARED_MISSING)
def test_the_sp1024_rule_gives_the_bytes_of_the_real_fineweb_documents():
    sp = spm.SentencePieceProcessor(model_file=TOKENIZER)
    tokens = read_shard(SP_VAL).astype(np.int64)
    starts = list(np.flatnonzero(tokens == 1)) + [len(tokens)]
    docs = [tokens[a + 1 : b] for a, b in zip(starts[:-1], starts[1:], strict=True)]
    assert len(docs) == 20
    assert stream_bytes(token_bytes.load(f"sentencepiece:{TOKENIZER}"), tokens) == decoded_bytes(sp, docs)


def test_an_unknown_or_unreadable_tokenizer_is_refused_in_words(tmp_path):
    with pytest.raises(token_bytes.TokenizerError, match="unknown tokenizer spec"):
        token_bytes.load("tiktoken:gpt2")
    (tmp_path / "bad.model").write_bytes(b"not a model")
    with pytest.raises(token_bytes.TokenizerError, match="cannot load the SentencePiece model"):
        token_bytes.load(f"sentencepiece:{tmp_path / 'bad.model'}")
