import { describe, expect, it } from 'vitest';
import { compatiblePlatforms, formatPlatform, parsePlatform, selectPlatform } from './platform.js';

const entry = (architecture: string, variant?: string, os = 'linux') => ({ name: `${os}/${architecture}/${variant ?? ''}`, platform: { os, architecture, variant } });

describe('platforms (image-format.md §5)', () => {
  it('normalises what --platform takes as containerd does', () => {
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/aarch64'))).toBe('linux/arm64/v8');
    expect(formatPlatform(parsePlatform('linux/x86_64'))).toBe('linux/amd64');
    expect(formatPlatform(parsePlatform('linux/armhf'))).toBe('linux/arm/v7');
    expect(formatPlatform(parsePlatform('Linux/arm'))).toBe('linux/arm/v7');
    expect(() => parsePlatform('linux/amd64/v2/x')).toThrow('unknown operating system or architecture');
  });

  it('orders fallbacks best first', () => {
    expect(compatiblePlatforms(parsePlatform('linux/amd64/v3')).map(formatPlatform)).toEqual(['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']);
    expect(compatiblePlatforms(parsePlatform('linux/arm/v7')).map(formatPlatform)).toEqual(['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
  });

  it('takes the best match, the first among equals, never an attestation', () => {
    const entries = [entry('unknown', undefined, 'unknown'), entry('386'), entry('amd64'), entry('amd64', 'v1'), entry('arm64'), entry('arm', 'v6')];
    expect(selectPlatform(entries, parsePlatform('linux/amd64')).name).toBe('linux/amd64/');
    expect(selectPlatform(entries, parsePlatform('linux/amd64/v3')).name).toBe('linux/amd64/');
    expect(selectPlatform(entries, parsePlatform('linux/arm64/v8')).name).toBe('linux/arm64/');
    expect(selectPlatform(entries, parsePlatform('linux/arm/v7')).name).toBe('linux/arm/v6');
    expect(() => selectPlatform(entries, parsePlatform('linux/arm/v5'))).toThrow('no matching manifest for linux/arm/v5 in the manifest list entries');
    expect(() => selectPlatform([entry('amd64', undefined, 'unknown')], parsePlatform('linux/amd64'))).toThrow('no matching manifest for linux/amd64');
  });
});
