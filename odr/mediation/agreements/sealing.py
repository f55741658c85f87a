"""The signed agreement as a PDF: rendered by WeasyPrint, sealed with a PAdES signature by pyHanko.

The seal is the tenant's: a key and certificate named by the ``ODR_SIGNING_*`` settings (a PKCS#12
file, or a PEM key and certificate) or, on the embedded default, a key and self-signed certificate
made for the tenant on first use and kept in the instance folder. Any PDF reader shows that the
document has not changed since it was sealed; ``validate`` checks it here against the same
certificate.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():  # pyHanko imports DSA, which cryptography marks deprecated
    warnings.simplefilter("ignore")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

SEAL_FIELD = "Seal"


def _in_own_thread(work: Any, *args: Any, **kwargs: Any) -> Any:
    """Run pyHanko's blocking calls in a thread of their own: they start an event loop
    (``asyncio.run``), which fails in a thread that already runs one (a WebSocket server's, a
    browser driver's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *args, **kwargs).result()


@dataclass(frozen=True)
class SealKey:
    """Where a tenant's sealing key lives: a PKCS#12 file, or a PEM key and certificate."""

    pkcs12: Path | None = None
    password: bytes | None = None
    key: Path | None = None
    cert: Path | None = None

    def signer(self) -> Any:
        """pyHanko's signer for this key."""
        if self.pkcs12 is not None:
            return signers.SimpleSigner.load_pkcs12(str(self.pkcs12), passphrase=self.password)
        return signers.SimpleSigner.load(str(self.key), str(self.cert), key_passphrase=self.password)

    def certificate(self) -> Any:
        """The certificate the seal is validated against (asn1crypto, as pyHanko takes it)."""
        return self.signer().signing_cert


def seal_key(settings: Any, tenant_id: int, tenant_name: str) -> SealKey:
    """The sealing key of a tenant: the configured one, else the embedded one (made on first use)."""
    password = settings.signing_password.encode() if settings.signing_password else None
    if settings.signing_pkcs12:
        return SealKey(pkcs12=Path(settings.signing_pkcs12), password=password)
    if settings.signing_key and settings.signing_cert:
        return SealKey(key=Path(settings.signing_key), cert=Path(settings.signing_cert), password=password)
    folder = Path(settings.instance_path) / "signing" / f"tenant-{tenant_id}"
    key, cert = folder / "seal-key.pem", folder / "seal-cert.pem"
    if not (key.exists() and cert.exists()):
        _make_embedded_key(folder, key, cert, tenant_name)
    return SealKey(key=key, cert=cert)


def _make_embedded_key(folder: Path, key_path: Path, cert_path: Path, tenant_name: str) -> None:
    """An ECDSA P-256 key and a self-signed certificate for ``tenant_name``'s seal, ten years long."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{tenant_name} – agreement seal"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, tenant_name[:64])])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    tmp_key = key_path.with_suffix(".tmp")
    tmp_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    tmp_key.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp_key.replace(key_path)


def render_pdf(html: str) -> bytes:
    """The agreement's HTML as a PDF (WeasyPrint)."""
    from weasyprint import HTML  # slow to import: only where a PDF is made

    return HTML(string=html).write_pdf()


def seal(pdf: bytes, key: SealKey, *, reason: str, location: str, name: str) -> bytes:
    """``pdf`` with a PAdES signature of ``key`` covering the whole file."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=SEAL_FIELD, subfilter=SigSeedSubFilter.PADES,
                                        reason=reason, location=location, name=name)
    return _in_own_thread(signers.sign_pdf, writer, meta, signer=key.signer()).getvalue()


@dataclass(frozen=True)
class SealReport:
    """What validating a sealed PDF found."""

    ok: bool
    problem: str = ""


def validate(pdf: bytes, key: SealKey) -> SealReport:
    """Check that ``pdf`` carries one intact seal by ``key``'s certificate over the whole file."""
    try:
        reader = PdfFileReader(BytesIO(pdf))
        sealed = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - a file this broken is the answer, not a crash
        return SealReport(False, f"the PDF cannot be read ({type(error).__name__})")
    if len(sealed) != 1:
        return SealReport(False, f"the PDF carries {len(sealed)} seals instead of one")
    context = ValidationContext(trust_roots=[key.certificate()], allow_fetching=False)
    try:
        status = _in_own_thread(validate_pdf_signature, sealed[0], context)
    except Exception as error:  # noqa: BLE001
        return SealReport(False, f"the seal cannot be validated ({type(error).__name__})")
    if not status.intact or not status.valid:
        return SealReport(False, "the seal does not match the PDF: it changed after sealing")
    if not status.trusted:
        return SealReport(False, "the seal is not the tenant's")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        return SealReport(False, "the PDF holds more than was sealed")
    return SealReport(True)
