import { describe, expect, it } from 'vitest';
import { runRequest } from './run-request.js';

describe('runRequest', () => {
  it('sends what docker run -d --name -p -v -e IMAGE CMD sends', () => {
    const r = runRequest('busybox:local', {
      name: ' web ',
      command: `sh -c 'echo "hi there"'`,
      env: "A=1 B='two words'",
      ports: '8080:80 127.0.0.1:8443:443 53/udp',
      volumes: 'data:/data /srv/www:/www:ro /scratch',
    });
    expect(r).toEqual({
      name: 'web',
      body: {
        Image: 'busybox:local',
        Tty: false,
        OpenStdin: false,
        Cmd: ['sh', '-c', 'echo "hi there"'],
        Env: ['A=1', 'B=two words'],
        ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {} },
        Volumes: { '/scratch': {} },
        HostConfig: {
          Binds: ['data:/data', '/srv/www:/www:ro'],
          PortBindings: {
            '80/tcp': [{ HostIp: '', HostPort: '8080' }],
            '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }],
            '53/udp': [{ HostIp: '', HostPort: '' }],
          },
        },
      },
    });
  });

  it("leaves out what the form left empty, so the image's CMD and ENV apply", () => {
    expect(runRequest('busybox:local', {})).toEqual({ body: { Image: 'busybox:local', Tty: false, OpenStdin: false } });
  });

  it('says what is wrong with a malformed port or volume', () => {
    expect(() => runRequest('x', { ports: 'web:80' })).toThrow('invalid port "web:80": the host port must be a number');
    expect(() => runRequest('x', { ports: '80/icmp' })).toThrow('protocol must be tcp, udp or sctp');
    expect(() => runRequest('x', { volumes: 'data:relative' })).toThrow('the path in the container must be absolute');
    expect(() => runRequest('x', { volumes: 'data:/d:rx' })).toThrow('options are ro or rw');
    expect(() => runRequest('x', { command: "echo 'open" })).toThrow();
  });
});
