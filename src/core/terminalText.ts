/**
 * Text from servers (failure reasons, OperationOutcome diagnostics, URLs) reaches the operator's
 * terminal through `run`, `status` and the other commands. A control sequence in it could move the
 * cursor, rewrite earlier lines, change the window title or hide text, so the CLI removes them from
 * everything it prints: ANSI escape sequences (CSI, OSC, and two-character ESC sequences), C0
 * control characters except newline and tab, DEL, C1 control characters, and the Unicode
 * bidirectional overrides that reorder how a line reads.
 */

/* eslint-disable no-control-regex -- matching control characters is this module's purpose */
// ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), ESC P/X/^/_ ... ESC \ (DCS, SOS, PM, APC).
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
const STRING_SEQUENCE = /\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
const TWO_CHAR_ESCAPE = /\u001b[ -~]?/g;
// The 8-bit CSI (U+009B) starts a sequence like ESC [ on terminals that honour C1.
const C1_CSI = /\u009b[0-?]*[ -/]*[@-~]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/** The text without control sequences and control characters; newline and tab are kept. */
export function stripControlCharacters(text: string): string {
  return text
    .replace(CSI, "")
    .replace(STRING_SEQUENCE, "")
    .replace(C1_CSI, "")
    .replace(TWO_CHAR_ESCAPE, "")
    .replace(CONTROL, "");
}
