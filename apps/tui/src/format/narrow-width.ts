/**
 * Characters one column wide that a terminal UI writes most: printable ASCII, Latin-1 (but the soft
 * hyphen), general punctuation (… – — ‘ ’ “ ” •), arrows, box drawing, blocks and geometric shapes
 * (but ◽◾, which are emoji). string-width gives each of them 1 (a test checks every one); it only gets
 * there after grapheme segmentation and an emoji regular expression, whose first use alone cost the
 * app's first frame a fifth of its CPU.
 */
const narrow = /^[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc]*$/;

// SGR escapes (colors, bold, ...) as chalk writes them: string-width strips exactly these spans (its ansi-regex
// matches each whole, parameters of up to four digits). Other escapes stay in the text and so go to string-width.
const sgr = /\x1b\[(?:\d{1,4}(?:;\d{0,4})*)?m/g;

/**
 * The columns `text` takes when all its characters are one-column ones above, between SGR escapes (they take none),
 * else undefined (ask string-width).
 */
export function narrowWidth(text: string): number | undefined {
  if (narrow.test(text)) return text.length;
  if (!text.includes('\x1b')) return undefined;
  const visible = text.replace(sgr, '');
  return narrow.test(visible) ? visible.length : undefined;
}
