"""TLS credentials for tests of Dask over TLS: a test certificate authority and one certificate it signs, and
Dask's configuration for them made from ``infra/tls/dask-tls.yaml`` (the file users copy), so the tests run
that recipe."""

from __future__ import annotations

from pathlib import Path

import yaml

#: the recipe users copy; its example paths are replaced by a test's files
RECIPE = Path(__file__).parents[1] / "infra" / "tls" / "dask-tls.yaml"
#: the example files the recipe names, by the key :func:`write_test_credentials` gives each
EXAMPLE_PATHS = {"ca": "/etc/radcore/tls/ca.pem", "cert": "/etc/radcore/tls/host.pem",
                 "key": "/etc/radcore/tls/host-key.pem"}


def write_test_credentials(folder: Path, addresses: list[str]) -> dict[str, str]:
    """A test certificate authority and one certificate it signs, valid for ``addresses`` (and 127.0.0.1)
    as server and client (mutual TLS): paths ``ca``, ``cert``, ``key`` of PEM files in ``folder``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "radcore test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    names = [x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys([*addresses, "127.0.0.1"])]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "radcore test host")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"ca": folder / "ca.pem", "cert": folder / "host.pem", "key": folder / "host-key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return {name: str(path) for name, path in paths.items()}



def _recipe(credentials: dict[str, str]) -> str:
    text = RECIPE.read_text()
    for name, example in EXAMPLE_PATHS.items():
        text = text.replace(example, credentials[name])
    return text


def dask_tls_config(credentials: dict[str, str]) -> dict:
    """The recipe's settings naming ``credentials``, by dotted key for ``dask.config.set`` (a nested mapping
    would replace the whole ``distributed`` section): the scheduler, its workers and any client speak TLS
    only, with mutual authentication."""
    def flat(prefix: str, value) -> dict:
        if not isinstance(value, dict):
            return {prefix: value}
        return {k: v for key, inner in value.items() for k, v in flat(f"{prefix}.{key}" if prefix else key,
                                                                      inner).items()}

    return flat("", yaml.safe_load(_recipe(credentials)))


def write_dask_config(folder: Path, credentials: dict[str, str]) -> Path:
    """The recipe with ``credentials``, as ``folder/tls.yaml``: the folder for ``DASK_CONFIG``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tls.yaml").write_text(_recipe(credentials))
    return folder
