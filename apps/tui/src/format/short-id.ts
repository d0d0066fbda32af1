/** An image ID as the CLI shows it: algorithm dropped, first 12 hex (`<missing>` stays as is). */
export function shortId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}
