/** Text and attribute values for SVG and other XML we write by hand. */

/** Escapes XML specials; drops control characters and replaces lone surrogates (XML 1.0 cannot carry them). */
export function escapeXml(value: string): string {
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff
    )
      continue;
    if (code >= 0xd800 && code <= 0xdfff) out += "\ufffd";
    else if (char === "&") out += "&amp;";
    else if (char === "<") out += "&lt;";
    else if (char === ">") out += "&gt;";
    else if (char === '"') out += "&quot;";
    else if (char === "'") out += "&apos;";
    else out += char;
  }
  return out;
}
