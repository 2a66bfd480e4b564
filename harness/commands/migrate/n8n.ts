import { Command } from "commander";
import pc from "picocolors";
import { PlatformError } from "../../errors.ts";
import { checkKey, readCredentialsExport, readN8nKey, readWorkflowsExport } from "../../migrate/n8n.ts";

export const n8nCommand = new Command("n8n")
  .description("check that the old n8n's encryption key opens every exported credential (and that the new instance uses the same key) before importing")
  .option("--old-config <file>", "the old instance's ~/.n8n/config (or set N8N_ENCRYPTION_KEY)")
  .requiredOption("--credentials <file|dir>", "output of `n8n export:credentials --all` on the old instance (encrypted, never --decrypted)")
  .option("--workflows <file|dir>", "output of `n8n export:workflow --all`, checked to be JSON")
  .action(async (options: { oldConfig?: string; credentials: string; workflows?: string }) => {
    const key = readN8nKey(options.oldConfig);
    const credentials = readCredentialsExport(options.credentials);
    const check = checkKey(credentials, key);
    if (check.total > 0 && check.opened === 0) {
      throw new PlatformError(`the encryption key does not match: none of the ${check.total} exported credentials decrypts with it`, "Use the old instance's own key (its ~/.n8n/config or N8N_ENCRYPTION_KEY); nothing was imported.");
    }
    if (check.failed.length > 0) {
      throw new PlatformError(`${check.failed.length} of ${check.total} credentials do not decrypt with the key (${check.failed.slice(0, 3).map((c) => `${c.name} (${c.type})`).join(", ")}): the export mixes keys or is damaged`, "Export again from the old instance; nothing was imported.");
    }
    const target = process.env.PLATFORM_N8N_TARGET_KEY;
    if (target !== undefined && target !== key) {
      throw new PlatformError("the new instance's encryption key (PLATFORM_N8N_TARGET_KEY) differs from the old one: imported credentials would be unreadable", "Give the n8n module the old key as its encryption key (a sensitive input), apply, and check again.");
    }
    const workflows = options.workflows ? readWorkflowsExport(options.workflows) : 0;
    console.log(pc.green(`key check: all ${check.total} credentials decrypt with the old key${target !== undefined ? ", and the new instance uses the same key" : ""}; no credential was printed or decrypted to disk${options.workflows ? `; ${workflows} workflows read` : ""}`));
    if (target === undefined) console.log(pc.yellow("the new instance's key was not checked: export PLATFORM_N8N_TARGET_KEY with the value of the n8n module's encryption key Secret to check it"));
    console.log(
      [
        "import (the credentials stay encrypted end to end):",
        `  kubectl -n n8n cp ${options.credentials} <pod>:/tmp/credentials.json && kubectl -n n8n exec <pod> -- n8n import:credentials --input=/tmp/credentials.json`,
        ...(options.workflows ? [`  kubectl -n n8n cp ${options.workflows} <pod>:/tmp/workflows.json && kubectl -n n8n exec <pod> -- n8n import:workflow --input=/tmp/workflows.json`] : []),
        "  kubectl -n n8n exec <pod> -- rm /tmp/credentials.json /tmp/workflows.json",
      ].join("\n"),
    );
  });
