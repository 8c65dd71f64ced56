"""Reading BIND key files as tsig-keygen writes them, strictly: anything else is one sentence that never
repeats the file's text (which could be the secret)."""

import shutil
import subprocess

import pytest

from mailsec.publish.tsigkey import ALGORITHMS, KeyFileError, parse_key_file, read_key_file

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
GOOD = f'key "update.example.nl" {{\n\talgorithm hmac-sha256;\n\tsecret "{SECRET}";\n}};\n'


@pytest.mark.skipif(shutil.which("tsig-keygen") is None, reason="needs tsig-keygen (bind9)")
@pytest.mark.parametrize("algorithm", ["hmac-sha256", "hmac-sha512", "hmac-sha1"])
def test_what_tsig_keygen_writes_is_read(tmp_path, algorithm):
    text = subprocess.run(["tsig-keygen", "-a", algorithm, "Update.Example.NL"], capture_output=True, text=True,
                          check=True).stdout
    path = tmp_path / "update.key"
    path.write_text(text)
    key = read_key_file(path)
    assert (key.name, key.algorithm) == ("update.example.nl", algorithm) and key.secret in text
    assert key.for_dnspython().name.to_text() == "update.example.nl."


def test_comments_and_layout_do_not_matter():
    text = f'# made for mailsec\nkey update.example.nl {{ /* one line */ secret "{SECRET}"; algorithm HMAC-SHA256; }};'
    assert parse_key_file(text, "f").algorithm == "hmac-sha256"


def test_the_secret_never_shows_in_repr():
    assert SECRET not in repr(parse_key_file(GOOD, "f"))


@pytest.mark.parametrize(("text", "reason"), [
    ("", "it is empty"),
    ("$ORIGIN example.nl.\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n", "line 1: expected the 'key' statement"),
    (GOOD + GOOD, "it holds 2 key statements; give a file with the one key for updates"),
    (GOOD.replace(f'\tsecret "{SECRET}";\n', ""), "the key has no secret"),
    (GOOD.replace("hmac-sha256", "hmac-sha3"), "its algorithm is not one of " + ", ".join(ALGORITHMS)),
    (GOOD.replace(SECRET, "not base64!"), "its secret is not base64"),
    (GOOD.replace(f'"{SECRET}"', SECRET), "line 3: the secret must be quoted"),
    (GOOD.replace("};\n", "}"), "it ends where ';' after the closing brace should follow"),
    (GOOD + "/* unterminated", "line 5 has an unterminated string or comment"),
    (GOOD.replace("algorithm hmac-sha256;", "algorithm hmac-sha256;\n\talgorithm hmac-sha1;"),
     "the key gives its algorithm twice"),
])
def test_anything_else_is_one_sentence_naming_the_file(text, reason):
    with pytest.raises(KeyFileError) as refused:
        parse_key_file(text, "/etc/update.key")
    assert str(refused.value) == f"/etc/update.key is not a BIND key file as tsig-keygen writes it: {reason}."
    assert SECRET not in str(refused.value) and "\n" not in str(refused.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(KeyFileError, match=r"^the TSIG key file .*missing\.key does not exist\.$"):
        read_key_file(tmp_path / "missing.key")
