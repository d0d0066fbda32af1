// What a build reports while it runs, for the API's classic output stream and the TUI.

/** One thing a build did or printed. */
export type BuildEvent =
  | { kind: 'step'; step: number; total: number; instruction: string }
  | { kind: 'image'; id: string }
  | { kind: 'cache' }
  | { kind: 'running'; container: string }
  | { kind: 'removing'; container: string }
  | { kind: 'output'; text: string; stream: 'stdout' | 'stderr' }
  | { kind: 'triggers'; count: number }
  | { kind: 'warning'; text: string }
  | { kind: 'result'; id: string }
  | { kind: 'built'; id: string }
  | { kind: 'tagged'; name: string }
  /** A line of the pull of a FROM image that was not local (Docker's JSON progress fields). */
  | { kind: 'pull'; status?: string; id?: string; progress?: string; progressDetail?: { current?: number; total?: number } };

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** The classic builder's text for an event (`Step 1/8 : FROM x\n`, ` ---> Using cache\n`, ...). */
export function classicBuildText(event: BuildEvent): string {
  switch (event.kind) {
    case 'step':
      return `Step ${event.step}/${event.total} : ${event.instruction}\n`;
    case 'image':
      return ` ---> ${short(event.id)}\n`;
    case 'cache':
      return ' ---> Using cache\n';
    case 'running':
      return ` ---> Running in ${short(event.container)}\n`;
    case 'removing':
      return `Removing intermediate container ${short(event.container)}\n`;
    case 'output':
      return event.stream === 'stderr' ? `\u001b[91m${event.text}\u001b[0m` : event.text;
    case 'triggers':
      return `# Executing ${event.count} build trigger${event.count === 1 ? '' : 's'}\n`;
    case 'warning':
      return `${event.text}\n`;
    case 'result':
      return '';
    case 'built':
      return `Successfully built ${short(event.id)}\n`;
    case 'tagged':
      return `Successfully tagged ${event.name}\n`;
    case 'pull':
      return `${event.id ? `${event.id}: ` : ''}${event.status ?? ''}${event.progress ? ` ${event.progress}` : ''}\n`;
  }
}
