import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-support/node.js';
import { commandString, mergeContainerConfig, processArgs } from './container-config.js';
import { containerInspect } from './container-inspect.js';
import { createdState } from './container-state.js';
import { normalizeHostConfig } from './host-config.js';

const json = (rel: string) => JSON.parse(readFileSync(join(fixturesDir, rel), 'utf8'));
const capture = (name: string) => readFileSync(join(fixturesDir, 'docker-api-captures', `${name}.txt`), 'utf8');

describe('image config + create body, combined as dockerd does', () => {
  it('07-metadata: Entrypoint and Env of the image, the user\'s Cmd and --user 0 give the captured Config, Path and Args', () => {
    const image = json('images/07-metadata/inspect.json')[0].Config;
    const want = json('images/07-metadata/container-inspect.json')[0];
    const body = { Image: 'fixture/07-metadata:v1', User: '0', AttachStdout: true, AttachStderr: true, Cmd: want.Config.Cmd, Env: null, Entrypoint: null, Labels: {}, WorkingDir: '' };
    const config = mergeContainerConfig(body, image, body.Image);
    config.Hostname = want.Config.Hostname;
    expect(config).toEqual(want.Config);
    expect(Object.keys(config)).toEqual(Object.keys(want.Config));
    expect(processArgs(config)).toEqual({ path: want.Path, args: want.Args });
  });

  it('every fixture container: the captured Config follows from the image config and the user\'s command', () => {
    for (const name of ['01-base', '02-whiteout', '03-opaque', '04-links', '05-perms', '06-multistage']) {
      const image = json(`images/${name}/inspect.json`)[0].Config;
      const want = json(`images/${name}/container-inspect.json`)[0];
      const config = mergeContainerConfig({ Image: want.Config.Image, Cmd: want.Config.Cmd, AttachStdout: true, AttachStderr: true, Labels: {} }, image, want.Config.Image);
      config.Hostname = want.Config.Hostname;
      expect(config, name).toEqual(want.Config);
    }
  });

  it('Entrypoint/Cmd rules: user Cmd keeps the image Entrypoint, user Entrypoint drops the image Cmd, --entrypoint \'\' clears it', () => {
    const image = { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo img'], Env: ['PATH=/bin', 'A=image'], Labels: { a: 'img', b: 'img' }, WorkingDir: '/srv', User: 'app' };
    const merged = (body: Record<string, unknown>) => mergeContainerConfig({ Image: 'x', ...body }, image, 'x');
    expect(processArgs(merged({}))).toEqual({ path: '/bin/sh', args: ['-c', 'echo img'] });
    expect(processArgs(merged({ Cmd: ['ls'] }))).toEqual({ path: '/bin/sh', args: ['-c', 'ls'] });
    expect(processArgs(merged({ Entrypoint: ['/bin/echo'] }))).toEqual({ path: '/bin/echo', args: [] });
    expect(processArgs(merged({ Entrypoint: [''], Cmd: ['ls', '-l'] }))).toEqual({ path: 'ls', args: ['-l'] });
    expect(() => merged({ Entrypoint: [''] })).toThrow('No command specified');
    const c = merged({ Env: ['A=user', 'B=1'], Labels: { a: 'user' }, WorkingDir: '/tmp', User: '1000:1000' });
    expect(c.Env).toEqual(['A=user', 'B=1', 'PATH=/bin']);
    expect(c.Labels).toEqual({ a: 'user', b: 'img' });
    expect([c.WorkingDir, c.User]).toEqual(['/tmp', '1000:1000']);
    expect(merged({}).Env).toEqual(['PATH=/bin', 'A=image']);
  });

  it('Command column as moby composes it (captured ps_a_filtered)', () => {
    expect(commandString('/bin/sh', ['-c', 'echo oops >&2; exit 7'])).toBe("/bin/sh -c 'echo oops >&2; exit 7'");
    expect(commandString('sleep', ['600'])).toBe('sleep 600');
    expect(commandString('true', [])).toBe('true');
  });
});

describe('HostConfig', () => {
  it('the CLI\'s create body (capture create) becomes the HostConfig dockerd reports (capture container_inspect)', () => {
    const body = JSON.parse(/^(\{"Hostname".*\})\\n$/m.exec(capture('create'))![1]);
    const want = JSON.parse(/^(\{"Id":"1461.*\})\\n$/m.exec(capture('container_inspect'))![1]);
    expect(normalizeHostConfig(body.HostConfig)).toEqual(want.HostConfig);
  });

  it('validates restart policies and refuses AutoRemove with one', () => {
    expect(normalizeHostConfig({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } }).RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(() => normalizeHostConfig({ RestartPolicy: { Name: 'sometimes' } })).toThrow("invalid restart policy 'sometimes'");
    expect(() => normalizeHostConfig({ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } })).toThrow("maximum retry count cannot be used with restart policy 'always'");
    expect(() => normalizeHostConfig({ AutoRemove: true, RestartPolicy: { Name: 'always' } })).toThrow("can't create 'AutoRemove' container with restart policy");
  });
});

describe('container inspect shape', () => {
  it('has the keys and value types of dockerd\'s inspect (fixture container-inspect.json)', () => {
    const want = json('images/01-base/container-inspect.json')[0];
    const config = mergeContainerConfig({ Image: 'busybox:local', Cmd: want.Config.Cmd, AttachStdout: true, AttachStderr: true }, null, 'busybox:local');
    const { path, args } = processArgs(config);
    const ours = containerInspect({
      id: want.Id, name: want.Name, created: want.Created, path, args, image: want.Image, config, platform: 'linux',
      hostConfig: normalizeHostConfig({ NetworkMode: 'none' }), state: { ...createdState(), status: 'exited' }, restartCount: 0, startedBefore: true, manuallyStopped: false,
    });
    const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    expect(Object.keys(ours)).toEqual(Object.keys(want));
    for (const section of ['HostConfig', 'NetworkSettings'] as const) {
      const o = ours[section] as Record<string, unknown>;
      expect(Object.keys(o), section).toEqual(Object.keys(want[section]));
      for (const k of Object.keys(o)) if (o[k] !== null && want[section][k] !== null) expect(typeOf(o[k]), `${section}.${k}`).toBe(typeOf(want[section][k]));
    }
    expect(ours.NetworkSettings).toMatchObject({ Networks: { none: expect.any(Object) } });
    expect(Object.keys((ours.NetworkSettings as any).Networks.none)).toEqual(Object.keys(want.NetworkSettings.Networks.none));
    expect([ours.Path, ours.Args, ours.Name, ours.Id]).toEqual([want.Path, want.Args, want.Name, want.Id]);
  });
});
