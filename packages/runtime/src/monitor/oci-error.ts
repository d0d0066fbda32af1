import { StrataError } from '@strata/core';

/**
 * A failed `runc create` as dockerd reports it: the runtime's text wrapped as containerd wraps it
 * (`failed to create shim task: OCI runtime create failed: <runc text>: unknown`). The docker CLI
 * turns `executable file not found` / `no such file or directory` into exit 127 and
 * `permission denied` into 126, so the text must survive; all are the user's input ('invalid').
 */
export function ociCreateError(runtimeMessage: string): StrataError {
  const text = runtimeMessage.trim().replace(/\s*\n\s*/g, ' ');
  const message = `failed to create shim task: OCI runtime create failed: ${text}: unknown`;
  const userError = /executable file not found|no such file or directory|permission denied|not a directory/.test(text);
  return new StrataError(userError ? 'invalid' : 'internal', message);
}
