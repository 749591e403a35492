/** The product's own SSM Command documents, content from the repository's documents/ folder. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENT_FILES } from "@fleet-upgrade/aws";
import * as aws from "@pulumi/aws";

/**
 * Both documents as `aws.ssm.Document` (Command, YAML). `rootDir` is the repository root: SST runs
 * the bundled config from .sst/platform, so paths relative to this file do not hold there.
 */
export function createDocuments(args: { rootDir: string; names: { fips: string; verify: string } }) {
  const read = (name: keyof typeof DOCUMENT_FILES) =>
    readFileSync(join(args.rootDir, "documents", DOCUMENT_FILES[name]), "utf8");
  const fips = new aws.ssm.Document("FleetUpgradeEnableFipsDocument", {
    name: args.names.fips,
    documentType: "Command",
    documentFormat: "YAML",
    content: read("enable-fips"),
  });
  const verify = new aws.ssm.Document("FleetUpgradeVerifyDocument", {
    name: args.names.verify,
    documentType: "Command",
    documentFormat: "YAML",
    content: read("verify"),
  });
  return { fips, verify };
}
