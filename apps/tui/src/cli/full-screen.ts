// Alternate screen buffer (xterm 1049: saves the cursor and the screen, restored on leave),
// cursor hidden while the app runs.
const enter = '\u001B[?1049h\u001B[H\u001B[?25l';
const leave = '\u001B[?25h\u001B[?1049l';

/** Switches `out` to the alternate screen; the returned function switches back (once). */
export function enterFullScreen(out: NodeJS.WriteStream): () => void {
  out.write(enter);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (out.isTTY && process.stdin.isTTY) process.stdin.setRawMode?.(false);
    out.write(leave);
  };
}
