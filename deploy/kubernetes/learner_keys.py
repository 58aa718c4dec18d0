"""A learner's keys, made by the hub at each start of their server: what images/lab/keygen.sh
makes for the compose stack, as the files of one Secret (asynclab.stack.kubernetes_spec).

- an ed25519 SSH key pair: the private half for the learner's server, the public half as
  the targets' authorized_keys;
- a certificate authority made for this one certificate and thrown away at once: ca.crt for
  the targets to trust, releases.crt and releases.key for the releases.example.com stand-in.

Nothing is written to disk; the hub keeps nothing after the Secret is made.
"""

from __future__ import annotations

import datetime
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

TEN_YEARS = datetime.timedelta(days=3650)


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _certificate(subject: str, key, issuer: str, signer, names: list[str] | None = None) -> x509.Certificate:
    """The authority's own certificate (no names), or the stand-in's, which it signs."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + TEN_YEARS)
        .add_extension(x509.BasicConstraints(ca=names is None, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        usage = dict(digital_signature=True, key_cert_sign=False, key_agreement=False)
    else:
        usage = dict(digital_signature=False, key_cert_sign=True, key_agreement=False)
    usage.update(content_commitment=False, key_encipherment=False, data_encipherment=False)
    builder = builder.add_extension(
        x509.KeyUsage(**usage, crl_sign=names is None, encipher_only=False, decipher_only=False), critical=True
    )
    return builder.sign(signer, hashes.SHA256())


def learner_keys(names: list[str]) -> dict[str, str]:
    """The Secret's files: id_ed25519(.pub), authorized_keys, ca.crt, releases.crt and .key.

    names: the stand-in's names (releases, releases.example.com), from docker-compose.yml."""
    ssh = ed25519.Ed25519PrivateKey.generate()
    private = ssh.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = ssh.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    public_line = f"{public.decode()} asynclab-{secrets.token_hex(4)}\n"
    authority = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("asynclab local CA", authority, "asynclab local CA", authority)
    server = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(names[-1], server, "asynclab local CA", authority, names)
    return {
        "id_ed25519": private,
        "id_ed25519.pub": public_line,
        "authorized_keys": public_line,
        "ca.crt": ca.public_bytes(serialization.Encoding.PEM).decode(),
        "releases.crt": certificate.public_bytes(serialization.Encoding.PEM).decode(),
        "releases.key": _pem(server),
    }
