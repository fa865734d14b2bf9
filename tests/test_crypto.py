"""Field encryption envelopes, key rotation, blind indexes, and the encrypted model field."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.template import Context, Template
from django.test import override_settings
from django.test.utils import isolate_apps

from jijinan.core.errors import DomainError
from jijinan.core.protected import crypto
from jijinan.core.protected.crypto import (
    CryptoErrorCode,
    DecryptError,
    blind_index,
    decrypt,
    encrypt,
    generate_key,
    key_id_of,
    needs_rotation,
    rotate,
)
from jijinan.core.protected.fields import EncryptedTextField, Protected
from jijinan.core.protected.ids import canonical_id_number

KEY_2024 = generate_key()
KEY_2025 = generate_key()
BLIND = generate_key()
ID_NUMBER = "11010519491231002X"
PURPOSE = "person.id_number"
ENVELOPE = re.compile(r"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+")


def keys(*, active: str = "k2024", **field_keys: str) -> override_settings:
    return override_settings(
        JIJINAN_FIELD_KEYS=field_keys or {"k2024": KEY_2024},
        JIJINAN_ACTIVE_FIELD_KEY=active,
        JIJINAN_BLIND_INDEX_KEY=BLIND,
    )


@pytest.fixture(autouse=True)
def _keys():
    with keys():
        yield


def test_generate_key_gives_distinct_base64_32_byte_keys():
    assert len(base64.b64decode(KEY_2024, validate=True)) == 32
    assert len({generate_key() for _ in range(20)}) == 20


@pytest.mark.parametrize("plaintext", [ID_NUMBER, "", "6222021234567890123", "张三 · 玄武区 🏠"])
def test_round_trip(plaintext: str):
    envelope = encrypt(plaintext, purpose=PURPOSE)
    assert ENVELOPE.fullmatch(envelope)
    assert envelope.isascii()
    assert plaintext not in envelope or plaintext == ""
    assert decrypt(envelope, purpose=PURPOSE) == plaintext
    assert key_id_of(envelope) == "k2024"


def test_every_encryption_uses_a_fresh_nonce():
    envelopes = [encrypt(ID_NUMBER, purpose=PURPOSE) for _ in range(200)]
    assert len(set(envelopes)) == 200
    assert len({e.split(".")[2] for e in envelopes}) == 200


def test_the_envelope_format_is_what_the_docstring_says():
    # Pinned so that stored data stays readable: a change here is a new version, not an edit.
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    version, key_id, nonce, sealed = envelope.split(".")
    assert (version, key_id) == ("v1", "k2024")
    raw = AESGCM(base64.b64decode(KEY_2024)).decrypt(
        base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4)),
        base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)),
        b"jijinan-field|v1|k2024|person.id_number",
    )
    assert raw.decode() == ID_NUMBER


def test_an_envelope_built_by_hand_decrypts():
    nonce = bytes(range(12))
    sealed = AESGCM(base64.b64decode(KEY_2024)).encrypt(
        nonce, b"13812345678", b"jijinan-field|v1|k2024|person.phone")
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    assert decrypt(f"v1.k2024.{b64(nonce)}.{b64(sealed)}", purpose="person.phone") == "13812345678"


def _flip(text: str, position: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    original = text[position]
    replacement = alphabet[(alphabet.index(original) + 1) % len(alphabet)] if original in alphabet else "A"
    return text[:position] + replacement + text[position + 1:]


def test_changing_any_single_character_is_detected():
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    for position in range(len(envelope)):
        tampered = _flip(envelope, position)
        assert tampered != envelope
        with pytest.raises(DecryptError) as caught:
            decrypt(tampered, purpose=PURPOSE)
        assert caught.value.code in {"decrypt_failed", "unknown_key_id"}


def test_a_flipped_ciphertext_byte_fails_authentication():
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    version, key_id, nonce, sealed = envelope.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
    raw[0] ^= 1
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(DecryptError) as caught:
        decrypt(f"{version}.{key_id}.{nonce}.{flipped}", purpose=PURPOSE)
    assert caught.value.code == CryptoErrorCode.DECRYPT_FAILED


def test_an_envelope_copied_to_another_column_does_not_decrypt():
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    with pytest.raises(DecryptError) as caught:
        decrypt(envelope, purpose="person.guardian_id_number")
    error = caught.value
    assert error.code == "decrypt_failed"
    assert isinstance(error, DomainError)
    assert error.status == 500
    assert str(error.message) == "受保护数据无法解密：数据已损坏或不属于此字段"
    assert ID_NUMBER not in error.detail and ID_NUMBER not in str(error)


@pytest.mark.parametrize(
    "malformed",
    [
        "", "garbage", ID_NUMBER, "v1.k2024", "v1.k2024.AAAA",
        "v2.k2024.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # an unknown version
        "v1.k2024.AAAAAAAAAAAAAAAA.AAAA",  # shorter than a tag
        "v1.k2024.AAAA.AAAAAAAAAAAAAAAAAAAAAA",  # a short nonce
        "v1.k2024.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.extra",
        "v1.k 2024.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.k2024.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAA=",  # padding
        "v1.k2024.AAAAAAAA+AAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # the standard alphabet
    ],
)
def test_a_malformed_envelope_is_refused(malformed: str):
    with pytest.raises(DecryptError) as caught:
        decrypt(malformed, purpose=PURPOSE)
    assert caught.value.code == "decrypt_failed"
    assert crypto.is_envelope(malformed) is False


def test_an_unknown_key_id_is_named():
    with keys(active="old", old=generate_key()):
        envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    with pytest.raises(DecryptError) as caught:
        decrypt(envelope, purpose=PURPOSE)
    assert caught.value.code == CryptoErrorCode.UNKNOWN_KEY_ID == "unknown_key_id"
    assert "'old'" in caught.value.detail
    assert str(caught.value.message) == "受保护数据使用的密钥不存在，无法解密"


def test_relabelling_an_envelope_with_another_key_id_fails():
    with keys(active="a", a=KEY_2024, b=KEY_2025):
        envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
        with pytest.raises(DecryptError) as caught:
            decrypt(envelope.replace("v1.a.", "v1.b.", 1), purpose=PURPOSE)
    assert caught.value.code == "decrypt_failed"


def test_rotation():
    old = encrypt(ID_NUMBER, purpose=PURPOSE)
    assert needs_rotation(old) is False
    assert rotate(old, purpose=PURPOSE) == old
    with keys(active="k2025", k2024=KEY_2024, k2025=KEY_2025):
        assert decrypt(old, purpose=PURPOSE) == ID_NUMBER
        assert needs_rotation(old) is True
        new = rotate(old, purpose=PURPOSE)
        assert key_id_of(new) == "k2025"
        assert needs_rotation(new) is False
        assert decrypt(new, purpose=PURPOSE) == ID_NUMBER
        assert encrypt("x", purpose=PURPOSE).startswith("v1.k2025.")
    # Once the old key is retired only the re-sealed envelope can be read.
    with keys(active="k2025", k2025=KEY_2025):
        assert decrypt(new, purpose=PURPOSE) == ID_NUMBER
        with pytest.raises(DecryptError):
            decrypt(old, purpose=PURPOSE)


def test_blind_index_is_stable_keyed_and_purpose_separated():
    index = blind_index(ID_NUMBER, purpose=PURPOSE)
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert blind_index(ID_NUMBER, purpose=PURPOSE) == index
    assert index == hmac.new(base64.b64decode(BLIND), b"person.id_number\x00" + ID_NUMBER.encode(),
                             hashlib.sha256).hexdigest()
    assert blind_index(ID_NUMBER, purpose="household.head_id_number") != index
    assert blind_index("11010519491231003X", purpose=PURPOSE) != index
    assert index != hashlib.sha256(ID_NUMBER.encode()).hexdigest()  # keyed, not a plain hash
    with override_settings(JIJINAN_BLIND_INDEX_KEY=generate_key()):
        assert blind_index(ID_NUMBER, purpose=PURPOSE) != index


def test_rotating_field_keys_leaves_blind_indexes_alone():
    index = blind_index(ID_NUMBER, purpose=PURPOSE)
    with keys(active="k2025", k2025=KEY_2025):
        assert blind_index(ID_NUMBER, purpose=PURPOSE) == index


def test_every_spelling_of_a_number_finds_the_same_index_through_its_canonical_form():
    spellings = ["11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２ｘ",
                 "110105491231002"]
    assert len({blind_index(canonical_id_number(s), purpose=PURPOSE) for s in spellings}) == 1


@pytest.mark.parametrize("purpose", ["", "Person.ID", "person id", "a|b", "a\x00b", "person..id", ".person"])
def test_a_malformed_purpose_is_a_programming_error(purpose: str):
    with pytest.raises(ValueError, match="purpose"):
        encrypt("x", purpose=purpose)
    with pytest.raises(ValueError, match="purpose"):
        blind_index("x", purpose=purpose)


def test_only_strings_are_encrypted_or_indexed():
    with pytest.raises(TypeError):
        encrypt(12345, purpose=PURPOSE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        blind_index(None, purpose=PURPOSE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"JIJINAN_FIELD_KEYS": {}}, "JIJINAN_FIELD_KEYS"),
        ({"JIJINAN_FIELD_KEYS": None}, "JIJINAN_FIELD_KEYS"),
        ({"JIJINAN_ACTIVE_FIELD_KEY": "missing"}, "JIJINAN_ACTIVE_FIELD_KEY"),
        ({"JIJINAN_FIELD_KEYS": {"k2024": base64.b64encode(b"short").decode()}}, "32 bytes"),
        ({"JIJINAN_FIELD_KEYS": {"k2024": "not base64!"}}, "base64"),
        ({"JIJINAN_FIELD_KEYS": {"k.2024": KEY_2024}, "JIJINAN_ACTIVE_FIELD_KEY": "k.2024"}, "key id"),
        ({"JIJINAN_BLIND_INDEX_KEY": None}, "JIJINAN_BLIND_INDEX_KEY"),
        ({"JIJINAN_BLIND_INDEX_KEY": KEY_2024}, "differ"),
    ],
)
def test_misconfigured_keys_are_refused_loudly(overrides: dict[str, object], complaint: str):
    with override_settings(**overrides), pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        encrypt("x", purpose=PURPOSE)


def test_url_safe_base64_keys_are_accepted():
    raw = bytes([0xFB, 0xFF] * 16)
    url_safe = base64.urlsafe_b64encode(raw).decode()
    assert "-" in url_safe or "_" in url_safe
    with keys(active="u", u=url_safe):
        envelope = encrypt("x", purpose=PURPOSE)
    nonce, sealed = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in envelope.split(".")[2:])
    assert AESGCM(raw).decrypt(nonce, sealed, b"jijinan-field|v1|u|person.id_number") == b"x"


# --- the model field -----------------------------------------------------------------------------

def id_field() -> EncryptedTextField:
    field = EncryptedTextField(purpose=PURPOSE, mask="id_number", null=True)
    field.set_attributes_from_name("id_number")
    return field


def test_from_db_value_wraps_the_envelope_and_reveals_on_demand():
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    value = id_field().from_db_value(envelope, None, None)
    assert isinstance(value, Protected)
    assert value.envelope == envelope
    assert value.reveal() == ID_NUMBER
    assert value.key_id == "k2024"
    assert id_field().from_db_value(None, None, None) is None


def test_protected_values_print_masked():
    value = id_field().from_db_value(encrypt(ID_NUMBER, purpose=PURPOSE), None, None)
    assert value is not None
    assert str(value) == value.masked == "1****************X"
    assert f"{value}" == "1****************X"
    assert repr(value) == "<Protected person.id_number: 1****************X>"
    assert ID_NUMBER not in repr([value]) and ID_NUMBER not in repr({"v": value})
    assert ID_NUMBER not in pickle.dumps(value).decode("latin-1")


def test_templates_show_the_mask_and_cannot_reveal():
    value = id_field().from_db_value(encrypt(ID_NUMBER, purpose=PURPOSE), None, None)
    rendered = Template("{{ v }}|{{ v.masked }}|{{ v.reveal }}").render(Context({"v": value}))
    assert rendered == "1****************X|1****************X|"


def test_the_default_mask_hides_everything():
    field = EncryptedTextField(purpose="person.note")
    value = field.from_db_value(encrypt("住院，需要轮椅", purpose="person.note"), None, None)
    assert str(value) == "********"


def test_repr_of_an_undecryptable_value_neither_leaks_nor_raises():
    with keys(active="gone", gone=generate_key()):
        envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    value = Protected(envelope, purpose=PURPOSE, mask="id_number")
    assert repr(value) == "<Protected person.id_number: (undecryptable)>"
    with pytest.raises(DecryptError):
        str(value)  # printing it for a person fails loudly instead of showing a placeholder


def test_get_prep_value_encrypts_plaintext_and_keeps_loaded_envelopes():
    field = id_field()
    assert field.get_prep_value(None) is None
    stored = field.get_prep_value(ID_NUMBER)
    assert stored is not None and ENVELOPE.fullmatch(stored)
    assert decrypt(stored, purpose=PURPOSE) == ID_NUMBER
    loaded = field.from_db_value(stored, None, None)
    assert field.get_prep_value(loaded) == stored  # saving a row again does not re-encrypt


def test_a_value_copied_from_another_column_is_resealed_for_this_one():
    other = Protected(encrypt(ID_NUMBER, purpose="household.head_id_number"),
                      purpose="household.head_id_number")
    stored = id_field().get_prep_value(other)
    assert stored is not None and stored != other.envelope
    assert decrypt(stored, purpose=PURPOSE) == ID_NUMBER


def test_to_python():
    field = id_field()
    envelope = encrypt(ID_NUMBER, purpose=PURPOSE)
    assert field.to_python(None) is None
    loaded = field.to_python(envelope)  # what loaddata hands over from a dump
    assert isinstance(loaded, Protected) and loaded.reveal() == ID_NUMBER
    assert field.to_python(loaded) is loaded
    assert field.to_python(ID_NUMBER) == ID_NUMBER  # plaintext, encrypted on save


def test_value_to_string_never_dumps_plaintext():
    class Row:
        id_number = ID_NUMBER

    dumped = id_field().value_to_string(Row())  # type: ignore[arg-type]
    assert dumped is not None and ENVELOPE.fullmatch(dumped)
    assert decrypt(dumped, purpose=PURPOSE) == ID_NUMBER


def test_deconstruct_round_trips_for_migrations():
    field = id_field()
    name, path, args, kwargs = field.deconstruct()
    assert (name, path, args) == ("id_number", "jijinan.core.protected.fields.EncryptedTextField", [])
    assert kwargs == {"purpose": PURPOSE, "mask": "id_number", "null": True}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert (rebuilt.purpose, rebuilt.mask, rebuilt.null) == (PURPOSE, "id_number", True)
    assert rebuilt.editable is False
    assert EncryptedTextField(purpose="a.b").deconstruct()[3] == {"purpose": "a.b"}
    editable = EncryptedTextField(purpose="a.b", editable=True)
    assert editable.deconstruct()[3] == {"purpose": "a.b", "editable": True}


def test_field_arguments_are_checked():
    with pytest.raises(ValueError, match="purpose"):
        EncryptedTextField(purpose="Not A Purpose")
    with pytest.raises(ValueError, match="mask"):
        EncryptedTextField(purpose="a.b", mask="nope")
    with pytest.raises(TypeError):
        EncryptedTextField()  # type: ignore[call-arg]


def test_the_field_is_left_out_of_model_forms():
    assert id_field().editable is False


@isolate_apps("jijinan.core")
def test_only_isnull_lookups_exist_so_nobody_searches_ciphertext():
    class Person(models.Model):
        id_number = EncryptedTextField(purpose=PURPOSE, null=True)

        class Meta:
            app_label = "core"

        def __str__(self) -> str:
            return "person"

    assert Person._default_manager.filter(id_number__isnull=True).query is not None
    for lookup in ("id_number", "id_number__exact", "id_number__icontains", "id_number__in",
                   "id_number__startswith", "id_number__lower"):
        with pytest.raises(FieldError):
            Person._default_manager.filter(**{lookup: ID_NUMBER})


@pytest.mark.django_db(transaction=True)
@isolate_apps("jijinan.core")
def test_a_real_column_stores_envelopes_and_loads_protected_values():
    from django.db import connection

    class Holder(models.Model):
        id_number = EncryptedTextField(purpose=PURPOSE, mask="id_number", null=True)

        class Meta:
            app_label = "core"
            db_table = "test_crypto_holder"

        def __str__(self) -> str:
            return "holder"

    with connection.schema_editor() as editor:
        editor.create_model(Holder)
    try:
        saved = Holder._default_manager.create(id_number=ID_NUMBER)
        Holder._default_manager.create(id_number=None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM test_crypto_holder WHERE id_number IS NOT NULL")
            stored = cursor.fetchone()[0]
        assert ENVELOPE.fullmatch(stored) and ID_NUMBER not in stored
        loaded = Holder._default_manager.get(pk=saved.pk)
        assert isinstance(loaded.id_number, Protected)
        assert loaded.id_number.reveal() == ID_NUMBER
        loaded.save()  # saving unchanged keeps the same envelope
        assert Holder._default_manager.values_list("id_number", flat=True).get(pk=saved.pk).envelope == stored
        Holder._default_manager.filter(pk=saved.pk).update(id_number="13812345678")
        assert Holder._default_manager.get(pk=saved.pk).id_number.reveal() == "13812345678"
        assert Holder._default_manager.filter(id_number__isnull=True).count() == 1
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Holder)
