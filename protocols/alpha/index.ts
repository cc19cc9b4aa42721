/**
 * The Alpha Sign Communications Protocol (M-Protocol, AMS 9708-8061F) of the parking guidance signs:
 * packets and checksum (frame.ts), a streaming reader that resyncs (parser.ts), the commands a
 * guidance sign needs (commands.ts), and text for a 7-bit sign (transliterate.ts). Pure; no I/O.
 */
export * from './frame.js';
export * from './parser.js';
export * from './commands.js';
export * from './transliterate.js';
