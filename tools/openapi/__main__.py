"""`python -m tools.openapi` (`make openapi`): write the OpenAPI document the handlers' routes make."""

from tools.openapi.document import COMMITTED_DOCUMENT, PROJECT_ROOT, generate_document

COMMITTED_DOCUMENT.write_text(generate_document(), encoding="utf-8")
print(f"wrote {COMMITTED_DOCUMENT.relative_to(PROJECT_ROOT)}")
