// The edge handler's limits, in their own module: a Cloudflare Worker's main module may
// export nothing but its handlers (workerd takes every named export for an entrypoint), so
// handler.ts exports only `default` and tests read the limits from here.

/** Largest x the handler evaluates in one request: bounds the memory one request may take. */
export const MAX_POINTS = 1 << 16;
