"""`python -m tools.openapi` (`make openapi`): write the OpenAPI document the handlers' routes make."""

from tools.openapi import COMMITTED_DOCUMENT, PROJECT_ROOT
from tools.openapi.document import generate_document

COMMITTED_DOCUMENT.write_text(generate_document(), encoding="utf-8")
print(f"wrote {COMMITTED_DOCUMENT.relative_to(PROJECT_ROOT)}")
