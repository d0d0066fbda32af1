import { describe, expect, it } from 'vitest';
import { commandWords } from './command-words.js';

describe('commandWords', () => {
  it('splits as sh does for quotes and backslashes', () => {
    expect(commandWords('sh -c "echo hi; sleep 1"')).toEqual(['sh', '-c', 'echo hi; sleep 1']);
    expect(commandWords(`A=1 B='two words' C="say \\"x\\"" D=a\\ b`)).toEqual(['A=1', 'B=two words', 'C=say "x"', 'D=a b']);
    expect(commandWords('  ')).toEqual([]);
    expect(commandWords(`''`)).toEqual(['']);
    expect(() => commandWords('echo "x')).toThrow('unterminated double quote');
  });
});
