import { describe, expect, it } from 'vitest';
import { parseArguments } from './arguments.js';

describe('parseArguments', () => {
  it('opens the app with no command, on --data-root when given', () => {
    expect(parseArguments([])).toEqual({ command: 'app', dataRoot: undefined });
    expect(parseArguments(['--data-root', '/tmp/x'])).toEqual({ command: 'app', dataRoot: '/tmp/x' });
    expect(parseArguments(['--data-root=/tmp/y'])).toEqual({ command: 'app', dataRoot: '/tmp/y' });
    expect(parseArguments(['-H', 'unix:///run/s.sock'])).toEqual({ command: 'app', dataRoot: undefined, host: 'unix:///run/s.sock' });
    expect(parseArguments(['--host=tcp://127.0.0.1:2375'])).toEqual({ command: 'app', dataRoot: undefined, host: 'tcp://127.0.0.1:2375' });
    expect(parseArguments(['-H'])).toEqual({ command: 'invalid', message: 'flag needs an argument: -H' });
  });

  it('loads a file given as argument or with -i, or stdin', () => {
    expect(parseArguments(['load', 'image.tar'])).toEqual({ command: 'load', dataRoot: undefined, input: 'image.tar', quiet: false });
    expect(parseArguments(['--data-root', 'd', 'load', '-i', 'a.tar', '-q'])).toEqual({ command: 'load', dataRoot: 'd', input: 'a.tar', quiet: true });
    expect(parseArguments(['load'])).toEqual({ command: 'load', dataRoot: undefined, input: undefined, quiet: false });
  });

  it('answers help and version first', () => {
    expect(parseArguments(['--help'])).toEqual({ command: 'help' });
    expect(parseArguments(['load', '-h'])).toEqual({ command: 'help' });
    expect(parseArguments(['--version'])).toEqual({ command: 'version' });
  });

  it('rejects what it does not know, in docker words', () => {
    expect(parseArguments(['--frobnicate'])).toEqual({ command: 'invalid', message: 'unknown flag: --frobnicate' });
    expect(parseArguments(['-x'])).toEqual({ command: 'invalid', message: 'unknown shorthand flag: -x' });
    expect(parseArguments(['pull'])).toEqual({ command: 'invalid', message: 'unknown command: pull' });
    expect(parseArguments(['--data-root'])).toEqual({ command: 'invalid', message: 'flag needs an argument: --data-root' });
    expect(parseArguments(['load', 'a.tar', 'b.tar'])).toEqual({ command: 'invalid', message: '"strata load" accepts one archive' });
  });
});
