/** Resolves after `ms` milliseconds (the one sleep of the packages; log-sync's agent has its own, cancellable). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
