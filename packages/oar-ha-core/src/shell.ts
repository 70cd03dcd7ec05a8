import SERVICE_LIB from "./scripts/service-lib.sh";

/**
 * The one quoting helper for values that reach a host's shell (house rule: values reach
 * host-side scripts quoted by one helper). Wraps the word in single quotes; a single quote
 * inside becomes '\''. Safe for any byte string except NUL, which no argument can hold.
 */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `script` with oar-ha's service helpers defined in front of it (svc_systemd,
 * svc_boot_enabled, svc_boot_enable, svc_boot_disable, svc_deny_start_on_install,
 * svc_apt_install: see scripts/service-lib.sh): the one place that knows systemd from sysvinit.
 */
export const withServiceLib = (script: string): string => `${SERVICE_LIB}\n${script}`;
