import { defineCommand } from "citty";
import { OarHaError } from "@oar-ha/core";
import { bashCompletion } from "../docs.js";
import { EXIT } from "../io/output.js";

export default defineCommand({
  meta: {
    name: "completion",
    description:
      'Print the shell completion script: eval "$(oar-ha completion bash)" (zsh: the same through bashcompinit)',
  },
  args: { shell: { type: "positional", description: "bash or zsh", required: true } },
  async run({ args }) {
    if (args.shell !== "bash" && args.shell !== "zsh")
      throw new OarHaError("OARHA901", `completion ${args.shell}: say bash or zsh`);
    const script = await bashCompletion();
    process.stdout.write(args.shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script);
    return EXIT.ok;
  },
});
