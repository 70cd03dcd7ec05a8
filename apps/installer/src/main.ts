import pkg from "../package.json" with { type: "json" };

// `--version` answers before any module is evaluated: start-up cost is node's own.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import("@oar-ha/cli");
  process.exitCode = await main(argv, pkg.version);
}
