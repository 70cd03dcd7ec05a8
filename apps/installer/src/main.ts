import pkg from "../package.json" with { type: "json" };

// `--version` answers before any module is evaluated: start-up cost is node's own.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import("@oar-ha/cli");
  const code = await main(argv, pkg.version);
  process.exitCode = code;
  // Done is done: a handle left open (a socket to a host that vanished) must not keep the
  // program running. Output to pipes and files is written synchronously on Linux.
  setTimeout(() => process.exit(code), 3000).unref();
}
