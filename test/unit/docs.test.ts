import { describe, expect, it } from "vitest";
import { moduleDocs } from "../../harness/docs.ts";

// Module READMEs document their inputs and outputs between BEGIN_TF_DOCS markers, generated
// from the variables and outputs themselves: a change that forgets `make docs` fails here.
describe("module documentation", () => {
  it("is in step with every module's variables and outputs", async () => {
    await expect(moduleDocs({ check: true })).resolves.toBeUndefined();
  });
});
