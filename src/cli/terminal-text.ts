/**
 * Untrusted text (upstream names, file lines, reasons quoting them) printed to a terminal: control
 * characters, escape sequences included, become visible `\xNN`/`\uNNNN` escapes so nothing upstream
 * writes can move the cursor, recolour or rewrite what the reviewer reads.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
