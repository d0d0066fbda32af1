import { StrataError } from '@strata/core';

/** Docker's wording for an exec runc could not start, from runc's error text (a logrus line or plain). */
export function execFailure(message: string): StrataError {
  // runc writes its logrus line (`time=... level=error msg="..."`), which conmon passes on: keep the message.
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  const text = (quoted !== undefined ? quoted.replace(/\\"/g, '"').replace(/\\\\/g, '\\') : message).trim();
  return new StrataError('invalid', `OCI runtime exec failed: ${text}${/: unknown$/.test(text) ? '' : ': unknown'}`);
}
