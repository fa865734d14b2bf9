"""Protected-data hot paths: ID validation, field encryption and blind indexes, 1,000 values a run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
from datetime import date, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from stdnum.cn.ric import calc_check_digit

from benchlib import Case
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import check_digit_for, validate_id_number

PURPOSE = "person.id_number"
AREAS = ["110105", "320102", "320117", "320583", "440307", "510104", "650102", "810000", "119999"]
_rng = random.Random(2016)


def _number() -> str:
    born = date(1930, 1, 1) + timedelta(days=_rng.randrange(90 * 365))
    body = _rng.choice(AREAS) + born.strftime("%Y%m%d") + f"{_rng.randrange(1000):03d}"
    return body + check_digit_for(body)


NUMBERS = [_number() for _ in range(1000)]
FIELD_KEY = crypto.generate_key()
BLIND_KEY = crypto.generate_key()
_raw_cipher = AESGCM(base64.b64decode(FIELD_KEY))
_raw_blind = base64.b64decode(BLIND_KEY)
_AAD = b"jijinan-field|v1|bench|person.id_number"


def use_bench_keys() -> None:
    # bench/run.py has already run django.setup(); keys assigned here replace whatever the
    # settings hold, and the key ring notices the change on its next call.
    settings.JIJINAN_FIELD_KEYS = {"bench": FIELD_KEY}
    settings.JIJINAN_ACTIVE_FIELD_KEY = "bench"
    settings.JIJINAN_BLIND_INDEX_KEY = BLIND_KEY


def check_digit_only() -> None:
    for number in NUMBERS:
        assert calc_check_digit(number) == number[-1]


def validate_ids() -> None:
    for number in NUMBERS:
        validate_id_number(number)


def aesgcm_raw() -> None:
    for number in NUMBERS:
        nonce = secrets.token_bytes(12)
        sealed = _raw_cipher.encrypt(nonce, number.encode(), _AAD)
        assert _raw_cipher.decrypt(nonce, sealed, _AAD).decode() == number


def encrypt_decrypt() -> None:
    for number in NUMBERS:
        assert crypto.decrypt(crypto.encrypt(number, purpose=PURPOSE), purpose=PURPOSE) == number


def hmac_raw() -> None:
    for number in NUMBERS:
        hmac.new(_raw_blind, b"person.id_number\x00" + number.encode(), hashlib.sha256).hexdigest()


def blind_indexes() -> None:
    for number in NUMBERS:
        crypto.blind_index(number, purpose=PURPOSE)


CASES = [
    Case("id_check_digit_stdnum", check_digit_only, repeat=30, warmup=2, unit="1,000 IDs"),
    Case("validate_id_number", validate_ids, baseline="id_check_digit_stdnum", repeat=30, warmup=2,
         unit="1,000 IDs"),
    Case("aesgcm_raw", aesgcm_raw, setup=use_bench_keys, repeat=30, warmup=2, unit="1,000 values"),
    Case("encrypt_decrypt", encrypt_decrypt, baseline="aesgcm_raw", setup=use_bench_keys, repeat=30,
         warmup=2, unit="1,000 values"),
    Case("hmac_raw", hmac_raw, repeat=30, warmup=2, unit="1,000 values"),
    Case("blind_index", blind_indexes, baseline="hmac_raw", setup=use_bench_keys, repeat=30, warmup=2,
         unit="1,000 values"),
]
