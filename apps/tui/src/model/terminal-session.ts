/**
 * A container session that takes over the terminal: a shell (`docker exec -it`) or the container's
 * own process (`docker attach`). The app leaves its screen for it and comes back when it ends.
 */
export interface TerminalSession {
  kind: 'shell' | 'attach';
  containerId: string;
  name: string;
}

/** How a session ended, for the status line once the app is back. */
export interface SessionOutcome {
  message: string;
  failed: boolean;
}

/**
 * The shell `exec -it` runs: the user's login shell from /etc/passwd, as lazydocker opens it
 * (`eval $(grep ^$(id -un): /etc/passwd | cut -d : -f 7-)`), falling back to /bin/sh when the image
 * has no passwd entry, no grep or cut, or the shell named there is missing (busybox and slim images).
 */
export const shellCommand: readonly string[] = [
  '/bin/sh',
  '-c',
  'shell=$( (grep "^$(id -un):" /etc/passwd | cut -d : -f 7-) 2>/dev/null ); [ -n "$shell" ] && [ -x "$shell" ] || shell=/bin/sh; exec "$shell"',
];

/** The detach keys of an attach session (docker's default). */
export const attachDetachKeys = 'ctrl-p,ctrl-q';
