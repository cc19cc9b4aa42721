/**
 * The CLI's failures. A `Failure` is reported as `tabla: <message>` with exit code 1; a bad argument
 * is commander's `InvalidArgumentError`, thrown from a parser in args.ts, and exits 2.
 */

/** A failure to report as `tabla: <message>` with exit code 1. */
export class Failure extends Error {}
