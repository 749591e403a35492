import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The product's own SSM Command documents, kept as YAML in `documents/` at the repository root. */
export type ProductDocument = "enable-fips" | "verify";

export const DOCUMENT_FILES: Readonly<Record<ProductDocument, string>> = {
  "enable-fips": "fleet-upgrade-enable-fips.yaml",
  verify: "fleet-upgrade-verify.yaml",
};

/** Path of a document's YAML file (this file lives in packages/aws/src). */
export function documentPath(name: ProductDocument): string {
  return fileURLToPath(new URL(`../../../documents/${DOCUMENT_FILES[name]}`, import.meta.url));
}

/** Content of a document as SSM CreateDocument takes it (`DocumentFormat: "YAML"`). */
export function loadDocumentContent(name: ProductDocument): string {
  return readFileSync(documentPath(name), "utf8");
}
