/**
 * The one quoting helper for values that reach a host's shell (house rule: values reach
 * host-side scripts quoted by one helper). Wraps the word in single quotes; a single quote
 * inside becomes '\''. Safe for any byte string except NUL, which no argument can hold.
 */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
