"""How the API test run generates the values of the formats Sigil's OpenAPI document defines for
itself (see the IacaRequest schema): dates relative to now, and an importable IACA. Loaded by
scripts/api-test through SCHEMATHESIS_HOOKS."""

import datetime
import pathlib

import schemathesis
from hypothesis import strategies as st

HERE = pathlib.Path(__file__).parent
NOW = datetime.datetime.now(datetime.timezone.utc)


def _at(seconds):
    return (NOW + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


# notBefore: not in the past, up to two days ahead; notAfter: after any such notBefore, within
# twenty years of it.
schemathesis.openapi.format("iaca-not-before", st.integers(3_600, 2 * 86_400).map(_at))
schemathesis.openapi.format("iaca-not-after", st.integers(3 * 86_400, 19 * 365 * 86_400).map(_at))
# An IACA made by Sigil's own certificate code for the test run (crates/server/tests/it/openapi.rs
# keeps it valid and importable).
schemathesis.openapi.format("iaca-certificate-pem", st.just((HERE / "iaca.pem").read_text()))
schemathesis.openapi.format("iaca-private-key-pem", st.just((HERE / "iaca-key.pem").read_text()))
