import type { CommitOptions } from '@strata/core';
import type { LogLine } from './log-lines.js';
import type { Dialog } from './workbench.js';

/** What the commit form asks the engine for, and the tag as typed (for the messages). */
export interface CommitRequest {
  options: CommitOptions;
  reference?: string;
}

/** `repository[:tag]` as `docker commit` splits it: the last colon after the last slash starts the tag. */
export function splitCommitReference(text: string): { repo?: string; tag?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const colon = trimmed.lastIndexOf(':');
  return colon > trimmed.lastIndexOf('/') ? { repo: trimmed.slice(0, colon), tag: trimmed.slice(colon + 1) } : { repo: trimmed };
}

/** The commit form: repository:tag, message and author, each optional as in `docker commit`. */
export function commitForm(name: string, onCommit: (request: CommitRequest) => void, onInvalid: (message: string) => void): Dialog {
  return {
    kind: 'form',
    title: `Commit ${name} to a new image`,
    fields: [
      { name: 'reference', label: 'Repository:tag', value: '', placeholder: 'repository[:tag] (none: an untagged image)' },
      { name: 'message', label: 'Message', value: '', placeholder: 'commit message (-m)' },
      { name: 'author', label: 'Author', value: '', placeholder: 'name <email> (-a)' },
    ],
    field: 0,
    onSubmit: (v) => {
      const reference = (v.reference ?? '').trim();
      if (/\s/.test(reference)) return onInvalid(`invalid reference format: ${reference}`);
      const { repo, tag } = splitCommitReference(reference);
      const comment = (v.message ?? '').trim();
      const author = (v.author ?? '').trim();
      onCommit({
        options: { ...(repo ? { repo } : {}), ...(tag ? { tag } : {}), ...(comment ? { comment } : {}), ...(author ? { author } : {}) },
        ...(reference ? { reference } : {}),
      });
    },
  };
}

/** The Logs tab's lines as a file holds them (stderr lines are not told apart, as `docker logs > file 2>&1`). */
export function logsText(lines: readonly LogLine[]): string {
  return lines.map((l) => `${l.text}\n`).join('');
}
