/**
 * Characters one column wide that a terminal UI writes most: printable ASCII, Latin-1 (but the soft
 * hyphen), general punctuation (… – — ‘ ’ “ ” •), arrows, box drawing, blocks and geometric shapes
 * (but ◽◾, which are emoji). string-width gives each of them 1 (a test checks every one); it only gets
 * there after grapheme segmentation and an emoji regular expression, whose first use alone cost the
 * app's first frame a fifth of its CPU.
 */
const narrow = /^[\x20-\x7e\xa0-\xac\xae-\xff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u25fc]*$/;

/** The columns `text` takes when all its characters are one-column ones above, else undefined (ask string-width). */
export function narrowWidth(text: string): number | undefined {
  return narrow.test(text) ? text.length : undefined;
}
