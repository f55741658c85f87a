"""Both backends keep bytes whole, list and delete them, and sign links that expire."""

from __future__ import annotations

import hashlib
import io
import urllib.parse

import pytest
import requests
import time_machine

from odr.storage import LinkExpired, LinkInvalid, ObjectMissing, document_key, open_storage
from odr.storage.base import MAX_LINK_SECONDS
from odr.storage.local import LocalStorage
from odr.storage.s3 import S3Storage

KEY = "tenants/1/cases/c/documents/d/v"


def app_url(token: str) -> str:
    return f"/files/{token}"


def test_keys_are_made_of_ids_only():
    import uuid

    t, c, d, v = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert document_key(t, c, d, v) == f"tenants/{t}/cases/{c}/documents/{d}/{v}"


def test_put_open_head_list_delete(storage):
    data = b"%PDF-1.4 " + bytes(range(256)) * 100
    storage.put(KEY, io.BytesIO(data), content_type="application/pdf")
    with storage.open(KEY) as stream:
        assert stream.read() == data
    with storage.open(KEY, length=4) as stream:
        assert stream.read(4) == b"%PDF"
    info = storage.head(KEY)
    assert info is not None and info.size == len(data)
    assert [i.key for i in storage.list("tenants/1/")] == [KEY]
    storage.delete(KEY)
    assert storage.head(KEY) is None
    assert list(storage.list("tenants/")) == []
    storage.delete(KEY)  # deleting twice is fine
    with pytest.raises(ObjectMissing), storage.open(KEY):
        pass


def test_a_failed_read_leaves_nothing_behind(storage):
    class Broken(io.RawIOBase):
        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def read(self, size=-1):
            if self.sent > 20 * 1024 * 1024:
                raise ValueError("the client went away")
            self.sent += size
            return b"x" * size

    with pytest.raises(ValueError, match="went away"):
        storage.put(KEY, Broken(), content_type="text/plain")
    assert storage.head(KEY) is None
    assert list(storage.list("tenants/")) == []


def test_keys_outside_the_store_are_refused(local_storage):
    for key in ("../etc/passwd", "/abs", "tenants/../../x", "tenants//x", ".hidden/x"):
        with pytest.raises(ValueError):
            local_storage.put(key, io.BytesIO(b"x"), content_type="text/plain")


def test_links_live_at_most_five_minutes(storage):
    storage.put(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    with pytest.raises(ValueError):
        storage.download_url(KEY, filename="a.txt", content_type="text/plain", inline=False,
                             expires_in=MAX_LINK_SECONDS + 1, app_url=app_url)


def test_s3_download_link_is_presigned_and_says_attachment(s3_storage):
    s3_storage.put(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    url = s3_storage.download_url(KEY, filename="Brief für Sie.txt", content_type="text/plain", inline=False,
                                  expires_in=60, app_url=app_url)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"hello"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Brief%20f%C3%BCr%20Sie.txt" in disposition


def test_s3_links_carry_their_expiry_in_the_signature(s3_storage):
    # S3 refuses a presigned URL after X-Amz-Date + X-Amz-Expires; moto does not enforce it, so the
    # test checks that the expiry is signed in. The local backend's expiry is tested end to end.
    url = s3_storage.download_url(KEY, filename="a.txt", content_type="text/plain", inline=False,
                                  expires_in=120, app_url=app_url)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-Date"] and query["X-Amz-Signature"]
    tampered = url.replace("X-Amz-Expires=120", "X-Amz-Expires=999")
    assert tampered != url


def test_s3_signed_upload_carries_the_checksum(s3_storage):
    data = b"%PDF-1.4 direct"
    sha = hashlib.sha256(data).hexdigest()
    upload = s3_storage.upload_url(KEY, size=len(data), sha256=sha, content_type="application/octet-stream",
                                   expires_in=300, app_url=app_url)
    assert upload.headers["x-amz-checksum-sha256"]
    response = requests.put(upload.url, data=data, headers=upload.headers, timeout=10)
    assert response.status_code == 200, response.text
    info = s3_storage.head(KEY)
    # AWS reports the checksum it verified; moto may not, and then completion re-reads the bytes.
    assert info is not None and info.size == len(data) and info.sha256 in (None, sha)
    with s3_storage.open(KEY) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == sha


def test_local_links_are_signed_and_expire(local_storage):
    local_storage.put(KEY, io.BytesIO(b"hello"), content_type="text/plain")
    with time_machine.travel(0, tick=False):
        url = local_storage.download_url(KEY, filename="a.txt", content_type="text/plain", inline=True,
                                         expires_in=120, app_url=app_url)
    token = url.rsplit("/", 1)[1]
    with time_machine.travel(100, tick=False):
        target = local_storage.resolve(token, purpose="download")
    assert (target.key, target.filename, target.inline) == (KEY, "a.txt", True)
    with time_machine.travel(121, tick=False), pytest.raises(LinkExpired):
        local_storage.resolve(token, purpose="download")
    with pytest.raises(LinkInvalid):
        local_storage.resolve(token[:-2] + "xx", purpose="download")
    with pytest.raises(LinkInvalid):
        local_storage.resolve(token, purpose="upload")
    other = LocalStorage(local_storage.root, secret="another-secret-entirely-0123456789")
    with pytest.raises(LinkInvalid):
        other.resolve(token, purpose="download")


def test_one_setting_chooses_the_backend(tmp_path, moto_endpoint):
    local = open_storage(tmp_path.as_uri(), secret="s")
    assert isinstance(local, LocalStorage) and local.root == tmp_path.resolve()
    s3 = open_storage("s3://bucket/some/prefix", secret="s", endpoint_url=moto_endpoint)
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("bucket", "some/prefix/")
    with pytest.raises(ValueError):
        open_storage("ftp://x", secret="s")
