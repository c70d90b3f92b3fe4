"""training.restore_collected: a collected post's bytes rebuilt from read_file's text, checked by blob sha."""

from __future__ import annotations

import json

from kb.corpus import git_blob_sha
from training.restore_collected import decode, restore

ORIGINAL = "# Notes\r\n\r\n## Re\u0301sume\u0301 of a talk\r\n\r\nJane Doe \u200dtalked.\r\n"


def test_parts_are_json_string_bodies_joined():
    body = json.dumps('a\\b "q" é\n')[1:-1]
    assert decode([body[:5] + "\n", body[5:]]) == 'a\\b "q" é\n'


def test_the_exact_text_is_kept():
    data = b"plain\n"
    assert restore("plain\n", git_blob_sha(data)) == data


def test_crlf_lost_by_the_answer_is_put_back():
    data = b"a\r\nb\r\n"
    assert restore("a\nb\n", git_blob_sha(data)) == data


def test_decomposed_accents_are_put_back():
    data = "Ru\u0308eger\n".encode()
    assert restore("R\u00fceger\n", git_blob_sha(data)) == data


def test_one_zero_width_character_is_found():
    data = "Jane \u200dDoe\n".encode()
    assert restore("Jane Doe\n", git_blob_sha(data)) == data


def test_no_repair_matches_gives_none():
    assert restore("something else\n", git_blob_sha(ORIGINAL.encode())) is None
